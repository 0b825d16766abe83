import type { LoginSession } from '../domain/session.js';
import type { Clock, SessionRepository } from './ports.js';
import type { Principal } from './verify-access.js';

export interface ListedSession {
  readonly session: LoginSession;
  /** The session of the request that asked. */
  readonly current: boolean;
}

/** The owner's open sessions, the latest seen first: the devices logged in, and from where. */
export class ListSessions {
  constructor(
    private readonly sessions: SessionRepository,
    private readonly clock: Clock,
  ) {}

  async execute({ principal }: { principal: Principal }): Promise<ListedSession[]> {
    const open = await this.sessions.listOpen(principal.user.id, this.clock.now());
    return open.map((session) => ({ session, current: session.id === principal.session.id }));
  }
}
