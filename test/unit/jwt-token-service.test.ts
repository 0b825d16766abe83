import { expect } from 'chai';
import jwt from 'jsonwebtoken';
import { JwtTokenService } from '../../src/adapters/security/jwt-token-service.js';
import { expectThrowsCode } from '../support/expect-domain-error.js';

const SECRET = 'a test secret that is at least 32 bytes long';
const TTL_SECONDS = 900;

function setup() {
  const tokens = new JwtTokenService(SECRET);
  const nowSeconds = Math.floor(Date.now() / 1000);
  const issue = (username: string, sessionId = 'session-1') => tokens.issue({ username, sessionId }, new Date(Date.now() + TTL_SECONDS * 1000));
  return { tokens, nowSeconds, issue };
}

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('JwtTokenService', () => {
  describe('issue', () => {
    it('signs with HS256, the username as subject, the session as sid and the expiry asked, to the second', () => {
      const { nowSeconds, issue } = setup();
      const { token, expiresAt } = issue('Alice');
      const decoded = jwt.verify(token, SECRET, { algorithms: ['HS256'], complete: true });
      const payload = decoded.payload as jwt.JwtPayload;
      expect(decoded.header.alg).to.equal('HS256');
      expect(payload.sub).to.equal('Alice');
      expect(payload.sid).to.equal('session-1');
      expect(payload.exp).to.be.within(nowSeconds + TTL_SECONDS, nowSeconds + TTL_SECONDS + 2);
      expect(expiresAt.getTime()).to.equal((payload.exp as number) * 1000);
    });

    it('issues tokens that verify back to the same identity', () => {
      const { tokens, issue } = setup();
      const { token, expiresAt } = issue('Alice');
      expect(tokens.verify(token)).to.deep.equal({ username: 'Alice', expiresAt, sessionId: 'session-1' });
    });
  });

  describe('verify', () => {
    it('accepts an HS256 token with sub, sid and exp signed with the secret', () => {
      const { tokens, nowSeconds } = setup();
      const token = jwt.sign({ sub: 'bob', sid: 's', exp: nowSeconds + 60 }, SECRET, { algorithm: 'HS256' });
      expect(tokens.verify(token)).to.deep.equal({ username: 'bob', expiresAt: new Date((nowSeconds + 60) * 1000), sessionId: 's' });
    });

    it('refuses a token that names no session (issued before sessions existed) as INVALID_TOKEN', () => {
      const { tokens, nowSeconds } = setup();
      for (const sid of [undefined, '', 42]) {
        const token = jwt.sign({ sub: 'bob', exp: nowSeconds + 60, ...(sid === undefined ? {} : { sid }) }, SECRET, { algorithm: 'HS256' });
        expectThrowsCode(() => tokens.verify(token), 'INVALID_TOKEN');
      }
    });

    it('refuses alg "none" as INVALID_TOKEN', () => {
      const { tokens, nowSeconds } = setup();
      const token = jwt.sign({ sub: 'alice', exp: nowSeconds + 60 }, null, { algorithm: 'none' });
      expect(jwt.decode(token, { complete: true })?.header.alg).to.equal('none');
      expectThrowsCode(() => tokens.verify(token), 'INVALID_TOKEN');
    });

    it('refuses a token signed with another secret as INVALID_TOKEN', () => {
      const { tokens, nowSeconds } = setup();
      const token = jwt.sign({ sub: 'alice', exp: nowSeconds + 60 }, `${SECRET}!`, { algorithm: 'HS256' });
      expectThrowsCode(() => tokens.verify(token), 'INVALID_TOKEN');
    });

    it('refuses a token signed with the secret but another algorithm as INVALID_TOKEN', () => {
      const { tokens, nowSeconds } = setup();
      const token = jwt.sign({ sub: 'alice', exp: nowSeconds + 60 }, SECRET, { algorithm: 'HS512' });
      expectThrowsCode(() => tokens.verify(token), 'INVALID_TOKEN');
    });

    it('refuses a token whose payload was changed after signing as INVALID_TOKEN', () => {
      const { tokens, nowSeconds } = setup();
      const token = jwt.sign({ sub: 'alice', exp: nowSeconds + 60 }, SECRET, { algorithm: 'HS256' });
      const [header, , signature] = token.split('.');
      const tampered = `${header}.${base64url({ sub: 'admin', exp: nowSeconds + 60 })}.${signature}`;
      expect(jwt.decode(tampered)).to.include({ sub: 'admin' });
      expectThrowsCode(() => tokens.verify(tampered), 'INVALID_TOKEN');
    });

    it('refuses an expired token as INVALID_TOKEN', () => {
      const { tokens, nowSeconds } = setup();
      const token = jwt.sign({ sub: 'alice', exp: nowSeconds - 10 }, SECRET, { algorithm: 'HS256' });
      expectThrowsCode(() => tokens.verify(token), 'INVALID_TOKEN');
    });

    it('refuses a token without exp as INVALID_TOKEN', () => {
      const { tokens } = setup();
      const token = jwt.sign({ sub: 'alice' }, SECRET, { algorithm: 'HS256', noTimestamp: true });
      expect(jwt.verify(token, SECRET)).to.include({ sub: 'alice' });
      expectThrowsCode(() => tokens.verify(token), 'INVALID_TOKEN');
    });

    it('refuses a token without sub as INVALID_TOKEN', () => {
      const { tokens, nowSeconds } = setup();
      const token = jwt.sign({ exp: nowSeconds + 60 }, SECRET, { algorithm: 'HS256' });
      expectThrowsCode(() => tokens.verify(token), 'INVALID_TOKEN');
    });

    it('refuses a signed string payload as INVALID_TOKEN', () => {
      const { tokens } = setup();
      const token = jwt.sign('alice', SECRET, { algorithm: 'HS256' });
      expectThrowsCode(() => tokens.verify(token), 'INVALID_TOKEN');
    });

    for (const token of ['', 'garbage', 'a.b.c']) {
      it(`refuses ${JSON.stringify(token)} as INVALID_TOKEN`, () => {
        const { tokens } = setup();
        expectThrowsCode(() => tokens.verify(token), 'INVALID_TOKEN');
      });
    }
  });
});
