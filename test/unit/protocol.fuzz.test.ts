import { expect } from 'chai';
import fc from 'fast-check';
import { parseFrame, type Command, type ProtocolError } from '../../src/adapters/ws/protocol.js';

/**
 * Properties of the frame parser over generated input. fast-check prints the
 * seed and the shrunk counterexample of any failure; rerun it with
 * fc.assert(..., { seed, path }).
 */

const RUNS = { numRuns: 200 };
const PROTOCOL_CODES = ['INVALID_JSON', 'INVALID_FORMAT', 'INVALID_COMMAND', 'INVALID_HISTORY_COUNT'];

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
      expect(Number.isInteger(result.count) || result.count === Infinity, String(result.count)).to.equal(true);
      expect(result.count).to.be.at.least(1);
      return;
    case 'post':
      expect(result.text).to.be.a('string');
      return;
    default:
      expect.fail(`unknown kind in ${JSON.stringify(result)}`);
  }
}

describe('parseFrame, over generated input', () => {
  it('never throws on any string, and answers with a command or a documented error', () => {
    fc.assert(
      fc.property(fc.oneof(anyString, fc.json(), messageText), (frame) => {
        expectWellFormedResult(parseFrame(frame));
      }),
      RUNS,
    );
  });

  it('answers any JSON that is not an object with string username and message with INVALID_FORMAT', () => {
    /** Objects that have the two fields, or one, or neither, holding any JSON at all. */
    const nearlyFrames = fc.record({ username: fc.oneof(fc.jsonValue(), username), message: fc.oneof(fc.jsonValue(), messageText) }, { requiredKeys: [] });
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), nearlyFrames), (value) => {
        const frame = JSON.stringify(value);
        const sent = JSON.parse(frame) as unknown;
        const shaped =
          typeof sent === 'object' && sent !== null && !Array.isArray(sent) &&
          typeof (sent as Record<string, unknown>).username === 'string' &&
          typeof (sent as Record<string, unknown>).message === 'string';
        const result = parseFrame(frame);
        expectWellFormedResult(result);
        if (!shaped) expect(result).to.include({ kind: 'error', code: 'INVALID_FORMAT' });
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
          expect(result).to.deep.equal({ kind: 'post', username: name, text: message });
        }
      }),
      RUNS,
    );
  });

  it('carries exactly what a command says: the token as written, the count as a number, the username as sent', () => {
    fc.assert(
      fc.property(username, commandLike, (name, message) => {
        const result = parseFrame(JSON.stringify({ username: name, message }));
        const argument = message.trim().replace(/^(auth|history)/i, '').trim();
        if (result.kind === 'auth') {
          expect(result).to.deep.equal({ kind: 'auth', username: name, token: argument });
        } else if (result.kind === 'history') {
          expect(argument).to.match(/^[0-9]+$/);
          expect(result).to.deep.equal({ kind: 'history', username: name, count: Number(argument) });
        } else {
          expect(result.kind).to.equal('error');
        }
      }),
      RUNS,
    );
  });

  it('ignores fields other than username and message', () => {
    const extra = fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 5 }).map((fields) => {
      const { username: _u, message: _m, ...rest } = fields;
      return rest;
    });
    fc.assert(
      fc.property(username, messageText, extra, (name, message, fields) => {
        const plain = parseFrame(JSON.stringify({ username: name, message }));
        const padded = parseFrame(JSON.stringify({ ...fields, username: name, message }));
        expect(padded).to.deep.equal(plain);
      }),
      RUNS,
    );
  });
});
