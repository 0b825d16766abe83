import { PasswordCheck } from '../../src/application/password-check.js';
import type { SessionPolicy } from '../../src/application/ports.js';
import { SessionIssuer } from '../../src/application/session-issuer.js';
import { VerifyAccess, type Principal } from '../../src/application/verify-access.js';
import type { Device, SessionKind } from '../../src/domain/session.js';
import { FakePasswordHasher } from '../fakes/fake-password-hasher.js';
import { FakeTokenService } from '../fakes/fake-token-service.js';
import { FixedClock } from '../fakes/fixed-clock.js';
import { InMemorySessionRepository } from '../fakes/in-memory-session-repository.js';
import { InMemoryUserRepository } from '../fakes/in-memory-user-repository.js';
import { RecordingRevocations } from '../fakes/recording-revocations.js';
import { SequentialSecretTokens } from '../fakes/sequential-secret-tokens.js';

export const PASSWORD = 'correct horse battery';
export const PHONE: Device = { userAgent: 'Phone/1.0', address: '203.0.113.7' };
export const LAPTOP: Device = { userAgent: 'Laptop/2.0', address: '198.51.100.4' };

/** Round numbers, so that tests can count: a token session lives an hour, an access token a minute, a refresh session two hours. */
export const POLICY: SessionPolicy = { tokenTtlSeconds: 3600, accessTtlSeconds: 60, refreshTtlSeconds: 7200 };

/** The ports of the account use cases, in memory, on one clock; and the helpers they share. */
export function accountFakes(policy: SessionPolicy = POLICY) {
  const clock = new FixedClock();
  const users = new InMemoryUserRepository();
  const sessions = new InMemorySessionRepository(users);
  const hasher = new FakePasswordHasher();
  const tokens = new FakeTokenService(clock, policy.tokenTtlSeconds * 1000);
  const secrets = new SequentialSecretTokens();
  const revocations = new RecordingRevocations();
  const check = new PasswordCheck(hasher);
  const issuer = new SessionIssuer(sessions, tokens, secrets, clock, policy);
  const verifyAccess = new VerifyAccess(tokens, sessions, users, clock);

  /** A registered user, its calls to the hasher forgotten. */
  const user = async (username = 'alice', password = PASSWORD) => {
    const created = await users.create({ username, passwordHash: await hasher.hash(password) });
    hasher.hashCalls = 0;
    return created;
  };
  /** A user logged in from `device`: its session and token, and the principal an account request of it is. */
  const loggedIn = async (username = 'alice', device: Device = PHONE, kind: SessionKind = 'token') => {
    const account = (await users.findByUsername(username)) ?? (await user(username));
    const issued = await issuer.open(account, device, kind);
    const principal: Principal = await verifyAccess.execute({ token: issued.token });
    hasher.verifyCalls = 0;
    return { issued, principal };
  };
  return { clock, users, sessions, hasher, tokens, secrets, revocations, check, issuer, verifyAccess, policy, user, loggedIn };
}
