import { expect } from 'chai';
import { Authenticate } from '../../src/application/authenticate.js';
import { FakeTokenService } from '../fakes/fake-token-service.js';
import { FixedClock } from '../fakes/fixed-clock.js';
import { expectThrowsCode } from '../support/expect-domain-error.js';

function setup() {
  const clock = new FixedClock();
  const tokens = new FakeTokenService(clock, 60_000);
  const authenticate = new Authenticate(tokens);
  return { authenticate, tokens, clock };
}

describe('Authenticate', () => {
  it("returns the identity of a valid token for the frame's username", () => {
    const { authenticate, tokens } = setup();
    const { token, expiresAt } = tokens.issue('Alice');
    expect(authenticate.execute({ token, username: 'Alice' })).to.deep.equal({ username: 'Alice', expiresAt });
  });

  it("accepts the frame's username in another case, keeping the token's spelling", () => {
    const { authenticate, tokens } = setup();
    const { token } = tokens.issue('Alice');
    expect(authenticate.execute({ token, username: 'aLICE' }).username).to.equal('Alice');
  });

  it('refuses a token of another user as USERNAME_MISMATCH', () => {
    const { authenticate, tokens } = setup();
    const { token } = tokens.issue('Alice');
    expectThrowsCode(() => authenticate.execute({ token, username: 'bob' }), 'USERNAME_MISMATCH');
  });

  it("refuses a frame username that only begins like the token's as USERNAME_MISMATCH", () => {
    const { authenticate, tokens } = setup();
    const { token } = tokens.issue('Alice');
    expectThrowsCode(() => authenticate.execute({ token, username: 'Alice2' }), 'USERNAME_MISMATCH');
  });

  it('refuses a malformed token as INVALID_TOKEN', () => {
    const { authenticate } = setup();
    expectThrowsCode(() => authenticate.execute({ token: 'not-a-token', username: 'Alice' }), 'INVALID_TOKEN');
  });

  it('refuses an expired token as INVALID_TOKEN', () => {
    const { authenticate, tokens, clock } = setup();
    const { token } = tokens.issue('Alice');
    clock.advance(60_000);
    expectThrowsCode(() => authenticate.execute({ token, username: 'Alice' }), 'INVALID_TOKEN');
  });
});
