import { Redis } from 'ioredis';

/** The CI machine's Redis; override with REDIS_URL. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** In CI the Redis suites must run: an unreachable server fails them instead of skipping. */
const REDIS_REQUIRED = Boolean(process.env.CI) || process.env.REQUIRE_REDIS === '1';

let reachable: Promise<boolean> | undefined;

/** Whether a Redis answers PING at `url` now; never throws. */
export async function answersPing(url = REDIS_URL): Promise<boolean> {
  const client = adminClient(url).on('error', () => undefined);
  try {
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** Skips the test (fails it in CI, or with REQUIRE_REDIS=1) when Redis cannot be reached. */
export async function requireRedis(context: Mocha.Context): Promise<void> {
  reachable ??= answersPing();
  if (await reachable) return;
  if (REDIS_REQUIRED) throw new Error(`Redis is required but not reachable at ${REDIS_URL}`);
  console.warn(`    (skipped: no Redis at ${REDIS_URL}; start one or set REDIS_URL)`);
  context.skip();
}

let channelCounter = 0;

/** A channel nobody else uses, so suites (and runs on one machine) do not hear each other. */
export function uniqueChannel(label: string): string {
  channelCounter += 1;
  return `test:${process.pid}:${Date.now()}:${channelCounter}:${label}`;
}

/** A plain connection that gives up at once instead of retrying: for the tests' own commands. */
export function adminClient(url = REDIS_URL): Redis {
  return new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2000, lazyConnect: false });
}

/**
 * CLIENT KILL for the connections whose name starts with `namePrefix`
 * (RedisFanout names its connections `<channel>:pub` and `<channel>:sub`),
 * so a test cuts its own connections and no one else's on a shared Redis.
 * Returns how many were killed.
 */
export async function killConnections(namePrefix: string): Promise<number> {
  const admin = adminClient();
  try {
    const list = (await admin.client('LIST')) as string;
    let killed = 0;
    for (const line of list.split('\n')) {
      const name = /(?:^| )name=(\S*)/.exec(line)?.[1];
      const id = /(?:^| )id=(\d+)/.exec(line)?.[1];
      if (!name?.startsWith(namePrefix) || !id) continue;
      killed += Number(await admin.client('KILL', 'ID', id));
    }
    return killed;
  } finally {
    admin.disconnect();
  }
}

/** Names of the connections open on Redis whose name starts with `namePrefix`. */
export async function connectionNames(namePrefix: string): Promise<string[]> {
  const admin = adminClient();
  try {
    const list = (await admin.client('LIST')) as string;
    return list
      .split('\n')
      .map((line) => /(?:^| )name=(\S*)/.exec(line)?.[1])
      .filter((name): name is string => name !== undefined && name.startsWith(namePrefix));
  } finally {
    admin.disconnect();
  }
}
