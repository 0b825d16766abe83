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
        room: 'general',
        clientId: undefined,
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

    it("passes the frame's username through unchanged", () => {
      expect(parseFrame(frame('auth abc', 'Alice'))).to.include({ kind: 'auth', username: 'Alice' });
    });

    for (const message of ['auth', 'auth   ', 'auth a b', 'authority', 'auth:abc', 'authabc']) {
      it(`refuses ${JSON.stringify(message)} as INVALID_COMMAND`, () => expectError(frame(message), 'INVALID_COMMAND'));
    }
  });

  describe('history', () => {
    it('reads "history 5" as a history command for the latest 5 of general, to be answered as the original protocol did', () => {
      expect(parseFrame(frame('history 5'))).to.deep.equal({ kind: 'history', room: 'general', limit: 5, original: true });
    });

    it('allows leading spaces and any case', () => {
      expect(parseFrame(frame('  HISTORY 12'))).to.deep.equal({ kind: 'history', room: 'general', limit: 12, original: true });
    });

    it('passes a huge count through, to be clamped by the use case', () => {
      const result = parseFrame(frame('history 99999999999999999999'));
      expect(result).to.include({ kind: 'history' });
      expect((result as { limit: number }).limit).to.be.greaterThan(1_000_000);
    });

    it('reads the room of a "history <N>" frame, which is answered in the extended form', () => {
      expect(parseFrame(JSON.stringify({ username: 'alice', message: 'history 20', room: 'dev' }))).to.deep.equal({
        kind: 'history',
        room: 'dev',
        limit: 20,
      });
    });

    it('refuses a "history <N>" frame whose room is not a string as INVALID_ROOM', () => {
      expectError(JSON.stringify({ username: 'alice', message: 'history 20', room: 7 }), 'INVALID_ROOM');
    });

    for (const message of [
      'history 0',
      'history -1',
      'history abc',
      'history 1e9',
      'history 10; DROP TABLE',
      'history 1.5',
      'history',
      'history 0x10',
      'history 5 6',
    ]) {
      it(`refuses ${JSON.stringify(message)} as INVALID_HISTORY_COUNT`, () => expectError(frame(message), 'INVALID_HISTORY_COUNT'));
    }

    for (const message of ['historyx', 'history5', 'historys 5']) {
      it(`refuses ${JSON.stringify(message)} as INVALID_COMMAND`, () => expectError(frame(message), 'INVALID_COMMAND'));
    }
  });

  describe('post', () => {
    for (const text of ['hello', '  indented text', 'tell me about auth', 'my history', '', '   ', '😀', '{"nested":"json"}']) {
      it(`reads ${JSON.stringify(text)} as a post with the text unchanged`, () => {
        expect(parseFrame(frame(text))).to.deep.equal({ kind: 'post', username: 'alice', text, room: 'general', clientId: undefined });
      });
    }

    it('reads the room and the client id', () => {
      const raw = JSON.stringify({ username: 'alice', message: 'deploy done', room: 'dev', clientId: 'c-1' });
      expect(parseFrame(raw)).to.deep.equal({ kind: 'post', username: 'alice', text: 'deploy done', room: 'dev', clientId: 'c-1' });
    });

    it('passes the room name and client id as written, for the use case to judge', () => {
      const raw = JSON.stringify({ username: 'alice', message: 'hi', room: 'Not A Room!', clientId: 'has spaces' });
      expect(parseFrame(raw)).to.include({ kind: 'post', room: 'Not A Room!', clientId: 'has spaces' });
    });

    for (const room of [null, 5, true, ['dev'], { name: 'dev' }]) {
      it(`refuses a room of ${JSON.stringify(room)} as INVALID_ROOM`, () => {
        expectError(JSON.stringify({ username: 'alice', message: 'hi', room }), 'INVALID_ROOM');
      });
    }

    for (const clientId of [null, 5, false, ['c-1'], { id: 'c-1' }]) {
      it(`refuses a clientId of ${JSON.stringify(clientId)} as INVALID_CLIENT_ID`, () => {
        expectError(JSON.stringify({ username: 'alice', message: 'hi', clientId }), 'INVALID_CLIENT_ID');
      });
    }

    it('still needs the username and message when a room is given', () => {
      expectError(JSON.stringify({ message: 'hi', room: 'dev' }), 'INVALID_FORMAT');
      expectError(JSON.stringify({ username: 'alice', room: 'dev' }), 'INVALID_FORMAT');
    });
  });

  describe('typed frames', () => {
    const typed = (fields: Record<string, unknown>) => parseFrame(JSON.stringify(fields));

    for (const type of ['auth', 'post', 'JOIN', 'joined', 'Message', '', null, 1, true, ['join'], { join: 'dev' }]) {
      it(`refuses the unknown type ${JSON.stringify(type)} as INVALID_COMMAND`, () => {
        expectError(JSON.stringify({ type, room: 'dev', username: 'alice', message: 'hi' }), 'INVALID_COMMAND');
      });
    }

    describe('message', () => {
      it('is a chat message whatever its text, never a command', () => {
        for (const text of ['auth abc', 'history 5', 'Authentication is broken on staging']) {
          expect(typed({ type: 'message', room: 'dev', message: text, clientId: 'c-1' })).to.deep.equal({
            kind: 'post',
            username: '',
            text,
            room: 'dev',
            clientId: 'c-1',
            typed: true,
          });
        }
      });

      it('goes to general without a room, and refuses a text that is not a string', () => {
        expect(typed({ type: 'message', message: 'hi' })).to.include({ kind: 'post', room: 'general' });
        expect(typed({ type: 'message', message: 7 })).to.include({ kind: 'error', code: 'INVALID_FORMAT' });
      });
    });

    describe('edit and delete', () => {
      it('reads an edit and a deletion of a message, in general unless a room is named', () => {
        expect(typed({ type: 'edit', id: 4, message: 'fixed', clientId: 'c-2' })).to.deep.equal({
          kind: 'edit',
          room: 'general',
          id: 4,
          text: 'fixed',
          clientId: 'c-2',
        });
        expect(typed({ type: 'delete', room: 'dev', id: 4 })).to.deep.equal({ kind: 'delete', room: 'dev', id: 4, clientId: undefined });
      });

      it("refuses one without the message's id, or an edit without a text", () => {
        expect(typed({ type: 'delete', room: 'dev' })).to.deep.include({ code: 'INVALID_HISTORY_QUERY', context: { room: 'dev', clientId: undefined } });
        expect(typed({ type: 'edit', id: 4, clientId: 'c-3' })).to.deep.include({ code: 'INVALID_FORMAT', context: { room: undefined, clientId: 'c-3' } });
      });
    });

    describe('private conversations', () => {
      it('reads each frame of the section', () => {
        expect(typed({ type: 'create', title: 'Plans' })).to.deep.equal({ kind: 'create', title: 'Plans' });
        expect(typed({ type: 'invite', room: 'p-x', username: 'bob' })).to.deep.equal({ kind: 'invite', room: 'p-x', username: 'bob' });
        expect(typed({ type: 'remove', room: 'p-x', username: 'bob' })).to.deep.equal({ kind: 'remove', room: 'p-x', username: 'bob' });
        expect(typed({ type: 'promote', room: 'p-x', username: 'bob' })).to.deep.equal({ kind: 'promote', room: 'p-x', username: 'bob' });
        expect(typed({ type: 'members', room: 'p-x' })).to.deep.equal({ kind: 'members', room: 'p-x' });
        expect(typed({ type: 'direct', username: 'bob' })).to.deep.equal({ kind: 'direct', username: 'bob' });
        expect(typed({ type: 'conversations' })).to.deep.equal({ kind: 'conversations' });
        expect(typed({ type: 'read', room: 'dev', id: 12 })).to.deep.equal({ kind: 'read', room: 'dev', id: 12 });
        expect(typed({ type: 'search', query: 'deploy', before: 40, limit: 5 })).to.deep.equal({ kind: 'search', query: 'deploy', before: 40, limit: 5 });
      });

      it('refuses what a frame lacks, naming the room where there is one', () => {
        expect(typed({ type: 'invite', username: 'bob' })).to.include({ code: 'INVALID_ROOM' });
        expect(typed({ type: 'invite', room: 'p-x' })).to.deep.include({ code: 'INVALID_FORMAT', context: { room: 'p-x', clientId: undefined } });
        expect(typed({ type: 'create' })).to.include({ code: 'INVALID_FORMAT' });
        expect(typed({ type: 'direct', username: 3 })).to.include({ code: 'INVALID_FORMAT' });
        expect(typed({ type: 'read', room: 'dev' })).to.include({ code: 'INVALID_HISTORY_QUERY' });
        expect(typed({ type: 'read', room: 'dev', id: -1 })).to.include({ code: 'INVALID_HISTORY_QUERY' });
        expect(typed({ type: 'search', query: 7 })).to.include({ code: 'INVALID_SEARCH' });
      });
    });

    describe('join', () => {
      it('reads a join without a cursor', () => {
        expect(typed({ type: 'join', room: 'dev' })).to.deep.equal({ kind: 'join', room: 'dev', after: undefined });
      });

      it('reads a join with "after", 0 included', () => {
        expect(typed({ type: 'join', room: 'dev', after: 1040 })).to.deep.equal({ kind: 'join', room: 'dev', after: 1040 });
        expect(typed({ type: 'join', room: 'general', after: 0 })).to.deep.equal({ kind: 'join', room: 'general', after: 0 });
      });

      it('ignores a username and a message, which typed frames do not need', () => {
        expect(typed({ type: 'join', room: 'dev', username: 'mallory', message: 'auth x' })).to.deep.equal({
          kind: 'join',
          room: 'dev',
          after: undefined,
        });
      });

      it('refuses a join without a room as INVALID_ROOM', () => expectError(JSON.stringify({ type: 'join' }), 'INVALID_ROOM'));

      for (const room of [null, 3, ['dev']]) {
        it(`refuses a join to the room ${JSON.stringify(room)} as INVALID_ROOM`, () => {
          expectError(JSON.stringify({ type: 'join', room }), 'INVALID_ROOM');
        });
      }

      for (const after of [-1, 1.5, '10', null, true, 2 ** 53, 1e300, [1]]) {
        it(`refuses a join after ${JSON.stringify(after)} as INVALID_HISTORY_QUERY`, () => {
          expectError(JSON.stringify({ type: 'join', room: 'dev', after }), 'INVALID_HISTORY_QUERY');
        });
      }
    });

    describe('leave', () => {
      it('reads a leave', () => {
        expect(typed({ type: 'leave', room: 'dev' })).to.deep.equal({ kind: 'leave', room: 'dev' });
      });

      it('refuses a leave without a room as INVALID_ROOM', () => expectError(JSON.stringify({ type: 'leave' }), 'INVALID_ROOM'));

      it('refuses a leave of a room that is not a string as INVALID_ROOM', () => {
        expectError(JSON.stringify({ type: 'leave', room: 1 }), 'INVALID_ROOM');
      });
    });

    describe('presence', () => {
      it('reads a presence request', () => {
        expect(typed({ type: 'presence', room: 'dev' })).to.deep.equal({ kind: 'presence', room: 'dev' });
      });

      it('asks about general when no room is given', () => {
        expect(typed({ type: 'presence' })).to.deep.equal({ kind: 'presence', room: 'general' });
      });

      it('refuses a room that is not a string as INVALID_ROOM', () => {
        expectError(JSON.stringify({ type: 'presence', room: false }), 'INVALID_ROOM');
      });
    });

    describe('history', () => {
      it('reads the latest page, as many as allowed, when neither cursor nor limit is given, in the extended form', () => {
        expect(typed({ type: 'history', room: 'dev' })).to.deep.equal({ kind: 'history', room: 'dev', limit: Infinity });
      });

      it('reads general when no room is given', () => {
        expect(typed({ type: 'history', limit: 3 })).to.deep.equal({ kind: 'history', room: 'general', limit: 3 });
      });

      it('reads "before" with a limit', () => {
        expect(typed({ type: 'history', room: 'dev', before: 1040, limit: 50 })).to.deep.equal({
          kind: 'history',
          room: 'dev',
          limit: 50,
          before: 1040,
        });
      });

      it('reads "after" with a limit', () => {
        expect(typed({ type: 'history', room: 'dev', after: 1040, limit: 50 })).to.deep.equal({
          kind: 'history',
          room: 'dev',
          limit: 50,
          after: 1040,
        });
      });

      it('reads cursors of 0 and of the largest safe integer', () => {
        expect(typed({ type: 'history', room: 'dev', after: 0 })).to.include({ after: 0 });
        expect(typed({ type: 'history', room: 'dev', before: Number.MAX_SAFE_INTEGER })).to.include({ before: Number.MAX_SAFE_INTEGER });
      });

      it('passes a limit above the cap through, to be clamped by the use case', () => {
        expect(typed({ type: 'history', room: 'dev', limit: 1000 })).to.include({ kind: 'history', limit: 1000 });
      });

      it('refuses "before" and "after" together as INVALID_HISTORY_QUERY', () => {
        expectError(JSON.stringify({ type: 'history', room: 'dev', before: 10, after: 5 }), 'INVALID_HISTORY_QUERY');
      });

      for (const name of ['before', 'after'] as const) {
        for (const value of [-1, 1.5, '10', null, false, 2 ** 53, -0.5, 1e300, [5], { id: 5 }]) {
          it(`refuses ${name} ${JSON.stringify(value)} as INVALID_HISTORY_QUERY`, () => {
            expectError(JSON.stringify({ type: 'history', room: 'dev', [name]: value }), 'INVALID_HISTORY_QUERY');
          });
        }
      }

      for (const limit of [0, -1, 1.5, '5', null, true, 2 ** 53, 1e300, [5]]) {
        it(`refuses a limit of ${JSON.stringify(limit)} as INVALID_HISTORY_QUERY`, () => {
          expectError(JSON.stringify({ type: 'history', room: 'dev', limit }), 'INVALID_HISTORY_QUERY');
        });
      }

      it('refuses a room that is not a string as INVALID_ROOM', () => {
        expectError(JSON.stringify({ type: 'history', room: { name: 'dev' } }), 'INVALID_ROOM');
      });
    });
  });
});
