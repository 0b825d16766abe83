import type { Clock, Revocations, SessionRepository } from './ports.js';
import type { Principal } from './verify-access.js';

/** Ends every session of the owner, the current one included: a lost device is logged out with the rest. */
export class LogOutEverywhere {
  constructor(
    private readonly sessions: SessionRepository,
    private readonly revocations: Revocations,
    private readonly clock: Clock,
  ) {}

  async execute({ principal }: { principal: Principal }): Promise<number> {
    const ended = await this.sessions.end(principal.user.id, 'all', this.clock.now(), 'logged_out_everywhere');
    this.revocations.publish({ sessionIds: ended, reason: 'logged_out_everywhere' });
    return ended.length;
  }
}
