import { expect } from 'chai';
import { ListSessions } from '../../src/application/list-sessions.js';
import { LogOutEverywhere } from '../../src/application/log-out-everywhere.js';
import { PruneSessions } from '../../src/application/prune-sessions.js';
import { RevokeSession } from '../../src/application/revoke-session.js';
import { accountFakes, LAPTOP, PHONE } from '../support/account-fakes.js';
import { expectRejectsCode } from '../support/expect-domain-error.js';

/** alice on her phone and her laptop, bob on his phone. */
async function setup() {
  const fakes = accountFakes();
  const phone = await fakes.loggedIn('alice', PHONE);
  fakes.clock.advance(1000);
  const laptop = await fakes.loggedIn('alice', LAPTOP, 'refresh');
  const bob = await fakes.loggedIn('bob', PHONE);
  return { ...fakes, phone, laptop, bob };
}

describe('VerifyAccess', () => {
  it('names the user and the session of a token whose session is active', async () => {
    const { verifyAccess, phone } = await setup();
    const { user, session } = await verifyAccess.execute({ token: phone.issued.token });
    expect(user.username).to.equal('alice');
    expect(session).to.deep.include({ id: phone.issued.sessionId, device: PHONE });
  });

  it('refuses a token of an ended session as SESSION_REVOKED, at once: the store is read on every request', async () => {
    const { verifyAccess, phone, sessions, clock } = await setup();
    await sessions.end(1, [phone.issued.sessionId], clock.now(), 'revoked');
    await expectRejectsCode(verifyAccess.execute({ token: phone.issued.token }), 'SESSION_REVOKED');
  });

  it('refuses a token of a suspended or deleted user as SESSION_REVOKED', async () => {
    const { verifyAccess, phone, users, clock } = await setup();
    await users.setSuspended(1, clock.now());
    await expectRejectsCode(verifyAccess.execute({ token: phone.issued.token }), 'SESSION_REVOKED');
    await users.setSuspended(1, undefined);
    await users.markDeleted(1, clock.now());
    await expectRejectsCode(verifyAccess.execute({ token: phone.issued.token }), 'SESSION_REVOKED');
  });

  it("refuses a genuine token naming another user's session as SESSION_REVOKED", async () => {
    const { verifyAccess, tokens, bob } = await setup();
    const forged = tokens.issueFor('alice', bob.issued.sessionId);
    await expectRejectsCode(verifyAccess.execute({ token: forged.token }), 'SESSION_REVOKED');
  });

  it('refuses a bad token as INVALID_TOKEN', async () => {
    const { verifyAccess } = await setup();
    await expectRejectsCode(verifyAccess.execute({ token: 'nonsense' }), 'INVALID_TOKEN');
  });

  it('writes the session\'s "last seen" when a minute has passed since', async () => {
    const { verifyAccess, bob, sessions, clock } = await setup();
    const lastSeen = () => sessions.sessions.get(bob.issued.sessionId)?.lastSeenAt.getTime();
    const before = lastSeen();
    clock.advance(59_000);
    await verifyAccess.execute({ token: bob.issued.token });
    expect(lastSeen()).to.equal(before);
    clock.advance(1000);
    await verifyAccess.execute({ token: bob.issued.token });
    expect(lastSeen()).to.equal(clock.now().getTime());
  });
});

describe('ListSessions', () => {
  it("lists the owner's open sessions, the latest seen first, marking the one that asks", async () => {
    const { sessions, clock, laptop, phone } = await setup();
    const listed = await new ListSessions(sessions, clock).execute({ principal: phone.principal });
    expect(listed.map(({ session, current }) => [session.id, session.device.userAgent, session.kind, current])).to.deep.equal([
      [laptop.issued.sessionId, 'Laptop/2.0', 'refresh', false],
      [phone.issued.sessionId, 'Phone/1.0', 'token', true],
    ]);
  });

  it('leaves out sessions that ended or expired', async () => {
    const { sessions, clock, laptop, phone, policy } = await setup();
    await sessions.end(1, [laptop.issued.sessionId], clock.now(), 'revoked');
    expect(await new ListSessions(sessions, clock).execute({ principal: phone.principal })).to.have.length(1);
    clock.advance(policy.tokenTtlSeconds * 1000);
    expect(await new ListSessions(sessions, clock).execute({ principal: phone.principal })).to.deep.equal([]);
  });
});

