import pino from 'pino';
import { SystemClock } from '../adapters/clock/system-clock.js';
import { PinoLogger } from '../adapters/logging/pino-logger.js';
import { KnexSessionRepository } from '../adapters/persistence/knex-session-repository.js';
import { KnexUserRepository } from '../adapters/persistence/knex-user-repository.js';
import { InProcessRevocations } from '../adapters/revocations/in-process-revocations.js';
import { RedisRevocations } from '../adapters/revocations/redis-revocations.js';
import { ReinstateAccount } from '../application/reinstate-account.js';
import { SetRole } from '../application/set-role.js';
import { SuspendAccount } from '../application/suspend-account.js';
import type { Config } from './config.js';
import { openDatabase } from './database.js';

// The composition root of the operator's command line (src/admin.ts): the
// account use cases it runs and their adapters, and nothing of the server
// (no HTTP, WebSocket, fan-out or metrics), so that a command starts in a
// fraction of the server's time.

/** What the operator's command line (`npm run admin`) does to an account. */
export type AdminCommand = 'grant' | 'revoke' | 'suspend' | 'reinstate';

export interface Administration {
  run(command: AdminCommand, username: string): Promise<string>;
  close(): Promise<void>;
}

/** How long the command line waits for Redis before ending sessions without telling the nodes at once. */
const ADMIN_REDIS_WAIT_MS = 3000;

/**
 * The operator's use cases on the server's own settings and database (and
 * Redis, so that a suspension reaches every node at once; without it the
 * nodes find it at their next session check).
 */
export async function createAdministration(config: Config): Promise<Administration> {
  // Only what goes wrong is logged, as JSON on stderr: stdout is the command's one line.
  const logger = new PinoLogger('warn', pino.destination({ dest: 2, sync: true }));
  const db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, logger });
  const redisRevocations = config.redisUrl ? new RedisRevocations({ url: config.redisUrl, channel: config.redisChannel, logger }) : undefined;
  const deadline = Date.now() + ADMIN_REDIS_WAIT_MS;
  while (redisRevocations && !redisRevocations.isReady() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  if (redisRevocations && !redisRevocations.isReady()) {
    logger.warn('redis unreachable: running nodes end the sessions at their next session check (SESSION_CHECK_INTERVAL)');
  }
  const users = new KnexUserRepository(db);
  const sessions = new KnexSessionRepository(db);
  const clock = new SystemClock();
  const revocations = redisRevocations ?? new InProcessRevocations();
  const setRole = new SetRole(users);
  const suspend = new SuspendAccount(users, sessions, revocations, clock);
  const reinstate = new ReinstateAccount(users);
  return {
    async run(command, username) {
      switch (command) {
        case 'grant':
          return `${(await setRole.execute({ username, role: 'administrator' })).username} is an administrator`;
        case 'revoke':
          return `${(await setRole.execute({ username, role: 'member' })).username} is a member`;
        case 'suspend':
          return `${(await suspend.execute({ actor: 'operator', username })).username} is suspended; its sessions have ended`;
        case 'reinstate':
          return `${(await reinstate.execute({ actor: 'operator', username })).username} may log in again`;
      }
    },
    async close() {
      await redisRevocations?.close();
      await db.destroy();
    },
  };
}
