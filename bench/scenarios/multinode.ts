/**
 * multinode: the fan-out ramp (fanout-ramp.ts) on two nodes, as
 * docs/deploy.md runs them: two server processes on the same PostgreSQL
 * database and JWT secret, REDIS_URL set and a REDIS_CHANNEL of their own,
 * the receivers and senders split evenly between them. Every message is
 * stored by one node, delivered by it to its half of the room, published
 * on Redis, and delivered by the other node to the other half, in id order
 * without gaps (which every receiver checks).
 *
 * Where the nodes run (--multinode-layout) decides what the comparison with
 * one node says:
 *  - shared: both nodes on the server core, the load on its own core, as in
 *    `fanout`. The same CPU budget as one node, so the difference is what
 *    the second process and the Redis hop cost.
 *  - spread: a node per core, the load unpinned between them: whether a
 *    second node adds capacity on this machine. The load (and PostgreSQL and
 *    Redis) then take their CPU from the nodes' cores; its CPU and lateness
 *    are in each row.
 *
 * PostgreSQL only: the embedded database belongs to the one process that
 * opens it. Without Redis it is skipped, except in CI, where it fails.
 */
import { randomBytes } from 'node:crypto';
import { HOST, sleep } from '../harness.js';
import { probeRedis, REDIS_REQUIRED, type RedisProbe } from '../redis.js';
import type { DbTarget } from '../prefill.js';
import type { ServerProcess } from '../server-process.js';
import { openFanoutRoom, RECEIVERS, runFanoutRamp, SENDERS, type FanoutRoom } from './fanout-ramp.js';
import type { CaseResult, ScenarioContext, ScenarioOutput } from './types.js';

const NODES = 2;
const READY_TIMEOUT_MS = 15_000;

function skipped(reason: string): ScenarioOutput {
  return { cases: [], summary: { skipped: reason }, notes: [], skipped: reason };
}

/**
 * What running two nodes here takes: PostgreSQL (the embedded database is
 * opened by one process) and Redis. The Redis found, or why the scenario is
 * skipped; without Redis in CI it throws instead, as CI must run it.
 */
export async function twoNodeRedis(ctx: ScenarioContext): Promise<{ redis: RedisProbe & { ok: true } } | { skipped: ScenarioOutput }> {
  if (ctx.db !== 'postgres') {
    return { skipped: skipped('PostgreSQL only: the embedded database (PGlite) is opened by one process, so two nodes cannot share it') };
  }
  const redis = await probeRedis(ctx.redisUrl);
  if (redis.ok) return { redis };
  if (REDIS_REQUIRED) throw new Error(`Redis is required (CI) but not reachable at ${ctx.redisUrl}: ${redis.error}`);
  return { skipped: skipped(`no Redis at ${ctx.redisUrl} (${redis.error}); start one or pass --redis-url`) };
}

