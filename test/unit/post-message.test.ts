import { expect } from 'chai';
import { PostMessage } from '../../src/application/post-message.js';
import type { Identity } from '../../src/domain/user.js';
import { FixedClock } from '../fakes/fixed-clock.js';
import { InMemoryMessageRepository } from '../fakes/in-memory-message-repository.js';
import { RecordingFanout } from '../fakes/recording-fanout.js';
import { expectRejectsCode } from '../support/expect-domain-error.js';

const MAX_CHARACTERS = 4000;

function setup() {
  const messages = new InMemoryMessageRepository();
  const fanout = new RecordingFanout();
  const clock = new FixedClock();
  const postMessage = new PostMessage(messages, fanout, clock, { historyMax: 100, messageMaxCharacters: MAX_CHARACTERS });
  const identity: Identity = { username: 'Alice', expiresAt: new Date(clock.now().getTime() + 60_000) };
  return { postMessage, messages, fanout, clock, identity };
}

describe('PostMessage', () => {
  describe('success', () => {
    it('stores the message under the identity\'s username at the clock\'s time', async () => {
      const { postMessage, messages, clock, identity } = setup();
      await postMessage.execute({ identity, username: 'Alice', text: 'hello' });
      expect(messages.all()).to.deep.equal([{ id: 1, username: 'Alice', text: 'hello', createdAt: clock.now() }]);
    });

    it('returns the stored message', async () => {
      const { postMessage, messages, identity } = setup();
      const message = await postMessage.execute({ identity, username: 'Alice', text: 'hello' });
      expect(message).to.deep.equal(messages.all()[0]);
    });

    it('stores the username as the identity spells it when the frame uses other case', async () => {
      const { postMessage, messages, identity } = setup();
      const message = await postMessage.execute({ identity, username: 'aLICE', text: 'hello' });
      expect(message.username).to.equal('Alice');
      expect(messages.all()[0]?.username).to.equal('Alice');
    });

    it('stores the text unchanged, surrounding whitespace and all', async () => {
      const { postMessage, messages, identity } = setup();
      const text = '  <b>hi</b> 😀\n\ttabbed  ';
      await postMessage.execute({ identity, username: 'Alice', text });
      expect(messages.all()[0]?.text).to.equal(text);
    });

    it('publishes exactly once, after the message is stored', async () => {
      const { postMessage, messages, fanout, identity } = setup();
      const storedAtPublish: number[] = [];
      fanout.subscribe(() => storedAtPublish.push(messages.all().length));
      const message = await postMessage.execute({ identity, username: 'Alice', text: 'hello' });
      expect(fanout.published).to.deep.equal([message]);
      expect(storedAtPublish).to.deep.equal([1]);
    });

    it('accepts a token that expires one millisecond from now', async () => {
      const { postMessage, messages, clock } = setup();
      const identity = { username: 'Alice', expiresAt: new Date(clock.now().getTime() + 1) };
      await postMessage.execute({ identity, username: 'Alice', text: 'hello' });
      expect(messages.all()).to.have.length(1);
    });
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
        input: () => ({ identity: undefined, username: 'Alice', text: 'hello' }),
      },
      {
        should: 'rejects a message once the identity has expired as TOKEN_EXPIRED',
        code: 'TOKEN_EXPIRED',
        input: ({ clock }) => ({
          identity: { username: 'Alice', expiresAt: new Date(clock.now().getTime() - 1) },
          username: 'Alice',
          text: 'hello',
        }),
      },
      {
        should: 'rejects a message at the very instant of expiry as TOKEN_EXPIRED',
        code: 'TOKEN_EXPIRED',
        input: ({ clock }) => ({ identity: { username: 'Alice', expiresAt: clock.now() }, username: 'Alice', text: 'hello' }),
      },
      {
        should: 'rejects a frame claiming another username as USERNAME_MISMATCH',
        code: 'USERNAME_MISMATCH',
        input: ({ identity }) => ({ identity, username: 'bob', text: 'hello' }),
      },
      {
        should: 'rejects an empty message as EMPTY_MESSAGE',
        code: 'EMPTY_MESSAGE',
        input: ({ identity }) => ({ identity, username: 'Alice', text: '' }),
      },
      {
        should: 'rejects a whitespace-only message as EMPTY_MESSAGE',
        code: 'EMPTY_MESSAGE',
        input: ({ identity }) => ({ identity, username: 'Alice', text: ' \t\n\r\u00a0\u3000 ' }),
      },
      {
        should: `rejects ${MAX_CHARACTERS + 1} characters as MESSAGE_TOO_LONG`,
        code: 'MESSAGE_TOO_LONG',
        input: ({ identity }) => ({ identity, username: 'Alice', text: 'x'.repeat(MAX_CHARACTERS + 1) }),
      },
      {
        should: `rejects ${MAX_CHARACTERS + 1} emoji as MESSAGE_TOO_LONG`,
        code: 'MESSAGE_TOO_LONG',
        input: ({ identity }) => ({ identity, username: 'Alice', text: '😀'.repeat(MAX_CHARACTERS + 1) }),
      },
      {
        should: 'rejects U+0000 as INVALID_FORMAT',
        code: 'INVALID_FORMAT',
        input: ({ identity }) => ({ identity, username: 'Alice', text: 'hel\u0000lo' }),
      },
      {
        should: 'rejects a lone high surrogate as INVALID_FORMAT',
        code: 'INVALID_FORMAT',
        input: ({ identity }) => ({ identity, username: 'Alice', text: 'hello \uD83D' }),
      },
      {
        should: 'rejects a lone low surrogate as INVALID_FORMAT',
        code: 'INVALID_FORMAT',
        input: ({ identity }) => ({ identity, username: 'Alice', text: '\uDE00 hello' }),
      },
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
      expect((await postMessage.execute({ identity, username: 'Alice', text })).text).to.equal(text);
    });

    it(`accepts ${MAX_CHARACTERS} emoji, which are ${MAX_CHARACTERS * 2} UTF-16 units`, async () => {
      const { postMessage, identity } = setup();
      const text = '😀'.repeat(MAX_CHARACTERS);
      expect(text.length).to.equal(MAX_CHARACTERS * 2);
      expect((await postMessage.execute({ identity, username: 'Alice', text })).text).to.equal(text);
    });
  });
});
