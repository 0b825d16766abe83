import { expect } from 'chai';
import { PostMessage } from '../../src/application/post-message.js';
import type { Identity } from '../../src/domain/user.js';
import { ClockedRateLimiter } from '../fakes/clocked-rate-limiter.js';
import { FakeTokenService } from '../fakes/fake-token-service.js';
import { FixedClock } from '../fakes/fixed-clock.js';
import { InMemoryMessageRepository } from '../fakes/in-memory-message-repository.js';
import { RecordingFanout } from '../fakes/recording-fanout.js';
import { expectRejectsCode } from '../support/expect-domain-error.js';

const MAX_CHARACTERS = 4000;

function setup({ burst = Number.POSITIVE_INFINITY, perSecond = 0 } = {}) {
  const messages = new InMemoryMessageRepository();
  const fanout = new RecordingFanout();
  const clock = new FixedClock();
  const budget = new ClockedRateLimiter(clock, burst, perSecond);
  const limits = { historyMax: 100, messageMaxCharacters: MAX_CHARACTERS, roomsPerConnection: 50 };
  const postMessage = new PostMessage(messages, fanout, clock, limits, budget, new FakeTokenService(clock));
  const identity: Identity = { username: 'Alice', expiresAt: new Date(clock.now().getTime() + 60_000), sessionId: 's1' };
  return { postMessage, messages, fanout, clock, identity, budget };
}

