import { expect } from 'chai';
import fc from 'fast-check';
import { parseFrame, type Command, type ProtocolError } from '../../src/adapters/ws/protocol.js';

/**
 * Properties of the frame parser over generated input. fast-check prints the
 * seed and the shrunk counterexample of any failure; rerun it with
 * fc.assert(..., { seed, path }).
 */

const RUNS = { numRuns: 200 };
const PROTOCOL_CODES = [
  'INVALID_JSON',
  'INVALID_FORMAT',
  'INVALID_COMMAND',
  'INVALID_HISTORY_COUNT',
  'INVALID_HISTORY_QUERY',
  'INVALID_ROOM',
  'INVALID_CLIENT_ID',
  'INVALID_SEARCH',
];
/** Fields that change what a frame means; every other field is ignored. */
const MEANINGFUL = ['username', 'message', 'type', 'room', 'clientId'];

const isCursor = (value: unknown): boolean => Number.isSafeInteger(value) && (value as number) >= 0;

/** Any UTF-16 code unit, unpaired surrogates included: what a JS string can hold. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit));
/** The characters that trip parsers, databases and comparisons, often enough to matter in 100 runs. */
const trickyChar = fc.constantFrom('\u0000', '\ud83d', '\ude00', '😀', ' ', '\t', '\n', '\u00a0', '\ufeff', '\u202e', 'İ', 'a', 'A', '"', '\\', '%', '_', "'");
const anyString = fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: codeUnit }), fc.string(), fc.string({ unit: trickyChar }));
const space = fc.constantFrom(' ', '\t', '\n', '\r', '\u00a0', '\u2003', '\u3000', '\ufeff', '');
const spaces = fc.array(space, { maxLength: 3 }).map((parts) => parts.join(''));

/** Text that starts, or nearly starts, with a command word, in any case, with any argument. */
const commandLike = fc
  .tuple(
    spaces,
    fc.constantFrom('auth', 'history'),
    fc.array(fc.boolean(), { minLength: 7, maxLength: 7 }),
    fc.constantFrom(' ', '  ', '\t', '\n', '\u00a0', '', ':', 'x', '-', '\u0000'),
    fc.oneof(
      fc.nat().map(String),
      fc.constantFrom('0', '-1', '1e9', '1.5', '0x10', '٣', '５', '10; DROP TABLE messages', '99999999999999999999'),
      fc.stringMatching(/^[A-Za-z0-9_-]{1,20}\.[A-Za-z0-9_-]{1,20}\.[A-Za-z0-9_-]{0,20}$/),
      anyString,
    ),
    spaces,
  )
  .map(([lead, word, upper, separator, argument, trail]) => {
    const cased = [...word].map((letter, i) => (upper[i] ? letter.toUpperCase() : letter)).join('');
    return `${lead}${cased}${separator}${argument}${trail}`;
  });

/** Plain text wrapped in white space, which a post keeps as sent. */
const padded = fc.tuple(spaces, anyString, spaces).map(([lead, body, trail]) => lead + body + trail);
const messageText = fc.oneof(anyString, padded, commandLike);
const username = fc.oneof(fc.constantFrom('alice', 'Alice', ''), anyString);

/** Whether the text is a command by the documented rule: its start, after white space, is a command word in any case. */
function startsWithCommandWord(text: string): boolean {
  const start = text.trimStart().toLowerCase();
  return start.startsWith('auth') || start.startsWith('history');
}

function expectWellFormedResult(result: Command | ProtocolError): void {
  switch (result.kind) {
    case 'error':
      expect(PROTOCOL_CODES).to.include(result.code);
      expect(result.message).to.be.a('string').and.not.be.empty;
      return;
    case 'auth':
      expect(result.token).to.match(/^\S+$/);
      return;
    case 'history':
      expect(Number.isInteger(result.limit) || result.limit === Infinity, String(result.limit)).to.equal(true);
      expect(result.limit).to.be.at.least(1);
      expect(result.room).to.be.a('string');
      if (result.before !== undefined) expect(isCursor(result.before), String(result.before)).to.equal(true);
      if (result.after !== undefined) expect(isCursor(result.after), String(result.after)).to.equal(true);
      expect(result.before !== undefined && result.after !== undefined, 'before and after together').to.equal(false);
      return;
    case 'post':
      expect(result.text).to.be.a('string');
      expect(result.room).to.be.a('string');
      if (result.clientId !== undefined) expect(result.clientId).to.be.a('string');
      return;
    case 'join':
      expect(result.room).to.be.a('string');
      if (result.after !== undefined) expect(isCursor(result.after), String(result.after)).to.equal(true);
      return;
    case 'leave':
    case 'presence':
    case 'members':
      expect(result.room).to.be.a('string');
      return;
    case 'invite':
    case 'remove':
    case 'promote':
      expect(result.room).to.be.a('string');
      expect(result.username).to.be.a('string');
      return;
    case 'create':
      expect(result.title).to.be.a('string');
      return;
    case 'direct':
      expect(result.username).to.be.a('string');
      return;
    case 'conversations':
      return;
    case 'read':
      expect(result.room).to.be.a('string');
      expect(isCursor(result.id), String(result.id)).to.equal(true);
      return;
    case 'search':
      expect(result.query).to.be.a('string');
      return;
    case 'edit':
      expect(result.text).to.be.a('string');
      expect(isCursor(result.id), String(result.id)).to.equal(true);
      return;
    case 'delete':
      expect(isCursor(result.id), String(result.id)).to.equal(true);
      return;
    default:
      expect.fail(`unknown kind in ${JSON.stringify(result)}`);
  }
}

