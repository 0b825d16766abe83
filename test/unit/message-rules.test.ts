import { assertValidMessageText } from '../../src/domain/message.js';
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
