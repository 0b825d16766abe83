import { expect } from 'chai';
import fc from 'fast-check';
import {
  catchUpFrame,
  duplicateFrame,
  historyFrame,
  joinedFrame,
  leftFrame,
  messageFrame,
  presenceEventFrame,
  presenceFrame,
  revokedFrame,
} from '../../src/adapters/ws/frames.js';
import type { Message } from '../../src/domain/message.js';

describe('frames', () => {
  const message = (id: number, text: string, extra: Partial<Message> = {}): Message => ({
    id,
    room: 'general',
    username: 'alice',
    text,
    createdAt: new Date(Date.UTC(2026, 10, 28, 12, 0, id)),
    ...extra,
  });

  describe('message', () => {
    it('writes a message frame with the documented fields, in JSON that survives quotes and control characters', () => {
      const text = 'say "hi"\n\u2028 \\ </script> 🎉';
      expect(JSON.parse(messageFrame(message(7, text)))).to.deep.equal({
        type: 'message',
        room: 'general',
        id: 7,
        username: 'alice',
        message: text,
        createdAt: '2026-11-28T12:00:07.000Z',
      });
    });

    it("carries the message's room, escaped like any string", () => {
      expect(JSON.parse(messageFrame(message(1, 'hi', { room: 'dev' })))).to.include({ type: 'message', room: 'dev' });
      expect(JSON.parse(messageFrame(message(1, 'hi', { room: 'a"b\\c' })))).to.include({ room: 'a"b\\c' });
    });

    it('carries the client id only when the message has one', () => {
      expect(JSON.parse(messageFrame(message(1, 'hi')))).not.to.have.property('clientId');
      expect(JSON.parse(messageFrame(message(1, 'hi', { clientId: '5f0c8a9e-1b7d' })))).to.include({ clientId: '5f0c8a9e-1b7d' });
    });

    it('has no duplicate flag on a live message', () => {
      expect(JSON.parse(messageFrame(message(1, 'hi', { clientId: 'c-1' })))).not.to.have.property('duplicate');
    });
  });

  describe('duplicate', () => {
    it('writes the stored original as a message frame marked as a repeat', () => {
      const original = message(1044, 'hello', { room: 'dev', clientId: 'c-1' });
      expect(JSON.parse(duplicateFrame(original))).to.deep.equal({
        type: 'message',
        room: 'dev',
        id: 1044,
        username: 'alice',
        message: 'hello',
        createdAt: '2026-11-28T12:17:24.000Z',
        clientId: 'c-1',
        duplicate: true,
      });
    });
  });

  describe('history and catch-up pages', () => {
    it('writes history oldest first, each entry without a type or room, and an empty list as []', () => {
      const frame = JSON.parse(historyFrame('general', [message(1, 'a'), message(2, 'b')], false));
      expect(frame).to.deep.equal({
        type: 'history',
        room: 'general',
        messages: [
          { id: 1, username: 'alice', message: 'a', createdAt: '2026-11-28T12:00:01.000Z' },
          { id: 2, username: 'alice', message: 'b', createdAt: '2026-11-28T12:00:02.000Z' },
        ],
        more: false,
      });
      expect(JSON.parse(historyFrame('general', [], false))).to.deep.equal({ type: 'history', room: 'general', messages: [], more: false });
    });

    it('answers the original "history <N>" exactly as the original protocol did: no room, no more', () => {
      const frame = JSON.parse(historyFrame(undefined, [message(1, 'a'), message(2, 'b', { room: 'general' })], true));
      expect(frame).to.deep.equal({
        type: 'history',
        messages: [
          { id: 1, username: 'alice', message: 'a', createdAt: '2026-11-28T12:00:01.000Z' },
          { id: 2, username: 'alice', message: 'b', createdAt: '2026-11-28T12:00:02.000Z' },
        ],
      });
      expect(Object.keys(frame)).to.deep.equal(['type', 'messages']);
      expect(JSON.parse(historyFrame(undefined, [], false))).to.deep.equal({ type: 'history', messages: [] });
    });

    it('keeps exactly the keys id, username, message, createdAt in an entry without a client id', () => {
      const [entry] = JSON.parse(historyFrame('dev', [message(1, 'a', { room: 'dev' })], true)).messages;
      expect(Object.keys(entry)).to.deep.equal(['id', 'username', 'message', 'createdAt']);
    });

    it('adds the client id to an entry that has one', () => {
      const [entry] = JSON.parse(historyFrame('dev', [message(1, 'a', { room: 'dev', clientId: 'c-9' })], false)).messages;
      expect(Object.keys(entry)).to.deep.equal(['id', 'username', 'message', 'createdAt', 'clientId']);
      expect(entry.clientId).to.equal('c-9');
    });

    it('says whether more follow', () => {
      expect(JSON.parse(historyFrame('dev', [message(5, 'e')], true))).to.include({ type: 'history', room: 'dev', more: true });
      expect(JSON.parse(historyFrame('dev', [message(5, 'e')], false))).to.include({ more: false });
    });

    it('repeats the cursor a page was asked with, so that two answers in flight can be told apart; the original answer has none', () => {
      expect(JSON.parse(historyFrame('dev', [message(5, 'e')], true, { before: 6 }))).to.deep.include({ room: 'dev', before: 6, more: true });
      expect(JSON.parse(historyFrame('dev', [], false, { after: 0 }))).to.deep.equal({ type: 'history', room: 'dev', after: 0, messages: [], more: false });
      expect(JSON.parse(historyFrame('dev', [], false, {}))).to.not.have.any.keys('before', 'after');
      expect(JSON.parse(historyFrame(undefined, [], false, { before: 6 }))).to.deep.equal({ type: 'history', messages: [] });
    });

    it('writes a catch-up page like a history page, under its own type', () => {
      const messages = [message(41, 'x', { clientId: 'k' }), message(42, 'y')];
      const catchUp = JSON.parse(catchUpFrame('general', messages, true));
      const history = JSON.parse(historyFrame('general', messages, true));
      expect(catchUp).to.deep.equal({ ...history, type: 'catchup' });
      expect(JSON.parse(catchUpFrame('general', [], false))).to.deep.equal({ type: 'catchup', room: 'general', messages: [], more: false });
    });
  });

  describe('rooms and presence', () => {
    it('writes joined and left', () => {
      expect(JSON.parse(joinedFrame('dev'))).to.deep.equal({ type: 'joined', room: 'dev' });
      expect(JSON.parse(leftFrame('dev'))).to.deep.equal({ type: 'left', room: 'dev' });
    });

    it('writes a presence list as given', () => {
      expect(JSON.parse(presenceFrame('dev', ['alice', 'bob']))).to.deep.equal({ type: 'presence', room: 'dev', users: ['alice', 'bob'] });
      expect(JSON.parse(presenceFrame('dev', []))).to.deep.equal({ type: 'presence', room: 'dev', users: [] });
    });

    it('writes presence events', () => {
      expect(JSON.parse(presenceEventFrame('dev', 'join', 'carol'))).to.deep.equal({
        type: 'presence',
        room: 'dev',
        event: 'join',
        username: 'carol',
      });
      expect(JSON.parse(presenceEventFrame('dev', 'leave', 'carol'))).to.deep.equal({
        type: 'presence',
        room: 'dev',
        event: 'leave',
        username: 'carol',
      });
    });
  });

  describe('session revoked', () => {
    it('writes an info frame SESSION_REVOKED with a message for people and the reason for programs, for every reason', () => {
      const reasons = ['revoked', 'logged_out_everywhere', 'password_changed', 'account_deleted', 'suspended', 'refresh_reused'] as const;
      for (const reason of reasons) {
        const frame = JSON.parse(revokedFrame(reason));
        expect(Object.keys(frame)).to.deep.equal(['type', 'code', 'message', 'reason']);
        expect(frame).to.deep.include({ type: 'info', code: 'SESSION_REVOKED', reason });
        expect(frame.message).to.match(/; this connection is no longer authorized$/);
      }
      expect(revokedFrame('password_changed')).to.equal(
        '{"type":"info","code":"SESSION_REVOKED","message":"the password was changed; this connection is no longer authorized","reason":"password_changed"}',
      );
    });
  });

  it('gives the same bytes for the same message every time it is sent', () => {
    const once = message(3, 'again', { clientId: 'c-3' });
    expect(messageFrame(once)).to.equal(messageFrame(once));
    expect(duplicateFrame(once)).to.equal(duplicateFrame(once));
    expect(historyFrame('general', [once], false)).to.equal(historyFrame('general', [once], false));
    expect(historyFrame(undefined, [once], false)).to.equal(historyFrame(undefined, [once], false));
  });

  it('writes the bytes JSON.stringify writes for the same fields, for any message', () => {
    const anyMessage = fc.record(
      {
        id: fc.nat(),
        room: fc.string({ unit: 'binary' }),
        username: fc.string({ unit: 'binary' }),
        text: fc.string({ unit: 'binary' }),
        createdAt: fc.date({ noInvalidDate: true, min: new Date(0), max: new Date(Date.UTC(9999, 0)) }),
        clientId: fc.string({ unit: 'binary' }),
      },
      { requiredKeys: ['id', 'room', 'username', 'text', 'createdAt'] },
    );
    fc.assert(
      fc.property(anyMessage, (m: Message) => {
        const fields = { id: m.id, username: m.username, message: m.text, createdAt: m.createdAt.toISOString(), clientId: m.clientId };
        expect(messageFrame(m)).to.equal(JSON.stringify({ type: 'message', room: m.room, ...fields }));
        expect(duplicateFrame(m)).to.equal(JSON.stringify({ type: 'message', room: m.room, ...fields, duplicate: true }));
        expect(historyFrame(undefined, [m, m], false)).to.equal(JSON.stringify({ type: 'history', messages: [fields, fields] }));
      }),
    );
  });
});