/** Every type of typed frame docs/protocol.md names. */
const TYPED = [
  'join',
  'leave',
  'history',
  'presence',
  'message',
  'create',
  'invite',
  'remove',
  'promote',
  'members',
  'direct',
  'conversations',
  'read',
  'search',
  'edit',
  'delete',
] as const;

describe('parseFrame, over generated input', () => {
  it('never throws on any string, and answers with a command or a documented error', () => {
    fc.assert(
      fc.property(fc.oneof(anyString, fc.json(), messageText), (frame) => {
        expectWellFormedResult(parseFrame(frame));
      }),
      RUNS,
    );
  });

  it('answers any JSON without a type that is not an object with string username and message with INVALID_FORMAT', () => {
    /** Objects that have the two fields, or one, or neither, holding any JSON at all. */
    const nearlyFrames = fc.record({ username: fc.oneof(fc.jsonValue(), username), message: fc.oneof(fc.jsonValue(), messageText) }, { requiredKeys: [] });
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), nearlyFrames), (value) => {
        const frame = JSON.stringify(value);
        const sent = JSON.parse(frame) as unknown;
        const isObject = typeof sent === 'object' && sent !== null && !Array.isArray(sent);
        // A generated object may, rarely, hold a "type": that is a typed frame, judged by other rules.
        const typed = isObject && (sent as Record<string, unknown>).type !== undefined;
        const shaped =
          isObject && typeof (sent as Record<string, unknown>).username === 'string' && typeof (sent as Record<string, unknown>).message === 'string';
        const result = parseFrame(frame);
        expectWellFormedResult(result);
        if (typed) expect(result).not.to.include({ code: 'INVALID_FORMAT' });
        else if (!shaped) expect(result).to.include({ kind: 'error', code: 'INVALID_FORMAT' });
        else expect(result).not.to.include({ code: 'INVALID_FORMAT' }).and.not.to.include({ code: 'INVALID_JSON' });
      }),
      RUNS,
    );
  });

  it('reads a well-formed frame as a post exactly when its text does not start with a command word, keeping the text as sent', () => {
    fc.assert(
      fc.property(username, messageText, (name, message) => {
        const result = parseFrame(JSON.stringify({ username: name, message }));
        expectWellFormedResult(result);
        expect(result).not.to.include({ code: 'INVALID_JSON' }).and.not.to.include({ code: 'INVALID_FORMAT' });
        if (startsWithCommandWord(message)) {
          expect(result.kind, `${JSON.stringify(message)} must not be a post`).not.to.equal('post');
        } else {
          expect(result).to.deep.equal({ kind: 'post', username: name, text: message, room: 'general', clientId: undefined });
        }
      }),
      RUNS,
    );
  });

  it('carries exactly what a command says: the token as written, the count as a number, the username as sent, room general', () => {
    fc.assert(
      fc.property(username, commandLike, (name, message) => {
        const result = parseFrame(JSON.stringify({ username: name, message }));
        const argument = message
          .trim()
          .replace(/^(auth|history)/i, '')
          .trim();
        if (result.kind === 'auth') {
          expect(result).to.deep.equal({ kind: 'auth', username: name, token: argument });
        } else if (result.kind === 'history') {
          expect(argument).to.match(/^[0-9]+$/);
          expect(result).to.deep.equal({ kind: 'history', room: 'general', limit: Number(argument), original: true });
        } else {
          expect(result.kind).to.equal('error');
        }
      }),
      RUNS,
    );
  });

  it('ignores fields other than username, message, type, room and clientId', () => {
    const extra = fc
      .dictionary(fc.string(), fc.jsonValue(), { maxKeys: 5 })
      .map((fields) => Object.fromEntries(Object.entries(fields).filter(([key]) => !MEANINGFUL.includes(key))));
    fc.assert(
      fc.property(username, messageText, extra, (name, message, fields) => {
        const plain = parseFrame(JSON.stringify({ username: name, message }));
        const padded = parseFrame(JSON.stringify({ ...fields, username: name, message }));
        expect(padded).to.deep.equal(plain);
      }),
      RUNS,
    );
  });

  describe('the extensions', () => {
    const roomValue = fc.oneof(fc.constantFrom('general', 'dev', 'Dev', '', 'team_7'), anyString, fc.jsonValue());
    const cursorValue = fc.oneof(fc.nat(), fc.constantFrom(0, -1, 1.5, -0.5, 2 ** 53, Number.MAX_SAFE_INTEGER, 1e300, '10', null, true), fc.jsonValue());
    /** Typed frames whose fields are each absent, well formed, or anything at all. */
    const typedFrame = fc.record(
      {
        type: fc.oneof(fc.constantFrom(...TYPED), fc.constantFrom('JOIN', '', 'auth', 'post'), fc.jsonValue()),
        room: roomValue,
        before: cursorValue,
        after: cursorValue,
        limit: cursorValue,
        username: username,
        message: messageText,
      },
      { requiredKeys: ['type'] },
    );

    it('answers any typed frame with a command or a documented error, and a command holds exactly what was sent', () => {
      fc.assert(
        fc.property(typedFrame, (fields) => {
          const sent = JSON.parse(JSON.stringify(fields)) as Record<string, unknown>;
          const result = parseFrame(JSON.stringify(fields));
          expectWellFormedResult(result);
          expect(result.kind, 'a typed frame is never an auth').not.to.equal('auth');
          if (sent.type === undefined) return;
          if (!(TYPED as readonly unknown[]).includes(sent.type)) {
            expect(result).to.include({ kind: 'error', code: 'INVALID_COMMAND' });
            return;
          }
          if (result.kind === 'error' || result.kind === 'auth') return;
          if (result.kind === 'post') {
            // A typed message: never a command, whatever its text.
            expect(sent.type).to.equal('message');
            expect(result).to.include({ text: sent.message, typed: true });
            return;
          }
          expect(result.kind).to.equal(sent.type);
          if ('room' in result) expect(result.room).to.equal(sent.room ?? 'general');
          if (result.kind === 'history') {
            expect(result.original, 'only "history <N>" without a room is answered as the original protocol did').to.equal(undefined);
            expect(result.before).to.equal(sent.before);
            expect(result.after).to.equal(sent.after);
            expect(result.limit).to.equal(sent.limit ?? Infinity);
          }
          if (result.kind === 'join') expect(result.after).to.equal(sent.after);
        }),
        RUNS,
      );
    });

    it('refuses a typed history exactly when a field breaks a documented rule', () => {
      fc.assert(
        fc.property(typedFrame, (fields) => {
          const sent = JSON.parse(JSON.stringify({ ...fields, type: 'history' })) as Record<string, unknown>;
          const valid =
            (sent.room === undefined || typeof sent.room === 'string') &&
            (sent.before === undefined || isCursor(sent.before)) &&
            (sent.after === undefined || isCursor(sent.after)) &&
            !(sent.before !== undefined && sent.after !== undefined) &&
            (sent.limit === undefined || (Number.isSafeInteger(sent.limit) && (sent.limit as number) >= 1));
          const result = parseFrame(JSON.stringify(sent));
          expect(result.kind, JSON.stringify(sent)).to.equal(valid ? 'history' : 'error');
          if (!valid) expect(result).to.have.property('code').that.is.oneOf(['INVALID_ROOM', 'INVALID_HISTORY_QUERY']);
        }),
        RUNS,
      );
    });

    it('reads the room and client id of a chat frame as sent, and refuses ones that are not strings', () => {
      const clientIdValue = fc.oneof(fc.stringMatching(/^[A-Za-z0-9_.:-]{1,64}$/), anyString, fc.jsonValue());
      fc.assert(
        fc.property(username, messageText, roomValue, clientIdValue, (name, message, room, clientId) => {
          const sent = JSON.parse(JSON.stringify({ username: name, message, room, clientId })) as Record<string, unknown>;
          const result = parseFrame(JSON.stringify(sent));
          expectWellFormedResult(result);
          if (sent.room !== undefined && typeof sent.room !== 'string') {
            expect(result).to.include({ kind: 'error', code: 'INVALID_ROOM' });
          } else if (sent.clientId !== undefined && typeof sent.clientId !== 'string') {
            expect(result).to.include({ kind: 'error', code: 'INVALID_CLIENT_ID' });
          } else if (result.kind === 'post') {
            expect(result.room).to.equal(sent.room ?? 'general');
            expect(result.clientId).to.equal(sent.clientId);
          } else if (result.kind === 'history') {
            expect(result.room).to.equal(sent.room ?? 'general');
            expect(result.original).to.equal(sent.room === undefined ? true : undefined);
          }
        }),
        RUNS,
      );
    });
  });
});
