import { expect } from 'chai';
import { REFRESH_GRACE_MS, RefreshSession } from '../../src/application/refresh-session.js';
import { accountFakes } from '../support/account-fakes.js';
import { expectRejectsCode } from '../support/expect-domain-error.js';

async function setup() {
  const fakes = accountFakes();
  const refresh = new RefreshSession(fakes.sessions, fakes.users, fakes.secrets, fakes.issuer, fakes.revocations, fakes.clock, fakes.policy);
  const { issued } = await fakes.loggedIn('alice', undefined, 'refresh');
  const renew = (refreshToken: string) => refresh.execute({ refreshToken });
  return { ...fakes, refresh, renew, issued, first: issued.refresh!.token };
}

describe('RefreshSession', () => {
  it("renews the access token and rotates the credential, moving the session's end ahead", async () => {
    const { renew, first, issued, clock, policy, tokens, sessions } = await setup();
    clock.advance(60_000);
    const renewed = await renew(first);
    expect(renewed.sessionId).to.equal(issued.sessionId);
    expect(renewed.refresh?.token).to.equal('secret-2');
    expect(renewed.expiresAt.getTime()).to.equal(clock.now().getTime() + policy.accessTtlSeconds * 1000);
    expect(renewed.refresh?.expiresAt.getTime()).to.equal(clock.now().getTime() + policy.refreshTtlSeconds * 1000);
    expect(tokens.verify(renewed.token)).to.deep.include({ username: 'alice', sessionId: issued.sessionId });
    expect((await sessions.find(issued.sessionId))?.expiresAt).to.deep.equal(renewed.refresh?.expiresAt);
  });

  it('keeps renewing along the chain of rotated credentials', async () => {
    const { renew, first, clock } = await setup();
    let token = first;
    for (let i = 0; i < 5; i++) {
      clock.advance(REFRESH_GRACE_MS);
      token = (await renew(token)).refresh!.token;
    }
    expect(token).to.equal('secret-6');
  });

  it('treats a rotated-out credential presented later as stolen: the session ends, everywhere, as REFRESH_REUSED', async () => {
    const { renew, first, clock, sessions, issued, revocations } = await setup();
    const second = (await renew(first)).refresh!.token;
    clock.advance(REFRESH_GRACE_MS);
    await expectRejectsCode(renew(first), 'REFRESH_REUSED');
    expect(await sessions.find(issued.sessionId)).to.deep.include({ endReason: 'refresh_reused' });
    expect(revocations.published).to.deep.equal([{ sessionIds: [issued.sessionId], reason: 'refresh_reused' }]);
    // The owner's own current credential is refused from then on, and nothing is issued.
    await expectRejectsCode(renew(second), 'SESSION_REVOKED');
    expect(sessions.credentials.size).to.equal(2);
  });

  it('ends the session when a copy used within the grace leaves the owner with a retired credential', async () => {
    const { renew, first, clock, issued, sessions } = await setup();
    const owners = (await renew(first)).refresh!.token;
    // A copy of the first credential, presented at once, takes the chain over...
    await renew(first);
    // ...and the owner's next refresh, after the grace, finds its credential retired: both are logged out.
    clock.advance(REFRESH_GRACE_MS);
    await expectRejectsCode(renew(owners), 'REFRESH_REUSED');
    expect((await sessions.find(issued.sessionId))?.endReason).to.equal('refresh_reused');
  });

  it('takes a credential rotated out less than the grace ago once more (a lost answer, two tabs at once), retiring the one that replaced it', async () => {
    const { renew, first, clock, sessions } = await setup();
    const lost = (await renew(first)).refresh!.token;
    clock.advance(REFRESH_GRACE_MS - 1);
    const again = await renew(first);
    expect(again.refresh?.token).to.equal('secret-3');
    // The credential whose answer was lost is retired, not current: using it after the grace is a reuse.
    expect((await sessions.findRefresh(`digest:${lost}`))?.replacedAt).to.not.equal(undefined);
    clock.advance(REFRESH_GRACE_MS);
    await expectRejectsCode(renew(lost), 'REFRESH_REUSED');
  });

  it('gives one rotation to two refreshes with one credential at the same moment, and a working credential to each', async () => {
    const { renew, first, sessions } = await setup();
    const [a, b] = await Promise.all([renew(first), renew(first)]);
    expect(new Set([a.refresh?.token, b.refresh?.token]).size).to.equal(2);
    const current = [...sessions.credentials.values()].filter((credential) => credential.replacedAt === undefined);
    expect(current).to.have.length(1);
  });

  it('refuses an unknown or malformed credential as INVALID_REFRESH, touching nothing', async () => {
    const { renew, sessions, revocations } = await setup();
    await expectRejectsCode(renew('secret-99'), 'INVALID_REFRESH');
    await expectRejectsCode(renew('not a credential'), 'INVALID_REFRESH');
    expect(revocations.published).to.deep.equal([]);
    expect(sessions.credentials.size).to.equal(1);
  });

  it('refuses a credential of a session that ended (logged out, suspended) as SESSION_REVOKED', async () => {
    const { renew, first, sessions, issued, clock } = await setup();
    await sessions.end(1, [issued.sessionId], clock.now(), 'revoked');
    await expectRejectsCode(renew(first), 'SESSION_REVOKED');
  });

  it('refuses a credential of a session that expired, REFRESH_TTL after its last refresh', async () => {
    const { renew, first, clock, policy } = await setup();
    clock.advance(policy.refreshTtlSeconds * 1000);
    await expectRejectsCode(renew(first), 'SESSION_REVOKED');
  });

  it('refuses a credential of a suspended user whose session a race left open', async () => {
    const { renew, first, users, clock } = await setup();
    await users.setSuspended(1, clock.now());
    await expectRejectsCode(renew(first), 'SESSION_REVOKED');
  });
});
