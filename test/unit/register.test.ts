import { expect } from 'chai';
import { Register } from '../../src/application/register.js';
import { accountFakes, PHONE } from '../support/account-fakes.js';
import { expectRejectsCode } from '../support/expect-domain-error.js';

function setup() {
  const fakes = accountFakes();
  const register = new Register(fakes.users, fakes.hasher, fakes.issuer);
  return { ...fakes, register, passwords: fakes.hasher };
}

describe('Register', () => {
  const password = 'correct horse';

  it('returns the username with a token for it and its expiry', async () => {
    const { register, tokens, clock, policy } = setup();
    const session = await register.execute({ username: 'Alice', password });
    expect(session.username).to.equal('Alice');
    expect(session.expiresAt.getTime()).to.equal(clock.now().getTime() + policy.tokenTtlSeconds * 1000);
    expect(tokens.verify(session.token)).to.deep.equal({ username: 'Alice', expiresAt: session.expiresAt, sessionId: session.sessionId });
  });

  it('opens a token session for the new user, from the device it came from, that its token names', async () => {
    const { register, sessions, users } = setup();
    const { sessionId, expiresAt } = await register.execute({ username: 'Alice', password, device: PHONE });
    const user = await users.findByUsername('alice');
    expect(await sessions.find(sessionId)).to.deep.include({ userId: user?.id, kind: 'token', expiresAt, device: PHONE });
  });

  it('opens a refresh session when asked: a short access token, and a refresh credential stored as its digest', async () => {
    const { register, sessions, clock, policy } = setup();
    const issued = await register.execute({ username: 'Alice', password, kind: 'refresh' });
    expect(issued.expiresAt.getTime()).to.equal(clock.now().getTime() + policy.accessTtlSeconds * 1000);
    expect(issued.refresh).to.deep.equal({ token: 'secret-1', expiresAt: new Date(clock.now().getTime() + policy.refreshTtlSeconds * 1000) });
    expect(await sessions.findRefresh('digest:secret-1')).to.deep.equal({ digest: 'digest:secret-1', sessionId: issued.sessionId, current: 'digest:secret-1' });
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

    it('refuses the name of a deleted account, in any case, as USERNAME_TAKEN: nobody can speak as the deleted user', async () => {
      const { register, users, clock } = setup();
      await register.execute({ username: 'Alice', password });
      await users.markDeleted((await users.findByUsername('alice'))!.id, clock.now());
      await expectRejectsCode(register.execute({ username: 'ALICE', password }), 'USERNAME_TAKEN');
    });

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
