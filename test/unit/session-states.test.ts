import { expect } from 'chai';
import type { Revocation } from '../../src/application/ports.js';
import { SessionStates } from '../../src/application/session-states.js';
import { accountFakes } from '../support/account-fakes.js';

async function setup() {
  const fakes = accountFakes();
  const states = new SessionStates(fakes.sessions, fakes.revocations, fakes.clock);
  const heard: Array<{ ended: string[]; reason: Revocation['reason'] }> = [];
  states.subscribe((ended, { reason }) => heard.push({ ended: [...ended], reason }));
  const alice = await fakes.loggedIn('alice');
  const until = (seconds: number) => new Date(fakes.clock.now().getTime() + seconds * 1000);
  return { ...fakes, states, heard, sessionId: alice.issued.sessionId, userId: alice.principal.user.id, until };
}

describe('SessionStates', () => {
  it('knows nothing of a session until it is loaded, then answers at once', async () => {
    const { states, sessionId, until } = await setup();
    expect(states.state(sessionId)).to.equal(undefined);
    expect(await states.load(sessionId, until(60))).to.equal('active');
    expect(states.state(sessionId)).to.equal('active');
  });

  it('loads an unknown id as ended', async () => {
    const { states, until } = await setup();
    expect(await states.load('nobody', until(60))).to.equal('ended');
    expect(states.state('nobody')).to.equal('ended');
  });

  it('a revocation heard while the store is read wins over what the read says', async () => {
    const { states, sessionId, until, revocations } = await setup();
    const loading = states.load(sessionId, until(60));
    revocations.hear({ sessionIds: [sessionId], reason: 'revoked' });
    expect(await loading).to.equal('ended');
  });

  it('tells its listeners of revocations of sessions it knows, and ignores the others', async () => {
    const { states, sessionId, until, revocations, heard } = await setup();
    revocations.hear({ sessionIds: [sessionId], reason: 'revoked' });
    expect(heard).to.deep.equal([]);
    await states.load(sessionId, until(60));
    revocations.hear({ sessionIds: ['elsewhere', sessionId], reason: 'suspended' });
    expect(heard).to.deep.equal([{ ended: [sessionId], reason: 'suspended' }]);
  });

  it('recheck asks the store about every session known active, and ends those it no longer has active', async () => {
    const { states, sessions, clock, sessionId, until, heard, loggedIn } = await setup();
    const bob = await loggedIn('bob');
    await states.load(sessionId, until(60));
    await states.load(bob.issued.sessionId, until(60));
    await sessions.end(bob.principal.user.id, 'all', clock.now(), 'logged_out_everywhere');
    await states.recheck();
    expect(sessions.asked.at(-1)).to.have.members([sessionId, bob.issued.sessionId]);
    expect(heard).to.deep.equal([{ ended: [bob.issued.sessionId], reason: 'logged_out_everywhere' }]);
    expect(states.state(bob.issued.sessionId)).to.equal('ended');
  });

  it('recheck finds a user suspended in a race with its login, whose session was never ended', async () => {
    const { states, users, clock, sessionId, userId, until, heard } = await setup();
    await states.load(sessionId, until(60));
    await users.setSuspended(userId, clock.now());
    await states.recheck();
    expect(heard).to.deep.equal([{ ended: [sessionId], reason: 'suspended' }]);
  });

  it('checks at once when revocations may have been missed', async () => {
    const { states, sessions, clock, sessionId, userId, until, heard, revocations } = await setup();
    await states.load(sessionId, until(60));
    await sessions.end(userId, [sessionId], clock.now(), 'password_changed');
    revocations.lose();
    await new Promise((resolve) => setImmediate(resolve));
    expect(heard).to.deep.equal([{ ended: [sessionId], reason: 'password_changed' }]);
  });

  it('forgets a session once the last token seen for it has expired, so memory follows the connections', async () => {
    const { states, sessionId, until, clock, sessions } = await setup();
    await states.load(sessionId, until(60));
    states.used(sessionId, until(120));
    clock.advance(119_000);
    await states.recheck();
    expect(states.size).to.equal(1);
    clock.advance(1000);
    await states.recheck();
    expect(states.size).to.equal(0);
    expect(sessions.asked).to.have.length(2);
  });

  it('writes "last seen" at most once a minute for the connections a session authorizes', async () => {
    const { states, sessionId, until, clock, sessions } = await setup();
    await states.load(sessionId, until(600));
    const seen = () => sessions.sessions.get(sessionId)?.lastSeenAt.getTime();
    clock.advance(5000);
    states.used(sessionId, until(600));
    expect(seen(), 'the first connection writes it').to.equal(clock.now().getTime());
    const first = seen();
    clock.advance(30_000);
    states.used(sessionId, until(600));
    expect(seen()).to.equal(first);
    clock.advance(30_000);
    states.used(sessionId, until(600));
    expect(seen()).to.equal(clock.now().getTime());
  });
});
