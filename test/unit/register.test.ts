import { expect } from 'chai';
import { Register } from '../../src/application/register.js';
import { FakePasswordHasher } from '../fakes/fake-password-hasher.js';
import { FakeTokenService } from '../fakes/fake-token-service.js';
import { FixedClock } from '../fakes/fixed-clock.js';
import { InMemoryUserRepository } from '../fakes/in-memory-user-repository.js';
import { expectRejectsCode } from '../support/expect-domain-error.js';

function setup() {
  const users = new InMemoryUserRepository();
  const passwords = new FakePasswordHasher();
  const clock = new FixedClock();
  const tokens = new FakeTokenService(clock, 60_000);
  const register = new Register(users, passwords, tokens);
  return { register, users, passwords, tokens, clock };
}

describe('Register', () => {
  const password = 'correct horse';

  it('returns the username with a token for it and its expiry', async () => {
    const { register, tokens, clock } = setup();
    const session = await register.execute({ username: 'Alice', password });
    expect(session.username).to.equal('Alice');
    expect(session.expiresAt.getTime()).to.equal(clock.now().getTime() + 60_000);
    expect(tokens.verify(session.token)).to.deep.equal({ username: 'Alice', expiresAt: session.expiresAt });
  });

  it('stores a hash of the password, not the password', async () => {
    const { register, users } = setup();
    await register.execute({ username: 'alice', password });
    const stored = await users.findByUsername('alice');
    expect(stored?.passwordHash).to.equal(`hashed:${password}`);
    expect(stored?.passwordHash).not.to.equal(password);
  });

  describe('username', () => {
    for (const username of ['abc', 'a'.repeat(32), 'A.b_c-9']) {
      it(`accepts ${JSON.stringify(username)}`, async () => {
        const { register } = setup();
        expect((await register.execute({ username, password })).username).to.equal(username);
      });
    }

    for (const [why, username] of [
      ['of 2 characters', 'ab'],
      ['of 33 characters', 'a'.repeat(33)],
      ['that is empty', ''],
      ['with a space', 'al ice'],
      ['with a non-ASCII letter', 'alicé'],
      ['with a trailing newline', 'alice\n'],
      ['with a slash', 'al/ice'],
    ] as const) {
      it(`refuses a username ${why} as INVALID_USERNAME and stores nothing`, async () => {
        const { register, users, passwords } = setup();
        await expectRejectsCode(register.execute({ username, password }), 'INVALID_USERNAME');
        expect(await users.findByUsername(username)).to.equal(undefined);
        expect(passwords.hashCalls).to.equal(0);
      });
    }
  });

  describe('password', () => {
    for (const [why, candidate] of [
      ['of exactly 8 bytes', '12345678'],
      ['of exactly 72 bytes', 'p'.repeat(72)],
      ['of 24 three-byte characters (72 bytes)', '€'.repeat(24)],
      ['of 18 emoji (72 bytes, 36 UTF-16 units)', '😀'.repeat(18)],
    ] as const) {
      it(`accepts a password ${why}`, async () => {
        const { register, users } = setup();
        await register.execute({ username: 'alice', password: candidate });
        expect((await users.findByUsername('alice'))?.passwordHash).to.equal(`hashed:${candidate}`);
      });
    }

    for (const [why, candidate] of [
      ['of 7 bytes', '1234567'],
      ['of 73 bytes', 'p'.repeat(73)],
      ['of 25 three-byte characters (75 bytes, 25 UTF-16 units)', '€'.repeat(25)],
      ['of 19 emoji (76 bytes, 38 UTF-16 units)', '😀'.repeat(19)],
      ['with a lone high surrogate', 'password\uD800'],
      ['with a lone low surrogate', '\uDC00password'],
    ] as const) {
      it(`refuses a password ${why} as INVALID_PASSWORD`, async () => {
        const { register, users } = setup();
        await expectRejectsCode(register.execute({ username: 'alice', password: candidate }), 'INVALID_PASSWORD');
        expect(await users.findByUsername('alice')).to.equal(undefined);
      });
    }

    it('counts bytes, not characters: 7 two-byte characters are long enough', async () => {
      const { register } = setup();
      // 7 characters, 14 bytes.
      expect((await register.execute({ username: 'alice', password: 'ééééééé' })).username).to.equal('alice');
    });
  });

  describe('a taken username', () => {
    for (const second of ['alice', 'ALICE', 'aLiCe']) {
      it(`refuses "${second}" after "Alice" as USERNAME_TAKEN`, async () => {
        const { register } = setup();
        await register.execute({ username: 'Alice', password });
        await expectRejectsCode(register.execute({ username: second, password: 'another password' }), 'USERNAME_TAKEN');
      });
    }

    it('keeps the first account unchanged', async () => {
      const { register, users } = setup();
      await register.execute({ username: 'Alice', password });
      await expectRejectsCode(register.execute({ username: 'alice', password: 'another password' }), 'USERNAME_TAKEN');
      const stored = await users.findByUsername('alice');
      expect(stored?.username).to.equal('Alice');
      expect(stored?.passwordHash).to.equal(`hashed:${password}`);
    });
  });
});
