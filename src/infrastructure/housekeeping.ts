import type { SearchIndexer } from '../adapters/persistence/search-indexer.js';
import type { Logger } from '../application/ports.js';
import type { PruneRooms } from '../application/prune-rooms.js';
import type { PruneSessions } from '../application/prune-sessions.js';
import type { SessionStates } from '../application/session-states.js';

const PRUNE_EVERY_MS = 60 * 60 * 1000;

export interface HousekeepingJobs {
  pruneRooms: PruneRooms;
  pruneSessions: PruneSessions;
  sessionStates: SessionStates;
  searchIndexer: SearchIndexer;
  logger: Logger;
  sessionCheckEveryMs: number;
}

/**
 * What a node does on its own besides chat: pruning rooms and sessions (at
 * start and hourly), the session check, search indexing. Each failure is
 * logged, not thrown. Returns the stop: no new run starts, and it resolves
 * when the runs in flight have ended, so that the database is not closed
 * under them.
 */
export function startHousekeeping({
  pruneRooms,
  pruneSessions,
  sessionStates,
  searchIndexer,
  logger,
  sessionCheckEveryMs,
}: HousekeepingJobs): () => Promise<void> {
  // Each run catches its own failure, so none of these rejects.
  const running = new Set<Promise<unknown>>();
  const track = (run: Promise<unknown>) => {
    running.add(run);
    void run.finally(() => running.delete(run));
  };
  const prune = () => {
    track(pruneRooms.execute().catch((error: unknown) => logger.warn('pruning rooms failed', { error })));
    track(pruneSessions.execute().catch((error: unknown) => logger.warn('pruning sessions failed', { error })));
  };
  // What a lost revocation left authorized ends within one interval: the bound docs/protocol.md promises.
  // An outage is logged once when it starts and once when it ends, not every interval.
  let checkFailing = false;
  const checkSessions = () =>
    track(
      sessionStates.recheck().then(
        () => {
          if (checkFailing) logger.info('session check restored');
          checkFailing = false;
        },
        (error: unknown) => {
          if (!checkFailing) logger.warn('session check failed; connections of sessions ended elsewhere stay authorized until it works', { error });
          checkFailing = true;
        },
      ),
    );
  const pruning = setInterval(prune, PRUNE_EVERY_MS).unref();
  const checking = setInterval(checkSessions, sessionCheckEveryMs).unref();
  prune();
  searchIndexer.start();
  return async () => {
    clearInterval(pruning);
    clearInterval(checking);
    await Promise.all([searchIndexer.stop(), ...running]);
  };
}
