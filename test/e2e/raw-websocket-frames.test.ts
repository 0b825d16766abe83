import { expect } from 'chai';
import { POSTGRESQL_ONLY } from '../support/databases.js';
import { describeOnEachDatabase } from '../support/each-database.js';
import { eventually } from '../support/eventually.js';
import { setScene } from '../support/hostile.js';
import { OPCODE, RawWebSocket, type FrameSpec } from '../support/raw-websocket.js';

/**
 * Frames no WebSocket library would send, written byte for byte after a
 * handshake done by hand. The ws library judges them and picks the close
 * code (RFC 6455 §7.4.1: 1002 protocol error, 1007 invalid data, 1009 too
 * big); these tests read the code from the close frame the server sends.
 */

const KiB = 1024;
const text = (payload: string | Buffer, more: Partial<FrameSpec> = {}): FrameSpec => ({ opcode: OPCODE.text, payload, ...more });
const closeWith = (code: number, reason: Buffer = Buffer.alloc(0)): FrameSpec => {
  const payload = Buffer.alloc(2);
  payload.writeUInt16BE(code);
  return { opcode: OPCODE.close, payload: Buffer.concat([payload, reason]) };
};
const chat = '{"username":"x","message":"history 1"}';

const VIOLATIONS: Array<[string, FrameSpec[], number]> = [
  ['a reserved non-control opcode (0x3)', [{ opcode: 0x3, payload: chat }], 1002],
  ['a reserved control opcode (0xB)', [{ opcode: 0xb }], 1002],
  ['RSV1 set without a negotiated extension', [text(chat, { rsv: 0x40 })], 1002],
  ['RSV2 set', [text(chat, { rsv: 0x20 })], 1002],
  ['RSV3 set', [text(chat, { rsv: 0x10 })], 1002],
  ['RSV1 set on a ping', [{ opcode: OPCODE.ping, rsv: 0x40 }], 1002],
  ['an unmasked client frame', [text(chat, { masked: false })], 1002],
  ['a ping with 126 bytes of payload', [{ opcode: OPCODE.ping, payload: Buffer.alloc(126) }], 1002],
  ['a fragmented ping', [{ opcode: OPCODE.ping, payload: 'x', fin: false }], 1002],
  ['a continuation frame without a start', [{ opcode: OPCODE.continuation, payload: chat }], 1002],
  ['a new text frame inside a fragmented message', [text('{"username":', { fin: false }), text('"x"}')], 1002],
  ['a close frame with a 1-byte payload', [{ opcode: OPCODE.close, payload: Buffer.from([0x03]) }], 1002],
  ['a close frame with code 999', [closeWith(999)], 1002],
  ['a close frame with the reserved code 1005', [closeWith(1005)], 1002],
  ['invalid UTF-8 (0xFF) in a text frame', [text(Buffer.from([0x7b, 0xff, 0x7d]))], 1007],
  ['an overlong UTF-8 encoding of "/"', [text(Buffer.from([0xc0, 0xaf]))], 1007],
  ['a UTF-16 surrogate encoded as UTF-8', [text(Buffer.from([0xed, 0xa0, 0x80]))], 1007],
  ['a UTF-8 sequence cut at the end of a message', [text(Buffer.from([0x22, 0xe2, 0x82]))], 1007],
  [
    'invalid UTF-8 split across two fragments',
    [text(Buffer.from([0x22, 0xe2]), { fin: false }), { opcode: OPCODE.continuation, payload: Buffer.from([0x28, 0x22]) }],
    1007,
  ],
  ['a close reason that is not UTF-8', [closeWith(1000, Buffer.from([0xff]))], 1007],
  ['a length field claiming 64 KiB + 1 (and no payload)', [text('', { claimedLength: 64 * KiB + 1 })], 1009],
  ['a 64-bit length field claiming 2^62 bytes', [text('', { claimedLength: 2 ** 62 })], 1009],
  [
    'fragments adding up to more than 64 KiB',
    [text(Buffer.alloc(40 * KiB, 0x20), { fin: false }), { opcode: OPCODE.continuation, payload: Buffer.alloc(30 * KiB, 0x20) }],
    1009,
  ],
];

describeOnEachDatabase(
  'Raw WebSocket frames',
  {},
  (server) => {
    const raws: RawWebSocket[] = [];
    afterEach(() => {
      for (const raw of raws.splice(0)) raw.destroy();
    });

    /** A raw connection past the handshake and the WELCOME frame. */
    async function rawConnection(): Promise<RawWebSocket> {
      const raw = await RawWebSocket.connect(server().baseUrl);
      raws.push(raw);
      expect(await raw.nextJson()).to.include({ type: 'info', code: 'WELCOME' });
      return raw;
    }

    for (const [what, frames, code] of VIOLATIONS) {
      it(`answers ${what} with close ${code}, hangs up, and serves the others`, async () => {
        const { expectUnharmed } = await setScene(server());
        const raw = await rawConnection();
        for (const frame of frames) raw.send(frame);

        const answer = await raw.nextFrame();
        expect(answer.opcode, 'the next frame is a close frame').to.equal(OPCODE.close);
        expect(answer.payload.readUInt16BE(0), 'close code').to.equal(code);
        expect(await raw.endsWithin(2000), 'the server ends the TCP connection').to.equal(true);
        await eventually(() => server().openConnections === 1, { what: 'only the bystander is left connected', timeoutMs: 2000 });
        await expectUnharmed();
      });
    }

    describe('what a well-behaved client may do with the same tools', () => {
      it('answers a ping of up to 125 bytes with a pong of the same payload', async () => {
        const raw = await rawConnection();
        const payload = Buffer.alloc(125, 'p');
        raw.send({ opcode: OPCODE.ping, payload });
        const pong = await raw.nextFrame();
        expect(pong.opcode).to.equal(OPCODE.pong);
        expect(pong.payload.equals(payload)).to.equal(true);
      });

      it('reassembles a fragmented message with a ping between its fragments', async () => {
        const raw = await rawConnection();
        raw.send(text('{"username":"x",', { fin: false }));
        raw.send({ opcode: OPCODE.ping, payload: 'between' });
        raw.send({ opcode: OPCODE.continuation, payload: '"message":"history 1"}' });
        expect((await raw.nextFrame()).opcode).to.equal(OPCODE.pong);
        expect(await raw.nextJson()).to.deep.equal({ type: 'history', messages: [] });
      });

      it('takes a multi-byte character split across two fragments', async () => {
        const raw = await rawConnection();
        const frame = Buffer.from('{"username":"x","message":"€"}');
        const cut = frame.indexOf(0xe2) + 1; // inside the three bytes of "€"
        raw.send(text(frame.subarray(0, cut), { fin: false }));
        raw.send({ opcode: OPCODE.continuation, payload: frame.subarray(cut) });
        expect(await raw.nextJson()).to.include({ type: 'error', code: 'NOT_AUTHENTICATED' });
      });

      it('echoes a clean close with 1000 and hangs up', async () => {
        const raw = await rawConnection();
        raw.send(closeWith(1000));
        const answer = await raw.nextFrame();
        expect(answer.opcode).to.equal(OPCODE.close);
        expect(answer.payload.readUInt16BE(0)).to.equal(1000);
        expect(await raw.endsWithin(2000)).to.equal(true);
      });
    });
  },
  POSTGRESQL_ONLY,
);
