import type { Clock, SessionRepository } from './ports.js';

/** How long an ended or expired session is kept before it is forgotten. */
export const ENDED_SESSION_LIFETIME_MS = 24 * 60 * 60 * 1000;

/** Every login makes a session: those long over do not pile up in the store. */
export class PruneSessions {
  constructor(
    private readonly sessions: SessionRepository,
    private readonly clock: Clock,
  ) {}

  execute(): Promise<number> {
    return this.sessions.prune(new Date(this.clock.now().getTime() - ENDED_SESSION_LIFETIME_MS));
  }
}
