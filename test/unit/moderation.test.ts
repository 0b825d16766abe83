import { expect } from 'chai';
import { Login } from '../../src/application/login.js';
import { ReinstateAccount } from '../../src/application/reinstate-account.js';
import { SetRole } from '../../src/application/set-role.js';
import { SuspendAccount } from '../../src/application/suspend-account.js';
import { accountFakes, LAPTOP, PASSWORD, PHONE } from '../support/account-fakes.js';
import { expectRejectsCode } from '../support/expect-domain-error.js';

async function setup() {
  const fakes = accountFakes();
  const admin = await fakes.user('root');
  await fakes.users.setRole(admin.id, 'administrator');
  const phone = await fakes.loggedIn('mallory', PHONE);
  const laptop = await fakes.loggedIn('mallory', LAPTOP, 'refresh');
  const suspend = new SuspendAccount(fakes.users, fakes.sessions, fakes.revocations, fakes.clock);
  const reinstate = new ReinstateAccount(fakes.users);
  const login = new Login(fakes.users, fakes.check, fakes.issuer);
  return { ...fakes, admin: (await fakes.users.findById(admin.id))!, phone, laptop, suspend, reinstate, login };
}

describe('SetRole', () => {
  it('makes a user an administrator, and a member again', async () => {
    const { users } = await setup();
    const setRole = new SetRole(users);
    expect((await setRole.execute({ username: 'MALLORY', role: 'administrator' })).role).to.equal('administrator');
    expect((await users.findByUsername('mallory'))?.role).to.equal('administrator');
    await setRole.execute({ username: 'mallory', role: 'member' });
    expect((await users.findByUsername('mallory'))?.role).to.equal('member');
  });

  it('refuses an unknown or deleted user as UNKNOWN_USER', async () => {
    const { users, clock } = await setup();
    const setRole = new SetRole(users);
    await expectRejectsCode(setRole.execute({ username: 'nobody', role: 'administrator' }), 'UNKNOWN_USER');
    await users.markDeleted((await users.findByUsername('mallory'))!.id, clock.now());
    await expectRejectsCode(setRole.execute({ username: 'mallory', role: 'administrator' }), 'UNKNOWN_USER');
  });
});

describe('SuspendAccount', () => {
  it('lets an administrator suspend a user: every session ends on every node, logins are refused as ACCOUNT_SUSPENDED', async () => {
    const { suspend, admin, revocations, phone, laptop, login } = await setup();
    await suspend.execute({ actor: admin, username: 'Mallory' });
    expect(revocations.published).to.have.length(1);
    expect(revocations.published[0]?.sessionIds).to.have.members([phone.issued.sessionId, laptop.issued.sessionId]);
    expect(revocations.published[0]?.reason).to.equal('suspended');
    await expectRejectsCode(login.execute({ username: 'mallory', password: PASSWORD }), 'ACCOUNT_SUSPENDED');
  });

  it('lets the operator suspend a user from the command line', async () => {
    const { suspend, users } = await setup();
    await suspend.execute({ actor: 'operator', username: 'mallory' });
    expect((await users.findByUsername('mallory'))?.suspendedAt).to.be.instanceOf(Date);
  });

  it('refuses a member as NOT_ADMINISTRATOR, changing nothing', async () => {
    const { suspend, phone, users, revocations } = await setup();
    const member = (await users.findByUsername('root'))!;
    await users.setRole(member.id, 'member');
    await expectRejectsCode(suspend.execute({ actor: (await users.findById(member.id))!, username: 'mallory' }), 'NOT_ADMINISTRATOR');
    await expectRejectsCode(suspend.execute({ actor: phone.principal.user, username: 'root' }), 'NOT_ADMINISTRATOR');
    expect(revocations.published).to.deep.equal([]);
    expect((await users.findByUsername('mallory'))?.suspendedAt).to.equal(undefined);
  });

  it('refuses an unknown user as UNKNOWN_USER', async () => {
    const { suspend, admin } = await setup();
    await expectRejectsCode(suspend.execute({ actor: admin, username: 'nobody' }), 'UNKNOWN_USER');
  });

  it('a suspension already in place keeps its date', async () => {
    const { suspend, admin, users, clock } = await setup();
    await suspend.execute({ actor: admin, username: 'mallory' });
    const first = (await users.findByUsername('mallory'))?.suspendedAt;
    clock.advance(5000);
    await suspend.execute({ actor: admin, username: 'mallory' });
    expect((await users.findByUsername('mallory'))?.suspendedAt).to.deep.equal(first);
  });
});

describe('ReinstateAccount', () => {
  it('lets a suspended user log in again; the sessions that ended stay ended', async () => {
    const { suspend, reinstate, admin, login, sessions, phone } = await setup();
    await suspend.execute({ actor: admin, username: 'mallory' });
    await reinstate.execute({ actor: admin, username: 'mallory' });
    expect((await login.execute({ username: 'mallory', password: PASSWORD })).username).to.equal('mallory');
    expect((await sessions.find(phone.issued.sessionId))?.endReason).to.equal('suspended');
  });

  it('refuses a member as NOT_ADMINISTRATOR', async () => {
    const { reinstate, phone } = await setup();
    await expectRejectsCode(reinstate.execute({ actor: phone.principal.user, username: 'mallory' }), 'NOT_ADMINISTRATOR');
  });
});