describe('RevokeSession', () => {
  it("ends one of the owner's sessions and tells every node", async () => {
    const { sessions, clock, revocations, laptop, phone } = await setup();
    await new RevokeSession(sessions, revocations, clock).execute({ principal: phone.principal, sessionId: laptop.issued.sessionId });
    expect(await sessions.find(laptop.issued.sessionId)).to.deep.include({ endReason: 'revoked', endedAt: clock.now() });
    expect(revocations.published).to.deep.equal([{ sessionIds: [laptop.issued.sessionId], reason: 'revoked' }]);
    expect((await sessions.find(phone.issued.sessionId))?.endedAt).to.equal(undefined);
  });

  it("refuses another user's session as UNKNOWN_SESSION, as one that never was, ending nothing", async () => {
    const { sessions, clock, revocations, bob, phone } = await setup();
    const revoke = new RevokeSession(sessions, revocations, clock);
    await expectRejectsCode(revoke.execute({ principal: phone.principal, sessionId: bob.issued.sessionId }), 'UNKNOWN_SESSION');
    await expectRejectsCode(revoke.execute({ principal: phone.principal, sessionId: 'nope' }), 'UNKNOWN_SESSION');
    expect((await sessions.find(bob.issued.sessionId))?.endedAt).to.equal(undefined);
    expect(revocations.published).to.deep.equal([]);
  });

  it('refuses a session already ended as UNKNOWN_SESSION', async () => {
    const { sessions, clock, revocations, phone, laptop } = await setup();
    const revoke = new RevokeSession(sessions, revocations, clock);
    await revoke.execute({ principal: phone.principal, sessionId: laptop.issued.sessionId });
    await expectRejectsCode(revoke.execute({ principal: phone.principal, sessionId: laptop.issued.sessionId }), 'UNKNOWN_SESSION');
  });
});

describe('LogOutEverywhere', () => {
  it("ends every session of the owner, the one that asks included, and no one else's", async () => {
    const { sessions, clock, revocations, phone, laptop, bob } = await setup();
    expect(await new LogOutEverywhere(sessions, revocations, clock).execute({ principal: phone.principal })).to.equal(2);
    expect(revocations.published).to.have.length(1);
    expect(revocations.published[0]?.sessionIds).to.have.members([phone.issued.sessionId, laptop.issued.sessionId]);
    expect(revocations.published[0]?.reason).to.equal('logged_out_everywhere');
    expect((await sessions.find(bob.issued.sessionId))?.endedAt).to.equal(undefined);
  });
});

describe('PruneSessions', () => {
  it('forgets sessions a day after they ended or expired, with their refresh credentials', async () => {
    const { sessions, clock, laptop, phone, policy } = await setup();
    await sessions.end(1, [laptop.issued.sessionId], clock.now(), 'revoked');
    const prune = new PruneSessions(sessions, clock);
    expect(await prune.execute()).to.equal(0);
    clock.advance(24 * 60 * 60 * 1000 + 1);
    // The laptop ended a day ago; the phone's and bob's token sessions are still within a day of their end.
    expect(await prune.execute()).to.equal(1);
    expect(await sessions.find(phone.issued.sessionId)).to.not.equal(undefined);
    clock.advance(policy.tokenTtlSeconds * 1000);
    expect(await prune.execute()).to.equal(2);
    expect(sessions.credentials.size).to.equal(0);
  });
});