/** /readyz answers 200 once the node has its database and its Redis subscription. */
async function waitReady(server: ServerProcess): Promise<void> {
  const deadline = performance.now() + READY_TIMEOUT_MS;
  let last = '';
  while (performance.now() < deadline) {
    server.assertAlive();
    try {
      const response = await fetch(`http://${HOST}:${server.port}/readyz`);
      last = `${response.status} ${await response.text()}`;
      if (response.status === 200) return;
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(100);
  }
  throw new Error(`node on port ${server.port} not ready after ${READY_TIMEOUT_MS} ms: ${last}`);
}

/**
 * Starts the nodes of one deployment on `target`, sharing a Redis channel of
 * their own (unique per run and label: nodes of other runs or tests on the
 * same Redis do not hear them), one after the other and each ready before
 * the next (the first runs the migrations, already a no-op on a scratch
 * database). Each joins `servers` as it starts, so the caller stops those
 * that did when a later one fails. Returns the channel.
 */
export async function startNodes(
  ctx: ScenarioContext,
  target: DbTarget,
  label: string,
  cpus: ReadonlyArray<number | null | undefined>,
  servers: ServerProcess[],
): Promise<string> {
  const channel = `bench:${ctx.runId}:${label}:${randomBytes(4).toString('hex')}`;
  for (const cpu of cpus) {
    const server = await ctx.startServer(target, { REDIS_URL: ctx.redisUrl, REDIS_CHANNEL: channel }, { cpu });
    servers.push(server);
    await waitReady(server);
  }
  return channel;
}

interface Layout {
  name: string;
  /** Case names start with it. */
  label: string;
  /** Each node's core (null: unpinned). */
  cpus: Array<number | null>;
  /** Where the load runs meanwhile: 'default' (its own core) or a taskset list. */
  load: string;
  describe: string;
}

function layoutOf(name: string, ctx: ScenarioContext): Layout {
  const { server, load } = ctx.pinning;
  if (server === null || load === null) {
    return { name: 'unpinned', label: '2 nodes unpinned: ', cpus: [null, null], load: 'default', describe: 'nodes and load unpinned (the run is unpinned)' };
  }
  if (name === 'shared') {
    return {
      name,
      label: `2 nodes on core ${server}: `,
      cpus: [server, server],
      load: 'default',
      describe: `both nodes on core ${server}, load on core ${load}: one node's CPU budget`,
    };
  }
  if (name === 'spread') {
    return {
      name,
      label: `2 nodes, cores ${server}+${load}: `,
      cpus: [server, load],
      load: `${server},${load}`,
      describe: `node A on core ${server}, node B on core ${load}, load unpinned on both`,
    };
  }
  throw new Error(`unknown multinode layout "${name}" (shared, spread)`);
}

export async function multinode(ctx: ScenarioContext): Promise<ScenarioOutput> {
  const prerequisites = await twoNodeRedis(ctx);
  if ('skipped' in prerequisites) return prerequisites.skipped;
  const { redis } = prerequisites;
  // An unpinned run has one layout only: both would be the same.
  const layouts = [...new Map(ctx.multinodeLayouts.map((name) => layoutOf(name, ctx)).map((layout) => [layout.name, layout])).values()];

  const cases: CaseResult[] = [];
  const summary: ScenarioOutput['summary'] = { receivers: RECEIVERS, senders: SENDERS, nodes: NODES };
  const notes: string[] = [
    `Redis ${redis.version} at ${ctx.redisUrl}${redis.pid === undefined ? ' (not on this machine, or its process not found: its CPU is not counted)' : ` (pid ${redis.pid}; its CPU is in each row's note)`}`,
  ];
  for (const layout of layouts) {
    const target = await ctx.databases.scratch('postgres');
    const servers: ServerProcess[] = [];
    let room: FanoutRoom | undefined;
    let repinned = false;
    let stopFailure: PromiseRejectedResult | undefined;
    try {
      const channel = await startNodes(ctx, target, layout.name, layout.cpus, servers);
      if (layout.load !== 'default') {
        if (!ctx.pinLoad(layout.load)) throw new Error(`could not move the load to cores ${layout.load}`);
        repinned = true;
      }
      ctx.log(`multinode ${layout.name}: ${layout.describe}; channel ${channel}`);
      room = await openFanoutRoom(ctx, servers, `m${layout.name[0]}`);
      const ramp = await runFanoutRamp(ctx, room, { label: layout.label, pgDbs: [target.pgDatabase!], redisPid: redis.pid });
      cases.push(...ramp.cases);
      notes.push(`${layout.name}: ${layout.describe}`, ...ramp.notes);
      summary[`${layout.name}_held_msgs_per_s`] = ramp.bestRate;
      summary[`${layout.name}_held_deliveries_per_s`] = ramp.best?.throughput ?? 0;
      summary[`${layout.name}_held_p99_ms`] = ramp.best?.latency?.p99 ?? null;
      summary[`${layout.name}_first_missed_msgs_per_s`] = ramp.missedRate ?? null;
    } finally {
      if (repinned) ctx.pinLoad('default');
      // Both are stopped even when the first does not exit cleanly; then the first failure is reported.
      const stopped = await Promise.allSettled(servers.map((server) => ctx.stopServer(server)));
      room?.close();
      stopFailure = stopped.find((result) => result.status === 'rejected');
    }
    // Thrown after the finally, not in it: there it would replace the run's own error.
    if (stopFailure) throw stopFailure.reason;
  }
  notes.push(
    `deliveries/s = msg/s x ${RECEIVERS + SENDERS} connections over both nodes (${RECEIVERS} receivers + ${SENDERS} senders, half on each); ` +
      'every connection checks its ids (in order, no gap, no repeat): a violation fails the run',
  );
  return { cases, summary, notes };
}