describe('PostMessage', () => {
  describe('success', () => {
    it("stores the message under the identity's username at the clock's time, in its room", async () => {
      const { postMessage, messages, clock, identity } = setup();
      await postMessage.execute({ identity, username: 'Alice', text: 'hello', room: 'general' });
      expect(messages.all()).to.deep.equal([{ id: 1, room: 'general', username: 'Alice', text: 'hello', createdAt: clock.now() }]);
    });

    it('returns the stored message, not as a duplicate', async () => {
      const { postMessage, messages, identity } = setup();
      const appended = await postMessage.execute({ identity, username: 'Alice', text: 'hello', room: 'general' });
      expect(appended).to.deep.equal({ message: messages.all()[0], duplicate: false });
    });

    it('stores the username as the identity spells it when the frame uses other case', async () => {
      const { postMessage, messages, identity } = setup();
      const { message } = await postMessage.execute({ identity, username: 'aLICE', text: 'hello', room: 'general' });
      expect(message.username).to.equal('Alice');
      expect(messages.all()[0]?.username).to.equal('Alice');
    });

    it('stores the text unchanged, surrounding whitespace and all', async () => {
      const { postMessage, messages, identity } = setup();
      const text = '  <b>hi</b> 😀\n\ttabbed  ';
      await postMessage.execute({ identity, username: 'Alice', text, room: 'general' });
      expect(messages.all()[0]?.text).to.equal(text);
    });

    it('publishes exactly once, after the message is stored', async () => {
      const { postMessage, messages, fanout, identity } = setup();
      const storedAtPublish: number[] = [];
      fanout.subscribe(() => storedAtPublish.push(messages.all().length));
      const { message } = await postMessage.execute({ identity, username: 'Alice', text: 'hello', room: 'general' });
      expect(fanout.published).to.deep.equal([message]);
      expect(storedAtPublish).to.deep.equal([1]);
    });

    it('accepts a token that expires one millisecond from now', async () => {
      const { postMessage, messages, clock } = setup();
      const identity = { username: 'Alice', expiresAt: new Date(clock.now().getTime() + 1), sessionId: 's1' };
      await postMessage.execute({ identity, username: 'Alice', text: 'hello', room: 'general' });
      expect(messages.all()).to.have.length(1);
    });
  });

  describe('rooms', () => {
    it('stores and publishes the message in the room it was sent to', async () => {
      const { postMessage, messages, fanout, identity } = setup();
      await postMessage.execute({ identity, username: 'Alice', text: 'deploy done', room: 'dev-ops' });
      await postMessage.execute({ identity, username: 'Alice', text: 'lunch?', room: 'team_7' });
      expect(messages.all().map(({ room, text }) => ({ room, text }))).to.deep.equal([
        { room: 'dev-ops', text: 'deploy done' },
        { room: 'team_7', text: 'lunch?' },
      ]);
      expect(fanout.published.map(({ room }) => room)).to.deep.equal(['dev-ops', 'team_7']);
    });

    it('accepts a name of 32 characters, the longest allowed', async () => {
      const { postMessage, messages, identity } = setup();
      const room = `r${'0'.repeat(31)}`;
      await postMessage.execute({ identity, username: 'Alice', text: 'hi', room });
      expect(messages.all()[0]?.room).to.equal(room);
    });
  });

  describe('client ids', () => {
    it('stores the client id and returns it with the message', async () => {
      const { postMessage, messages, identity } = setup();
      const clientId = '5f0c8a9e-1b7d-4c1e-9a55-0d3f5e0b1c2a';
      const { message } = await postMessage.execute({ identity, username: 'Alice', text: 'hello', room: 'general', clientId });
      expect(message.clientId).to.equal(clientId);
      expect(messages.all()[0]?.clientId).to.equal(clientId);
    });

    it('stores no client id key when none is given', async () => {
      const { postMessage, messages, identity } = setup();
      await postMessage.execute({ identity, username: 'Alice', text: 'hello', room: 'general', clientId: undefined });
      expect(messages.all()[0]).not.to.have.property('clientId');
    });

    it('answers a repeat with the original, marked as a duplicate, storing and publishing nothing new', async () => {
      const { postMessage, messages, fanout, clock, identity } = setup();
      const first = await postMessage.execute({ identity, username: 'Alice', text: 'hello', room: 'general', clientId: 'c-1' });
      clock.advance(5_000);
      const repeat = await postMessage.execute({ identity, username: 'Alice', text: 'hello', room: 'general', clientId: 'c-1' });
      expect(repeat).to.deep.equal({ message: first.message, duplicate: true });
      expect(messages.all()).to.have.length(1);
      expect(fanout.published).to.deep.equal([first.message]);
    });

    it('answers a repeat with the original even when its text or room differ', async () => {
      const { postMessage, messages, fanout, identity } = setup();
      const first = await postMessage.execute({ identity, username: 'Alice', text: 'hello', room: 'general', clientId: 'c-1' });
      const repeat = await postMessage.execute({ identity, username: 'Alice', text: 'other', room: 'dev', clientId: 'c-1' });
      expect(repeat).to.deep.equal({ message: first.message, duplicate: true });
      expect(messages.all()).to.have.length(1);
      expect(fanout.published).to.have.length(1);
    });

    it('stores the same client id once per user', async () => {
      const { postMessage, messages, fanout, clock } = setup();
      const expiresAt = new Date(clock.now().getTime() + 60_000);
      const alice = await postMessage.execute({
        identity: { username: 'Alice', expiresAt, sessionId: 's1' },
        username: 'Alice',
        text: 'a',
        room: 'general',
        clientId: 'same',
      });
      const bob = await postMessage.execute({
        identity: { username: 'bob', expiresAt, sessionId: 's1' },
        username: 'bob',
        text: 'b',
        room: 'general',
        clientId: 'same',
      });
      expect([alice.duplicate, bob.duplicate]).to.deep.equal([false, false]);
      expect(messages.all().map(({ username }) => username)).to.deep.equal(['Alice', 'bob']);
      expect(fanout.published).to.have.length(2);
    });

    it('stores messages without a client id every time, however alike', async () => {
      const { postMessage, messages, identity } = setup();
      await postMessage.execute({ identity, username: 'Alice', text: 'hello', room: 'general' });
      await postMessage.execute({ identity, username: 'Alice', text: 'hello', room: 'general' });
      expect(messages.all()).to.have.length(2);
    });

    for (const clientId of ['a', 'x'.repeat(64), 'A-z_0.9:1']) {
      it(`accepts the client id ${JSON.stringify(clientId.length > 10 ? `${clientId.length} characters` : clientId)}`, async () => {
        const { postMessage, messages, identity } = setup();
        await postMessage.execute({ identity, username: 'Alice', text: 'hello', room: 'general', clientId });
        expect(messages.all()[0]?.clientId).to.equal(clientId);
      });
    }
  });

  describe('refusals, which store and publish nothing', () => {
    const refusals: Array<{
      should: string;
      code: Parameters<typeof expectRejectsCode>[1];
      input: (fixture: ReturnType<typeof setup>) => Parameters<PostMessage['execute']>[0];
    }> = [
      {
        should: 'rejects a message from an unauthenticated connection as NOT_AUTHENTICATED',
        code: 'NOT_AUTHENTICATED',
        input: () => ({ identity: undefined, username: 'Alice', text: 'hello', room: 'general' }),
      },
      {
        should: 'rejects a message once the identity has expired as TOKEN_EXPIRED',
        code: 'TOKEN_EXPIRED',
        input: ({ clock }) => ({
          identity: { username: 'Alice', expiresAt: new Date(clock.now().getTime() - 1), sessionId: 's1' },
          username: 'Alice',
          text: 'hello',
          room: 'general',
        }),
      },
      {
        should: 'rejects a message at the very instant of expiry as TOKEN_EXPIRED',
        code: 'TOKEN_EXPIRED',
        input: ({ clock }) => ({ identity: { username: 'Alice', expiresAt: clock.now(), sessionId: 's1' }, username: 'Alice', text: 'hello', room: 'general' }),
      },
      {
        should: 'rejects a frame claiming another username as USERNAME_MISMATCH',
        code: 'USERNAME_MISMATCH',
        input: ({ identity }) => ({ identity, username: 'bob', text: 'hello', room: 'general' }),
      },
      {
        should: 'rejects an empty message as EMPTY_MESSAGE',
        code: 'EMPTY_MESSAGE',
        input: ({ identity }) => ({ identity, username: 'Alice', text: '', room: 'general' }),
      },
      {
        should: 'rejects a whitespace-only message as EMPTY_MESSAGE',
        code: 'EMPTY_MESSAGE',
        input: ({ identity }) => ({ identity, username: 'Alice', text: ' \t\n\r\u00a0\u3000 ', room: 'general' }),
      },
      {
        should: `rejects ${MAX_CHARACTERS + 1} characters as MESSAGE_TOO_LONG`,
        code: 'MESSAGE_TOO_LONG',
        input: ({ identity }) => ({ identity, username: 'Alice', text: 'x'.repeat(MAX_CHARACTERS + 1), room: 'general' }),
      },
      {
        should: `rejects ${MAX_CHARACTERS + 1} emoji as MESSAGE_TOO_LONG`,
        code: 'MESSAGE_TOO_LONG',
        input: ({ identity }) => ({ identity, username: 'Alice', text: '😀'.repeat(MAX_CHARACTERS + 1), room: 'general' }),
      },
      {
        should: 'rejects U+0000 as INVALID_FORMAT',
        code: 'INVALID_FORMAT',
        input: ({ identity }) => ({ identity, username: 'Alice', text: 'hel\u0000lo', room: 'general' }),
      },
      {
        should: 'rejects a lone high surrogate as INVALID_FORMAT',
        code: 'INVALID_FORMAT',
        input: ({ identity }) => ({ identity, username: 'Alice', text: 'hello \uD83D', room: 'general' }),
      },
      {
        should: 'rejects a lone low surrogate as INVALID_FORMAT',
        code: 'INVALID_FORMAT',
        input: ({ identity }) => ({ identity, username: 'Alice', text: '\uDE00 hello', room: 'general' }),
      },
      ...['', 'Dev', 'dev ops', '-dev', '_dev', 'x'.repeat(33), 'dév', 'dev/ops', 'dev\u0000', 'dev\n'].map((room) => ({
        should: `rejects the room ${JSON.stringify(room)} as INVALID_ROOM`,
        code: 'INVALID_ROOM' as const,
        input: ({ identity }: ReturnType<typeof setup>) => ({ identity, username: 'Alice', text: 'hello', room }),
      })),
      ...['', 'x'.repeat(65), 'has space', 'é', 'a/b', 'a\nb', 'c-1\n', '😀'].map((clientId) => ({
        should: `rejects the client id ${JSON.stringify(clientId.length > 10 ? `${clientId.length} characters` : clientId)} as INVALID_CLIENT_ID`,
        code: 'INVALID_CLIENT_ID' as const,
        input: ({ identity }: ReturnType<typeof setup>) => ({ identity, username: 'Alice', text: 'hello', room: 'general', clientId }),
      })),
    ];

    for (const { should, code, input } of refusals) {
      it(should, async () => {
        const fixture = setup();
        await expectRejectsCode(fixture.postMessage.execute(input(fixture)), code);
        expect(fixture.messages.all()).to.deep.equal([]);
        expect(fixture.fanout.published).to.deep.equal([]);
      });
    }
  });

  describe('length counts characters, not UTF-16 units', () => {
    it(`accepts exactly ${MAX_CHARACTERS} characters`, async () => {
      const { postMessage, identity } = setup();
      const text = 'x'.repeat(MAX_CHARACTERS);
      expect((await postMessage.execute({ identity, username: 'Alice', text, room: 'general' })).message.text).to.equal(text);
    });

    it(`accepts ${MAX_CHARACTERS} emoji, which are ${MAX_CHARACTERS * 2} UTF-16 units`, async () => {
      const { postMessage, identity } = setup();
      const text = '😀'.repeat(MAX_CHARACTERS);
      expect(text.length).to.equal(MAX_CHARACTERS * 2);
      expect((await postMessage.execute({ identity, username: 'Alice', text, room: 'general' })).message.text).to.equal(text);
    });
  });

  describe('the budget of messages per user', () => {
    it('refuses past the budget as RATE_LIMITED with when to retry, storing and publishing nothing', async () => {
      const { postMessage, messages, fanout, identity } = setup({ burst: 2, perSecond: 1 });
      await postMessage.execute({ identity, username: 'Alice', text: 'one', room: 'general' });
      await postMessage.execute({ identity, username: 'Alice', text: 'two', room: 'general' });
      const refused = postMessage.execute({ identity, username: 'Alice', text: 'three', room: 'general' });
      await expectRejectsCode(refused, 'RATE_LIMITED');
      expect(await refused.catch((error: { retryAfterSeconds?: number }) => error.retryAfterSeconds)).to.equal(1);
      expect(messages.all().map(({ text }) => text)).to.deep.equal(['one', 'two']);
      expect(fanout.published).to.have.length(2);
    });

    it("is the user's, whatever the case of the name, so a new connection does not start a new budget", async () => {
      const { postMessage, identity, budget } = setup({ burst: 1, perSecond: 1 });
      await postMessage.execute({ identity, username: 'Alice', text: 'one', room: 'general' });
      const again = { username: 'ALICE', expiresAt: identity.expiresAt, sessionId: 's1' };
      await expectRejectsCode(postMessage.execute({ identity: again, username: 'alice', text: 'two', room: 'general' }), 'RATE_LIMITED');
      expect(budget.taken.map(({ key }) => key)).to.deep.equal(['alice', 'alice']);
    });

    it('refills with time', async () => {
      const { postMessage, identity, clock } = setup({ burst: 1, perSecond: 1 });
      await postMessage.execute({ identity, username: 'Alice', text: 'one', room: 'general' });
      clock.advance(1000);
      await postMessage.execute({ identity, username: 'Alice', text: 'two', room: 'general' });
    });

    it('is not spent by a message refused for its content or its sender', async () => {
      const { postMessage, identity, budget } = setup({ burst: 1, perSecond: 1 });
      await expectRejectsCode(postMessage.execute({ identity, username: 'Alice', text: ' ', room: 'general' }), 'EMPTY_MESSAGE');
      await expectRejectsCode(postMessage.execute({ identity: undefined, username: 'Alice', text: 'hi', room: 'general' }), 'NOT_AUTHENTICATED');
      expect(budget.taken).to.deep.equal([]);
      await postMessage.execute({ identity, username: 'Alice', text: 'hi', room: 'general' });
    });
  });
});
