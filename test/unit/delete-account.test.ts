import { expect } from 'chai';
import { DeleteAccount } from '../../src/application/delete-account.js';
import { Login } from '../../src/application/login.js';
import { Register } from '../../src/application/register.js';
import { accountFakes, LAPTOP, PASSWORD, PHONE } from '../support/account-fakes.js';
import { expectRejectsCode } from '../support/expect-domain-error.js';

async function setup() {
  const fakes = accountFakes();
  const phone = await fakes.loggedIn('Alice', PHONE);
  const laptop = await fakes.loggedIn('Alice', LAPTOP, 'refresh');
  const deleteAccount = new DeleteAccount(fakes.users, fakes.check, fakes.sessions, fakes.revocations, fakes.clock);
  const remove = (password: string) => deleteAccount.execute({ principal: phone.principal, password });
  return { ...fakes, phone, laptop, remove };
}

describe('DeleteAccount', () => {
  it('ends every session of the account, this one included, on every node', async () => {
    const { remove, revocations, phone, laptop } = await setup();
    await remove(PASSWORD);
    expect(revocations.published).to.have.length(1);
    expect(revocations.published[0]?.sessionIds).to.have.members([phone.issued.sessionId, laptop.issued.sessionId]);
    expect(revocations.published[0]?.reason).to.equal('account_deleted');
  });

  it('forgets the password: nobody logs in to it again, the old password included', async () => {
    const { remove, users, check, issuer } = await setup();
    await remove(PASSWORD);
    const tombstone = await users.findByUsername('alice');
    expect(tombstone).to.deep.include({ username: 'Alice', passwordHash: undefined });
    expect(tombstone?.deletedAt).to.be.instanceOf(Date);
    await expectRejectsCode(new Login(users, check, issuer).execute({ username: 'Alice', password: PASSWORD }), 'INVALID_CREDENTIALS');
  });

  it('keeps the name taken, in any case, so that nobody can register it to speak as the deleted user', async () => {
    const { remove, users, hasher, issuer } = await setup();
    await remove(PASSWORD);
    await expectRejectsCode(new Register(users, hasher, issuer).execute({ username: 'aLiCe', password: 'someone else entirely' }), 'USERNAME_TAKEN');
  });

  it('refuses a wrong password as WRONG_PASSWORD, after one comparison, changing nothing', async () => {
    const { remove, users, revocations, hasher } = await setup();
    await expectRejectsCode(remove('not my password'), 'WRONG_PASSWORD');
    expect(hasher.verifyCalls).to.equal(1);
    expect((await users.findByUsername('alice'))?.deletedAt).to.equal(undefined);
    expect(revocations.published).to.deep.equal([]);
  });
});
