import { expect } from 'chai';
import { assertValidMessageText, storedMessage } from '../../src/domain/message.js';
import { expectThrowsCode } from '../support/expect-domain-error.js';

const MAX = 10;

function setup() {
  const check = (text: string) => () => assertValidMessageText(text, MAX);
  return { check };
}

describe('assertValidMessageText', () => {
  for (const text of ['a', 'hello', 'x'.repeat(MAX), '😀'.repeat(MAX), '  hi  ', 'e\u0301'.repeat(MAX / 2)]) {
    it(`accepts ${JSON.stringify(text)}`, () => {
      const { check } = setup();
      check(text)();
    });
  }

  for (const text of ['', ' ', '\n\t', '\u00a0', '\u3000\ufeff']) {
    it(`refuses ${JSON.stringify(text)} as EMPTY_MESSAGE`, () => {
      const { check } = setup();
      expectThrowsCode(check(text), 'EMPTY_MESSAGE');
    });
  }

  for (const text of ['x'.repeat(MAX + 1), '😀'.repeat(MAX + 1), `${'😀'.repeat(MAX)}x`]) {
    it(`refuses ${[...text].length} characters (${text.length} UTF-16 units) as MESSAGE_TOO_LONG`, () => {
      const { check } = setup();
      expectThrowsCode(check(text), 'MESSAGE_TOO_LONG');
    });
  }

  for (const [why, text] of [
    ['U+0000', 'a\u0000b'],
    ['only U+0000', '\u0000'],
    ['a lone high surrogate', 'a\uD83D'],
    ['a lone low surrogate', '\uDE00a'],
    ['surrogates in the wrong order', '\uDE00\uD83D'],
  ] as const) {
    it(`refuses ${why} as INVALID_FORMAT`, () => {
      const { check } = setup();
      expectThrowsCode(check(text), 'INVALID_FORMAT');
    });
  }
});

describe('storedMessage', () => {
  const createdAt = new Date('2026-12-06T12:00:00Z');

  it('lays out every message alike: the parts always present first, in one order, whatever order they came in', () => {
    const message = storedMessage(7, { createdAt, text: 'hi', username: 'ann', room: 'general' });
    expect(Object.keys(message)).to.deep.equal(['id', 'room', 'username', 'text', 'createdAt']);
  });

  it('leaves out the optional parts that are not given, also when given as undefined', () => {
    const message = storedMessage(7, { room: 'general', username: 'ann', text: 'hi', createdAt, clientId: undefined, change: undefined });
    expect(message).to.deep.equal({ id: 7, room: 'general', username: 'ann', text: 'hi', createdAt });
  });

  it('keeps the optional parts given, after the others', () => {
    const change = { kind: 'edit', target: 3 } as const;
    const message = storedMessage(8, { room: 'general', username: 'ann', text: 'hey', createdAt, change, clientId: 'c-1' });
    expect(Object.keys(message)).to.deep.equal(['id', 'room', 'username', 'text', 'createdAt', 'clientId', 'change']);
    expect(message.change).to.equal(change);
  });
});
