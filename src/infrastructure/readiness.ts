import type { Knex } from 'knex';
import type { ReadinessProbe } from '../application/ports.js';

/**
 * `SELECT 1` through the pool. While one is unanswered (a partitioned
 * network answers nothing), later checks wait for it instead of sending
 * more, so a readiness poll cannot fill the pool; the HTTP edge stops
 * waiting after PROBE_TIMEOUT_MS, and the pool's own query timeout ends it.
 */
export function databaseProbe(db: Knex): ReadinessProbe {
  let inFlight: Promise<boolean> | undefined;
  return {
    name: 'database',
    notReady: 'unreachable',
    check() {
      inFlight ??= db
        .raw('SELECT 1')
        .then(
          () => true,
          () => false,
        )
        .finally(() => (inFlight = undefined));
      return inFlight;
    },
  };
}

/** Ready until a graceful stop begins: from then on, load balancers should send new clients elsewhere. */
export class ShutdownProbe implements ReadinessProbe {
  readonly name = 'shutdown';
  readonly notReady = 'shutting down';
  private stopping = false;

  begin(): void {
    this.stopping = true;
  }

  check(): boolean {
    return !this.stopping;
  }
}
