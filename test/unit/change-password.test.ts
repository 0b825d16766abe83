import { expect } from 'chai';
import { ChangePassword } from '../../src/application/change-password.js';
import { accountFakes, LAPTOP, PASSWORD, PHONE } from '../support/account-fakes.js';
import { expectRejectsCode } from '../support/expect-domain-error.js';

const NEW_PASSWORD = 'a new and better one';

async function setup() {
  const fakes = accountFakes();
  const phone = await fakes.loggedIn('alice', PHONE);
  const laptop = await fakes.loggedIn('alice', LAPTOP, 'refresh');
  const bob = await fakes.loggedIn('bob', PHONE);
  const changePassword = new ChangePassword(fakes.users, fakes.check, fakes.hasher, fakes.sessions, fakes.revocations, fakes.clock);
  const change = (currentPassword: string, newPassword = NEW_PASSWORD) => changePassword.execute({ principal: phone.principal, currentPassword, newPassword });
  return { ...fakes, phone, laptop, bob, change };
}

describe('ChangePassword', () => {
  it('stores a hash of the new password, given the current one', async () => {
    const { change, users, hasher } = await setup();
    await change(PASSWORD);
    const alice = await users.findByUsername('alice');
    expect(await hasher.verify(NEW_PASSWORD, alice!.passwordHash!)).to.equal(true);
    expect(await hasher.verify(PASSWORD, alice!.passwordHash!)).to.equal(false);
  });

  it('ends every other session of the user, on every node, and keeps the one that asked', async () => {
    const { change, sessions, revocations, phone, laptop, bob } = await setup();
    await change(PASSWORD);
    expect(revocations.published).to.deep.equal([{ sessionIds: [laptop.issued.sessionId], reason: 'password_changed' }]);
    expect((await sessions.find(laptop.issued.sessionId))?.endReason).to.equal('password_changed');
    expect((await sessions.find(phone.issued.sessionId))?.endedAt).to.equal(undefined);
    expect((await sessions.find(bob.issued.sessionId))?.endedAt).to.equal(undefined);
  });

  it('refuses a wrong current password as WRONG_PASSWORD, storing nothing and ending nothing', async () => {
    const { change, users, revocations, hasher } = await setup();
    const before = (await users.findByUsername('alice'))?.passwordHash;
    await expectRejectsCode(change('not my password'), 'WRONG_PASSWORD');
    expect((await users.findByUsername('alice'))?.passwordHash).to.equal(before);
    expect(revocations.published).to.deep.equal([]);
    expect(hasher.hashCalls).to.equal(0);
  });

  it('compares the current password exactly once, right or wrong, so the timing tells nothing', async () => {
    const { change, hasher } = await setup();
    await expectRejectsCode(change('not my password'), 'WRONG_PASSWORD');
    expect(hasher.verifyCalls).to.equal(1);
    await change(PASSWORD);
    expect(hasher.verifyCalls).to.equal(2);
  });

  it('refuses a current password that matches only on its first 72 bytes', async () => {
    const fakes = accountFakes();
    const long = 'p'.repeat(72);
    await fakes.user('alice', long);
    const { principal } = await fakes.loggedIn('alice');
    const changePassword = new ChangePassword(fakes.users, fakes.check, fakes.hasher, fakes.sessions, fakes.revocations, fakes.clock);
    await expectRejectsCode(changePassword.execute({ principal, currentPassword: `${long}x`, newPassword: NEW_PASSWORD }), 'WRONG_PASSWORD');
  });

  it('refuses a new password that breaks the rules as INVALID_PASSWORD before comparing anything', async () => {
    const { change, hasher, revocations } = await setup();
    await expectRejectsCode(change(PASSWORD, 'short'), 'INVALID_PASSWORD');
    expect(hasher.verifyCalls).to.equal(0);
    expect(revocations.published).to.deep.equal([]);
  });
});
