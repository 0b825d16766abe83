import { expect } from 'chai';
import { assertValidPassword, assertValidUsername, isAcceptablePassword, sameUsername } from '../../src/domain/user.js';
import { expectThrowsCode } from '../support/expect-domain-error.js';

function setup() {
  return { username: (name: string) => () => assertValidUsername(name), password: (p: string) => () => assertValidPassword(p) };
}

describe('user rules', () => {
  describe('assertValidUsername', () => {
    for (const name of ['abc', 'Alice', 'a.b-c_d', '007', 'x'.repeat(32)]) {
      it(`accepts ${JSON.stringify(name)}`, () => setup().username(name)());
    }

    for (const name of ['ab', 'x'.repeat(33), '', 'al ice', 'alice!', 'ålice', 'alice\n', '\nalice', 'al:ice', 'a\u0000bc']) {
      it(`refuses ${JSON.stringify(name)} as INVALID_USERNAME`, () => expectThrowsCode(setup().username(name), 'INVALID_USERNAME'));
    }
  });

  describe('assertValidPassword', () => {
    for (const [why, password] of [
      ['8 ASCII bytes', 'a'.repeat(8)],
      ['72 ASCII bytes', 'a'.repeat(72)],
      ['4 two-byte characters (8 bytes)', 'éééé'],
      ['18 four-byte emoji (72 bytes)', '😀'.repeat(18)],
    ] as const) {
      it(`accepts ${why}`, () => {
        setup().password(password)();
        expect(isAcceptablePassword(password)).to.equal(true);
      });
    }

    for (const [why, password] of [
      ['7 ASCII bytes', 'a'.repeat(7)],
      ['73 ASCII bytes', 'a'.repeat(73)],
      ['3 two-byte characters (6 bytes)', 'ééé'],
      ['71 ASCII bytes and a two-byte character (73 bytes)', `${'a'.repeat(71)}é`],
      ['19 four-byte emoji (76 bytes, 38 UTF-16 units)', '😀'.repeat(19)],
      ['a lone high surrogate', 'password\uD800'],
      ['a lone low surrogate', 'pass\uDC00word'],
    ] as const) {
      it(`refuses ${why} as INVALID_PASSWORD`, () => {
        expectThrowsCode(setup().password(password), 'INVALID_PASSWORD');
        expect(isAcceptablePassword(password)).to.equal(false);
      });
    }
  });

  describe('sameUsername', () => {
    it('ignores case', () => expect(sameUsername('Alice', 'aLICE')).to.equal(true));
    it('tells different names apart', () => expect(sameUsername('alice', 'alicf')).to.equal(false));
    it('tells a name from its prefix, either way round', () => {
      expect(sameUsername('alice', 'alice2')).to.equal(false);
      expect(sameUsername('alice2', 'alice')).to.equal(false);
    });
  });
});
