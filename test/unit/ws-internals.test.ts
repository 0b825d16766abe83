import { expect } from 'chai';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { Socket, type AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer, type ServerOptions } from 'ws';
import { TurnWriter, textFrame } from '../../src/adapters/ws/turn-writer.js';

/**
 * What the ws adapter takes from ws beyond its typed API, checked on the
 * installed ws, which package.json pins to an exact version for this reason.
 * A failure here means an upgrade changed it: read node_modules/ws/lib
 * (websocket.js setSocket() and bufferedAmount, sender.js sendFrame() and its
 * DEFAULT state, websocket-server.js completeUpgrade(), receiver.js
 * maxFragments) and fix TurnWriter before taking the new version.
 */
const CHECK = 'ws no longer does what src/adapters/ws/turn-writer.ts relies on (see test/unit/ws-internals.test.ts):';

const rawSocket = (connection: WebSocket) => (connection as unknown as { _socket: unknown })._socket;

interface Upgrade {
  /** The socket Node handed to the upgrade, held by TurnWriter as the gateway does. */
  socket: Socket;
  connection: WebSocket;
  /** Bytes waiting in the held socket when ws called back: its 101 response. */
  afterResponse: number;
  /** And once the callback sent a frame, as the gateway sends its welcome. */
  afterWelcome: number;
  corkedAfterWelcome: number;
}

/** A server upgrading as the gateway does (noServer, no compression), and a client connected to it. */
async function setup(options: ServerOptions = {}) {
  const writer = new TurnWriter();
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false, ...options });
  const http: Server = createServer();
  const upgraded = new Promise<Upgrade>((resolve) => {
    http.on('upgrade', (request, socket: Socket, head: Buffer) => {
      writer.hold(socket);
      let afterResponse = -1;
      let connection: WebSocket | undefined;
      wss.handleUpgrade(request, socket, head, (ws) => {
        connection = ws;
        // A protocol error (too many fragments) is reported here as well as in the close code.
        ws.on('error', () => undefined);
        afterResponse = socket.writableLength;
        writer.send(ws, 'welcome');
      });
      resolve({ socket, connection: connection!, afterResponse, afterWelcome: socket.writableLength, corkedAfterWelcome: socket.writableCorked });
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const client = new WebSocket(`ws://127.0.0.1:${(http.address() as AddressInfo).port}/`);
  const received: string[] = [];
  client.on('message', (data) => received.push((data as Buffer).toString()));
  const closed = once(client, 'close') as Promise<[number, Buffer]>;
  await once(client, 'open');
  const upgrade = await upgraded;
  const receivedUntil = async (count: number) => {
    while (received.length < count) await once(client, 'message');
    return received;
  };
  const stop = async () => {
    client.terminate();
    upgrade.connection?.terminate();
    await new Promise((resolve) => http.close(resolve));
  };
  return { writer, upgrade, client, received: receivedUntil, closed, stop };
}

describe('ws internals the ws adapter relies on', () => {
  let stop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await stop?.();
    stop = undefined;
  });

  it('keeps the socket Node handed to the upgrade in _socket: TurnWriter writes frames there', async () => {
    const { upgrade, ...rest } = await setup();
    stop = rest.stop;
    expect(upgrade.connection, `${CHECK} handleUpgrade() no longer calls back before it returns`).to.be.instanceOf(WebSocket);
    expect(rawSocket(upgrade.connection), `${CHECK} WebSocket#_socket is not the upgraded net.Socket any more`).to.equal(upgrade.socket);
    expect(upgrade.socket).to.be.instanceOf(Socket);
  });

  it('writes the 101 response into the held socket before calling back, so the welcome leaves in the same write', async () => {
    const { upgrade, received, ...rest } = await setup();
    stop = rest.stop;
    expect(upgrade.afterResponse, `${CHECK} the 101 response is not in the held socket when handleUpgrade() calls back`).to.be.above(0);
    expect(upgrade.afterWelcome - upgrade.afterResponse, `${CHECK} send() did not write its frame at once`).to.equal(textFrame('welcome').length);
    expect(upgrade.corkedAfterWelcome, `${CHECK} the socket was uncorked during the upgrade`).to.equal(1);
    expect(await received(1)).to.deep.equal(['welcome']);
  });

  it('writes a frame to _socket within send() with compression off, so frames written beside it keep their order', async () => {
    const { writer, upgrade, received, ...rest } = await setup();
    stop = rest.stop;
    await received(1);
    const { connection, socket } = upgrade;
    const large = 'x'.repeat(70_000);
    const steps: Array<[string, () => void, number]> = [
      ['send', () => writer.send(connection, 'one'), textFrame('one').length],
      ['writeFrame', () => writer.writeFrame(connection, textFrame('two')), textFrame('two').length],
      ['a large send', () => writer.send(connection, large), textFrame(large).length],
      ['writeFrame', () => writer.writeFrame(connection, textFrame('four')), textFrame('four').length],
    ];
    for (const [what, step, bytes] of steps) {
      const before = socket.writableLength;
      step();
      expect(socket.writableLength - before, `${CHECK} ${what} did not put its frame in _socket's buffer at once`).to.equal(bytes);
      expect(socket.writableCorked, `${CHECK} ${what} uncorked the socket TurnWriter holds (ws's own cork must nest)`).to.equal(1);
    }
    expect(connection.bufferedAmount, `${CHECK} bufferedAmount no longer counts what waits in _socket (the slow-reader check reads it)`).to.be.at.least(
      socket.writableLength,
    );
    expect((await received(5)).slice(1).map((text) => (text === large ? 'large' : text))).to.deep.equal(['one', 'two', 'large', 'four']);
  });

  it("lists in TurnWriter's backlog a socket a turn's writes filled past what the kernel took, and only such a socket", async () => {
    const { writer, upgrade, client, received, ...rest } = await setup();
    stop = rest.stop;
    await received(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect([...writer.backlog], 'a welcome the kernel took at once').to.deep.equal([]);
    (rawSocket(client) as Socket).pause();
    const frame = textFrame('x'.repeat(1 << 20));
    for (let i = 0; i < 32; i++) writer.writeFrame(upgrade.connection, frame);
    await new Promise((resolve) => setImmediate(resolve));
    expect(upgrade.socket.writableLength, '32 MiB to a reader that reads nothing').to.be.above(0);
    expect([...writer.backlog]).to.deep.equal([upgrade.socket]);
  });

  it('closes with 1008 a message of more fragments than maxFragments, 16384 unless set', async () => {
    expect(new WebSocketServer({ noServer: true }).options.maxFragments, `${CHECK} the default maxFragments changed`).to.equal(16 * 1024);
    const { client, closed, ...rest } = await setup({ maxFragments: 3 });
    stop = rest.stop;
    for (let i = 0; i < 4; i++) client.send('x', { fin: false });
    const code = await Promise.race([closed.then(([closeCode]) => closeCode), new Promise((resolve) => setTimeout(resolve, 2000, 'open'))]);
    expect(code, `${CHECK} maxFragments is not enforced`).to.equal(1008);
  });
});
