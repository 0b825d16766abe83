/**
 * The Redis the multi-node scenario's servers share: whether it answers,
 * and which process it is (INFO server), so that its CPU can be counted on
 * its own when it runs on this machine.
 */
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';

export type RedisProbe = { ok: true; version: string; pid: number | undefined } | { ok: false; error: string };

/** In CI the multi-node scenario must run, as the Redis test suites must: no Redis fails it. */
export const REDIS_REQUIRED = Boolean(process.env.CI) || process.env.REQUIRE_REDIS === '1';

export async function probeRedis(url: string): Promise<RedisProbe> {
  // Gives up at once instead of retrying: this only asks whether Redis is there.
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2000 });
  // The cause (ECONNREFUSED, ...) comes as an 'error' event; the failed command only says the connection closed.
  let cause: string | undefined;
  client.on('error', (error: Error) => (cause ??= error.message));
  try {
    await client.connect();
    const info = await client.info('server');
    const field = (name: string) => new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim();
    const pid = Number(field('process_id'));
    const host = new URL(url).hostname;
    // The pid only means this machine's process when Redis listens here (and not in a container of its own).
    const local = (host === '127.0.0.1' || host === 'localhost' || host === '::1') && isRedisProcess(pid);
    return { ok: true, version: field('redis_version') ?? '?', pid: local ? pid : undefined };
  } catch (error) {
    return { ok: false, error: cause ?? (error instanceof Error ? error.message : String(error)) };
  } finally {
    client.disconnect();
  }
}

function isRedisProcess(pid: number): boolean {
  try {
    return Number.isInteger(pid) && readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith('redis');
  } catch {
    return false;
  }
}
