import { expect } from 'chai';
import { historyFrame, messageFrame } from '../../src/adapters/ws/frames.js';
import type { Message } from '../../src/domain/message.js';

describe('frames', () => {
  const message = (id: number, text: string): Message => ({
    id,
    username: 'alice',
    text,
    createdAt: new Date(Date.UTC(2026, 10, 28, 12, 0, id)),
  });

  it('writes a message frame with the documented fields, in JSON that survives quotes and control characters', () => {
    const text = 'say "hi"\n\u2028 \\ </script> 🎉';
    expect(JSON.parse(messageFrame(message(7, text)))).to.deep.equal({
      type: 'message',
      id: 7,
      username: 'alice',
      message: text,
      createdAt: '2026-11-28T12:00:07.000Z',
    });
  });

  it('writes history oldest first, each entry without a type, and an empty list as []', () => {
    const frame = JSON.parse(historyFrame([message(1, 'a'), message(2, 'b')]));
    expect(frame).to.deep.equal({
      type: 'history',
      messages: [
        { id: 1, username: 'alice', message: 'a', createdAt: '2026-11-28T12:00:01.000Z' },
        { id: 2, username: 'alice', message: 'b', createdAt: '2026-11-28T12:00:02.000Z' },
      ],
    });
    expect(JSON.parse(historyFrame([]))).to.deep.equal({ type: 'history', messages: [] });
  });

  it('gives the same bytes for the same message every time it is sent', () => {
    const once = message(3, 'again');
    expect(messageFrame(once)).to.equal(messageFrame(once));
    expect(historyFrame([once])).to.equal(historyFrame([once]));
  });
});
