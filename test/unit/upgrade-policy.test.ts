import { expect } from 'chai';
import { resumeCursor } from '../../src/adapters/ws/upgrade-policy.js';

describe('resumeCursor', () => {
  it('is absent from a URL without a query', () => {
    expect(resumeCursor('/ws')).to.equal(undefined);
    expect(resumeCursor('/')).to.equal(undefined);
  });

  it('is absent from a query without "after"', () => {
    expect(resumeCursor('/ws?room=general')).to.equal(undefined);
  });

  it('reads "after" as a message id', () => {
    expect(resumeCursor('/ws?after=1040')).to.equal(1040);
    expect(resumeCursor('/?x=1&after=0')).to.equal(0);
  });

  it('ignores a fragment, as a URL parser does', () => {
    expect(resumeCursor('/ws?after=7#x')).to.equal(7);
    expect(resumeCursor('/ws#?after=7')).to.equal(undefined);
  });

  it('refuses an "after" that is not a whole number of at least 0', () => {
    for (const bad of ['-1', '1.5', 'abc', '', '99999999999999999']) {
      expect(resumeCursor(`/ws?after=${bad}`), bad).to.include({ status: 400, code: 'INVALID_HISTORY_QUERY' });
    }
  });
});
