import { expect } from 'chai';
import { Login } from '../../src/application/login.js';
import { accountFakes, LAPTOP, PASSWORD } from '../support/account-fakes.js';
import { expectRejectsCode } from '../support/expect-domain-error.js';

async function setup({ password = PASSWORD } = {}) {
  const fakes = accountFakes();
  const alice = await fakes.user('Alice', password);
  const login = new Login(fakes.users, fakes.check, fakes.issuer);
  return { ...fakes, alice, login, passwords: fakes.hasher };
}

describe('Login', () => {
  it('returns a token for the user when the password is right', async () => {
    const { login, tokens, clock, policy } = await setup();
    const session = await login.execute({ username: 'Alice', password: PASSWORD });
    expect(session.username).to.equal('Alice');
    expect(session.expiresAt.getTime()).to.equal(clock.now().getTime() + policy.tokenTtlSeconds * 1000);
    expect(tokens.verify(session.token).username).to.equal('Alice');
  });

  it('opens a session from the device it came from, which the token names', async () => {
    const { login, tokens, sessions, alice } = await setup();
    const session = await login.execute({ username: 'Alice', password: PASSWORD, device: LAPTOP });
    expect(tokens.verify(session.token).sessionId).to.equal(session.sessionId);
    expect(await sessions.find(session.sessionId)).to.deep.include({ userId: alice.id, kind: 'token', device: LAPTOP, expiresAt: session.expiresAt });
  });

  it('opens a refresh session when asked, with an access token and a refresh credential', async () => {
    const { login, clock, policy } = await setup();
    const session = await login.execute({ username: 'Alice', password: PASSWORD, kind: 'refresh' });
    expect(session.expiresAt.getTime()).to.equal(clock.now().getTime() + policy.accessTtlSeconds * 1000);
    expect(session.refresh?.token).to.equal('secret-1');
  });

  it('refuses a suspended user with the right password as ACCOUNT_SUSPENDED, opening no session', async () => {
    const { login, users, sessions, alice, clock } = await setup();
    await users.setSuspended(alice.id, clock.now());
    await expectRejectsCode(login.execute({ username: 'Alice', password: PASSWORD }), 'ACCOUNT_SUSPENDED');
    expect(sessions.sessions.size).to.equal(0);
  });

  it("tells a suspended user's wrong password apart from nothing: INVALID_CREDENTIALS, as for anyone", async () => {
    const { login, users, alice, clock } = await setup();
    await users.setSuspended(alice.id, clock.now());
    await expectRejectsCode(login.execute({ username: 'Alice', password: 'wrong password' }), 'INVALID_CREDENTIALS');
  });

  it('refuses a deleted account as INVALID_CREDENTIALS, even with its old password, after one comparison', async () => {
    const { login, users, alice, clock, passwords } = await setup();
    await users.markDeleted(alice.id, clock.now());
    await expectRejectsCode(login.execute({ username: 'Alice', password: PASSWORD }), 'INVALID_CREDENTIALS');
    expect(passwords.verifyCalls).to.equal(1);
  });

  it('answers with the username as registered when logging in with other case', async () => {
    const { login, tokens } = await setup();
    const session = await login.execute({ username: 'aLICE', password: PASSWORD });
    expect(session.username).to.equal('Alice');
    expect(tokens.verify(session.token).username).to.equal('Alice');
  });

  it('refuses a wrong password as INVALID_CREDENTIALS', async () => {
    const { login } = await setup();
    await expectRejectsCode(login.execute({ username: 'Alice', password: 'wrong password' }), 'INVALID_CREDENTIALS');
  });

  it('refuses the right password in another case as INVALID_CREDENTIALS', async () => {
    const { login } = await setup();
    await expectRejectsCode(login.execute({ username: 'Alice', password: PASSWORD.toUpperCase() }), 'INVALID_CREDENTIALS');
  });

  it('refuses an unknown user as INVALID_CREDENTIALS', async () => {
    const { login } = await setup();
    await expectRejectsCode(login.execute({ username: 'bob', password: PASSWORD }), 'INVALID_CREDENTIALS');
  });

  it("refuses an unknown user even with the dummy comparison's own password", async () => {
    const { login } = await setup();
    await expectRejectsCode(login.execute({ username: 'bob', password: 'not a password of anyone' }), 'INVALID_CREDENTIALS');
  });

  describe('timing equalization', () => {
    it('compares a hash exactly once for a wrong password', async () => {
      const { login, passwords } = await setup();
      await expectRejectsCode(login.execute({ username: 'Alice', password: 'wrong password' }), 'INVALID_CREDENTIALS');
      expect(passwords.verifyCalls).to.equal(1);
    });

    it('compares a hash exactly once for an unknown user too', async () => {
      const { login, passwords } = await setup();
      await expectRejectsCode(login.execute({ username: 'bob', password: PASSWORD }), 'INVALID_CREDENTIALS');
      expect(passwords.verifyCalls).to.equal(1);
    });

    it('compares a hash exactly once for a right password', async () => {
      const { login, passwords } = await setup();
      await login.execute({ username: 'Alice', password: PASSWORD });
      expect(passwords.verifyCalls).to.equal(1);
    });

    it('hashes the dummy password only once across unknown-user attempts', async () => {
      const { login, passwords } = await setup();
      for (const username of ['bob', 'carol', 'dave']) {
        await expectRejectsCode(login.execute({ username, password: PASSWORD }), 'INVALID_CREDENTIALS');
      }
      expect(passwords.verifyCalls).to.equal(3);
      expect(passwords.hashCalls).to.equal(1);
    });
  });

  it('refuses a lone surrogate that the hasher would read as U+FFFD', async () => {
    const { login, passwords } = await setup({ password: 'pass\uFFFDword' });
    // UTF-8 encoding turns a lone surrogate into U+FFFD, in bcrypt as in the fake.
    expect(await passwords.verify('pass\uD800word', 'hashed:pass\uFFFDword')).to.equal(true);
    await expectRejectsCode(login.execute({ username: 'Alice', password: 'pass\uD800word' }), 'INVALID_CREDENTIALS');
  });

  describe("passwords past bcrypt's 72 bytes", () => {
    const real = 'p'.repeat(72);

    it('accepts the 72-byte password itself', async () => {
      const { login } = await setup({ password: real });
      expect((await login.execute({ username: 'Alice', password: real })).username).to.equal('Alice');
    });

    it('refuses a longer password whose first 72 bytes are the real password', async () => {
      const { login, passwords } = await setup({ password: real });
      // The hasher, like bcrypt, says these match; Login must still refuse.
      expect(await passwords.verify(`${real}extra`, `hashed:${real}`)).to.equal(true);
      await expectRejectsCode(login.execute({ username: 'Alice', password: `${real}extra` }), 'INVALID_CREDENTIALS');
    });
  });
});
