import { DomainError } from '../domain/errors.js';
import type { Clock, Revocations, SessionRepository } from './ports.js';
import type { Principal } from './verify-access.js';

/** Ends one of the owner's sessions (the current one too: that is logging out); its connections are told at once, on every node. */
export class RevokeSession {
  constructor(
    private readonly sessions: SessionRepository,
    private readonly revocations: Revocations,
    private readonly clock: Clock,
  ) {}

  async execute({ principal, sessionId }: { principal: Principal; sessionId: string }): Promise<void> {
    const ended = await this.sessions.end(principal.user.id, [sessionId], this.clock.now(), 'revoked');
    // Another user's session is as unknown as one that never was.
    if (ended.length === 0) throw new DomainError('UNKNOWN_SESSION', 'you have no open session with this id');
    this.revocations.publish({ sessionIds: ended, reason: 'revoked' });
  }
}
