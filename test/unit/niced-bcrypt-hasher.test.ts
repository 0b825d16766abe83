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
    expect(threadNiceValues().filter((nice) => nice === 19).length).to.equal(before + 2);
  });

  it('rejects a malformed hash instead of crashing', async () => {
    const error = await setup(1).verify('x', 'not a bcrypt hash').then(
      () => undefined,
      (e: unknown) => e,
    );
    // bcrypt answers false or an error for a hash it cannot read; either way nothing crashes.
    expect(error === undefined || error instanceof Error).to.equal(true);
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
});
