import { expect } from 'chai';
import { parseFrame, type ProtocolErrorCode } from '../../src/adapters/ws/protocol.js';

const frame = (message: string, username = 'alice') => JSON.stringify({ username, message });

function expectError(raw: string, code: ProtocolErrorCode): void {
  const result = parseFrame(raw);
  expect(result.kind).to.equal('error');
  expect(result).to.include({ code });
}

describe('parseFrame', () => {
  describe('frame shape', () => {
    for (const raw of ['', 'hello', '{username: "alice"}', '{"username":"alice","message":"hi"', "{'username':'a'}"]) {
      it(`refuses non-JSON ${JSON.stringify(raw)} as INVALID_JSON`, () => expectError(raw, 'INVALID_JSON'));
    }

    for (const raw of ['[]', 'null', '42', '"str"', 'true', '["alice","hi"]']) {
      it(`refuses JSON that is not an object, ${raw}, as INVALID_FORMAT`, () => expectError(raw, 'INVALID_FORMAT'));
    }

    for (const [why, value] of [
      ['an empty object', {}],
      ['a missing username', { message: 'hi' }],
      ['a missing message', { username: 'alice' }],
      ['a numeric username', { username: 42, message: 'hi' }],
      ['a null message', { username: 'alice', message: null }],
      ['a numeric message', { username: 'alice', message: 5 }],
      ['a nested object as message', { username: 'alice', message: { text: 'hi' } }],
      ['a nested object as username', { username: { name: 'alice' }, message: 'hi' }],
      ['an array as message', { username: 'alice', message: ['hi'] }],
      ['the fields nested one level down', { data: { username: 'alice', message: 'hi' } }],
    ] as const) {
      it(`refuses ${why} as INVALID_FORMAT`, () => expectError(JSON.stringify(value), 'INVALID_FORMAT'));
    }

    it('refuses fields hidden under "__proto__" as INVALID_FORMAT', () => {
      expectError('{"__proto__": {"username":"x","message":"y"}}', 'INVALID_FORMAT');
    });

    it('ignores extra fields', () => {
      expect(parseFrame(JSON.stringify({ username: 'alice', message: 'hi', extra: 1 }))).to.deep.equal({
        kind: 'post',
        username: 'alice',
        text: 'hi',
      });
    });
  });

  describe('auth', () => {
    it('reads "auth <token>" as an auth command', () => {
      expect(parseFrame(frame('auth abc.def.ghi'))).to.deep.equal({ kind: 'auth', username: 'alice', token: 'abc.def.ghi' });
    });

    it('allows leading and trailing spaces', () => {
      expect(parseFrame(frame('   auth   abc.def  '))).to.deep.equal({ kind: 'auth', username: 'alice', token: 'abc.def' });
    });

    it('reads the command word in any case', () => {
      expect(parseFrame(frame('AuTh abc'))).to.deep.equal({ kind: 'auth', username: 'alice', token: 'abc' });
    });

    it('passes the frame\'s username through unchanged', () => {
      expect(parseFrame(frame('auth abc', 'Alice'))).to.include({ kind: 'auth', username: 'Alice' });
    });

    for (const message of ['auth', 'auth   ', 'auth a b', 'authority', 'auth:abc', 'authabc']) {
      it(`refuses ${JSON.stringify(message)} as INVALID_COMMAND`, () => expectError(frame(message), 'INVALID_COMMAND'));
    }
  });

  describe('history', () => {
    it('reads "history 5" as a history command for 5', () => {
      expect(parseFrame(frame('history 5'))).to.deep.equal({ kind: 'history', username: 'alice', count: 5 });
    });

    it('allows leading spaces and any case', () => {
      expect(parseFrame(frame('  HISTORY 12'))).to.deep.equal({ kind: 'history', username: 'alice', count: 12 });
    });

    it('passes a huge count through, to be clamped by the use case', () => {
      const result = parseFrame(frame('history 99999999999999999999'));
      expect(result).to.include({ kind: 'history' });
      expect((result as { count: number }).count).to.be.greaterThan(1_000_000);
    });

    for (const message of ['history 0', 'history -1', 'history abc', 'history 1e9', 'history 10; DROP TABLE', 'history 1.5', 'history', 'history 0x10', 'history 5 6']) {
      it(`refuses ${JSON.stringify(message)} as INVALID_HISTORY_COUNT`, () => expectError(frame(message), 'INVALID_HISTORY_COUNT'));
    }

    for (const message of ['historyx', 'history5', 'historys 5']) {
      it(`refuses ${JSON.stringify(message)} as INVALID_COMMAND`, () => expectError(frame(message), 'INVALID_COMMAND'));
    }
  });

  describe('post', () => {
    for (const text of ['hello', '  indented text', 'tell me about auth', 'my history', '', '   ', '😀', '{"nested":"json"}']) {
      it(`reads ${JSON.stringify(text)} as a post with the text unchanged`, () => {
        expect(parseFrame(frame(text))).to.deep.equal({ kind: 'post', username: 'alice', text });
      });
    }
  });
});
