import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { NicedBcryptHasher } from '../../src/adapters/security/niced-bcrypt-hasher.js';

/** The nice value of each thread of this process, from /proc (Linux). */
function threadNiceValues(): number[] {
  return readdirSync('/proc/self/task').map((tid) => {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    // Fields after the command name "(...)": state is field 3, nice is field 19.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  });
}

describe('NicedBcryptHasher', () => {
  const setup = (workers = 2) => new NicedBcryptHasher(4, workers);

  it('hashes with bcrypt and verifies the right password only', async () => {
    const hasher = setup();
    const hash = await hasher.hash('correct horse');
    expect(hash).to.match(/^\$2[aby]\$04\$/);
    expect(await hasher.verify('correct horse', hash)).to.equal(true);
    expect(await hasher.verify('wrong horse', hash)).to.equal(false);
  });

  it('serves more requests than it has workers, each with its own answer', async () => {
    const hasher = setup(2);
    const passwords = Array.from({ length: 6 }, (_, i) => `password-${i}`);
    const hashes = await Promise.all(passwords.map((p) => hasher.hash(p)));
    const checks = await Promise.all(passwords.map((p, i) => hasher.verify(p, hashes[(i + 1) % 6]!)));
    expect(checks).to.deep.equal([false, false, false, false, false, false]);
    expect(await Promise.all(passwords.map((p, i) => hasher.verify(p, hashes[i]!)))).to.deep.equal(Array(6).fill(true));
  });

  it('runs its workers at the lowest priority, so hashing yields the core to the event loop', async function () {
    if (process.platform !== 'linux') this.skip();
    const before = threadNiceValues().filter((nice) => nice === 19).length;
    const hasher = setup(2);
    await Promise.all([hasher.hash('a password'), hasher.hash('another one')]);
    // At least: a worker of an earlier test's pool may still be on its way out, or in.
    expect(threadNiceValues().filter((nice) => nice === 19).length).to.be.at.least(before + 2);
  });

  it('rejects a malformed hash instead of crashing', async () => {
    const error = await setup(1)
      .verify('x', 'not a bcrypt hash')
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    // bcrypt answers false or an error for a hash it cannot read; either way nothing crashes.
    expect(error === undefined || error instanceof Error).to.equal(true);
  });

  it("rejects with bcrypt's own error, and the worker goes on serving", async () => {
    const hasher = setup(1);
    const error = await hasher.hash(undefined as unknown as string).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error)
      .to.be.instanceOf(Error)
      .with.property('message')
      .that.matches(/arguments required/);
    expect(await hasher.verify('x', await hasher.hash('x'))).to.equal(true);
  });

  it('refuses work once closed, instead of waiting for a worker that will not come', async () => {
    const hasher = setup(1);
    await hasher.close();
    const error = await hasher.hash('too late').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(Error);
  });

  it('lets the hash in flight finish on close and fails the ones still waiting, so nothing hangs', async () => {
    const hasher = new NicedBcryptHasher(10, 1);
    const inFlight = hasher.hash('first');
    const waiting = hasher.hash('second').then(
      () => 'hashed',
      (e: unknown) => (e instanceof Error ? 'failed' : 'odd'),
    );
    // hash() hands 'first' to the idle worker at once and queues 'second': close() finds one in flight, one waiting.
    await hasher.close();
    expect(await inFlight).to.match(/^\$2[aby]\$10\$/);
    expect(await waiting).to.equal('failed');
  });

  it('survives being closed again and again right after starting and mid-hash', async () => {
    // Terminating a thread inside bcrypt's native code aborted the whole process once.
    for (let i = 0; i < 30; i++) {
      const hasher = setup(2);
      const work = [hasher.hash('x'), hasher.verify('x', '$2b$04$abcdefghijklmnopqrstuu')].map((p) => p.catch(() => undefined));
      await new Promise((resolve) => setTimeout(resolve, i % 5));
      await hasher.close();
      await Promise.all(work);
    }
  });
});
