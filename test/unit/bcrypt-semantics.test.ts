import { expect } from 'chai';
import { NicedBcryptHasher } from '../../src/adapters/security/niced-bcrypt-hasher.js';

function setup() {
  // The lowest cost bcrypt allows: fast enough for unit tests.
  return { hasher: new NicedBcryptHasher(4, 1) };
}

describe('NicedBcryptHasher: what bcrypt itself does', () => {
  it('produces a bcrypt hash at the given cost, not the password', async () => {
    const { hasher } = setup();
    const hash = await hasher.hash('correct horse');
    expect(hash).to.match(/^\$2b\$04\$/);
    expect(hash).not.to.include('correct horse');
  });

  it('salts: the same password hashes differently twice', async () => {
    const { hasher } = setup();
    expect(await hasher.hash('correct horse')).not.to.equal(await hasher.hash('correct horse'));
  });

  it('verifies the right password as true', async () => {
    const { hasher } = setup();
    expect(await hasher.verify('correct horse', await hasher.hash('correct horse'))).to.equal(true);
  });

  it('verifies a wrong password as false', async () => {
    const { hasher } = setup();
    expect(await hasher.verify('correct horsE', await hasher.hash('correct horse'))).to.equal(false);
  });

  it('handles multi-byte passwords', async () => {
    const { hasher } = setup();
    const hash = await hasher.hash('pässwörd😀');
    expect(await hasher.verify('pässwörd😀', hash)).to.equal(true);
    expect(await hasher.verify('passwörd😀', hash)).to.equal(false);
  });

  it('ignores bytes past 72, which is why Login refuses longer passwords itself', async () => {
    const { hasher } = setup();
    const real = 'p'.repeat(72);
    expect(await hasher.verify(`${real}anything`, await hasher.hash(real))).to.equal(true);
  });

  it('reads a lone surrogate as U+FFFD, which is why Login refuses ill-formed passwords itself', async () => {
    const { hasher } = setup();
    expect(await hasher.verify('pass\uD800word', await hasher.hash('pass\uFFFDword'))).to.equal(true);
  });
});
