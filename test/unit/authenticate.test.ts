import { expect } from 'chai';
import { Authenticate } from '../../src/application/authenticate.js';
import { SessionStates } from '../../src/application/session-states.js';
import type { Identity } from '../../src/domain/user.js';
import { accountFakes } from '../support/account-fakes.js';
import { expectRejectsCode, expectThrowsCode } from '../support/expect-domain-error.js';

async function setup() {
  const fakes = accountFakes();
  const states = new SessionStates(fakes.sessions, fakes.revocations, fakes.clock);
  const authenticate = new Authenticate(fakes.tokens, states);
  const { issued } = await fakes.loggedIn('Alice');
  return { ...fakes, states, authenticate, token: issued.token, sessionId: issued.sessionId, expiresAt: issued.expiresAt };
}

describe('Authenticate', () => {
  it("returns the identity of a valid token for the frame's username, once the store says its session is active", async () => {
    const { authenticate, token, expiresAt, sessionId } = await setup();
    const outcome = authenticate.execute({ token, username: 'Alice' });
    expect(outcome).to.be.instanceOf(Promise);
    expect(await outcome).to.deep.equal({ username: 'Alice', expiresAt, sessionId });
  });

  it('answers at once for a session this node knows: a reconnect needs no query', async () => {
    const { authenticate, token, sessions } = await setup();
    await authenticate.execute({ token, username: 'Alice' });
    const outcome = authenticate.execute({ token, username: 'Alice' });
    expect((outcome as Identity).username).to.equal('Alice');
    expect(sessions.asked).to.have.length(1);
  });

  it('reads the store once for many connections of one session arriving together', async () => {
    const { authenticate, token, sessions } = await setup();
    await Promise.all([1, 2, 3].map(async () => authenticate.execute({ token, username: 'Alice' })));
    expect(sessions.asked).to.have.length(1);
  });

  it("accepts the frame's username in another case, keeping the token's spelling", async () => {
    const { authenticate, token } = await setup();
    expect((await authenticate.execute({ token, username: 'aLICE' })).username).to.equal('Alice');
  });

  it('refuses a token of another user as USERNAME_MISMATCH, without asking the store', async () => {
    const { authenticate, token, sessions } = await setup();
    expectThrowsCode(() => authenticate.execute({ token, username: 'bob' }), 'USERNAME_MISMATCH');
    expectThrowsCode(() => authenticate.execute({ token, username: 'Alice2' }), 'USERNAME_MISMATCH');
    expect(sessions.asked).to.deep.equal([]);
  });

  it('refuses a malformed token as INVALID_TOKEN', async () => {
    const { authenticate } = await setup();
    expectThrowsCode(() => authenticate.execute({ token: 'not-a-token', username: 'Alice' }), 'INVALID_TOKEN');
  });

  it('refuses an expired token as INVALID_TOKEN', async () => {
    const { authenticate, token, clock, policy } = await setup();
    clock.advance(policy.tokenTtlSeconds * 1000);
    expectThrowsCode(() => authenticate.execute({ token, username: 'Alice' }), 'INVALID_TOKEN');
  });

  it('refuses a token of a session that ended as SESSION_REVOKED', async () => {
    const { authenticate, token, sessions, sessionId, clock } = await setup();
    await sessions.end(1, [sessionId], clock.now(), 'revoked');
    await expectRejectsCode(
      Promise.resolve().then(() => authenticate.execute({ token, username: 'Alice' })),
      'SESSION_REVOKED',
    );
  });

  it('refuses at once, without a query, a token of a session whose revocation this node heard', async () => {
    const { authenticate, token, sessions, sessionId, revocations } = await setup();
    await authenticate.execute({ token, username: 'Alice' });
    revocations.hear({ sessionIds: [sessionId], reason: 'password_changed' });
    expectThrowsCode(() => authenticate.execute({ token, username: 'Alice' }), 'SESSION_REVOKED');
    expect(sessions.asked).to.have.length(1);
  });
});
