/**
 * node-cost: what a second node costs per delivery. One node and a pair of
 * nodes on one Redis channel (as in `multinode`) run side by side, each
 * deployment on a database of its own and every server process on the
 * server core, so each has the same CPU budget. Their fan-out rooms take
 * turns at the same fixed rate (1-2-2-1, 1-2-2-1, ...: a drift of the
 * host's speed within a round falls on both alike), and each round gives
 * one ratio: the pair's server CPU per delivery over the single node's.
 *
 * `multinode` measures its pair minutes after `fanout` measured the single
 * node, and this host's speed moves by a quarter from one minute to the
 * next: the ratio it gives is mostly that drift. PostgreSQL only, like
 * `multinode`; without Redis it is skipped, except in CI, where it fails.
 */
import type { ServerProcess } from '../server-process.js';
import { fanoutStepper, openFanoutRoom, type FanoutRoom, type StepOutcome } from './fanout-ramp.js';
import { startNodes, twoNodeRedis } from './multinode.js';
import type { CaseResult, ScenarioContext, ScenarioOutput } from './types.js';

/** Low enough that neither deployment fills the core: a full core would cap both and hide the difference. */
const RATES = [30, 50];
const ROUNDS = 3;

interface Deployment {
  name: string;
  servers: ServerProcess[];
  room?: FanoutRoom;
  step?: (rate: number) => Promise<StepOutcome>;
}

/** Server CPU (percent of a core, every process of the deployment) per thousand deliveries a second. */
function costOf(result: CaseResult): number {
  return (result.window!.serverCpu / result.throughput) * 1000;
}

const mean = (values: readonly number[]): number => values.reduce((sum, value) => sum + value, 0) / values.length;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export async function nodeCost(ctx: ScenarioContext): Promise<ScenarioOutput> {
  const prerequisites = await twoNodeRedis(ctx);
  if ('skipped' in prerequisites) return prerequisites.skipped;
  const { redis } = prerequisites;
  const rates = ctx.fanoutRates ?? (ctx.quick ? [50] : RATES);
  const rounds = ctx.quick ? 1 : ROUNDS;
  const core = ctx.pinning.server;
  const single: Deployment = { name: '1 node', servers: [] };
  const pair: Deployment = { name: '2 nodes', servers: [] };
  const cases: CaseResult[] = [];
  const summary: ScenarioOutput['summary'] = { rounds };
  const notes: string[] = [];
  let stopFailure: PromiseRejectedResult | undefined;
  try {
    const singleTarget = await ctx.databases.scratch('postgres', 'one');
    const pairTarget = await ctx.databases.scratch('postgres');
    single.servers.push(await ctx.startServer(singleTarget));
    await startNodes(ctx, pairTarget, 'node-cost', [undefined, undefined], pair.servers);
    for (const [deployment, target, prefix] of [
      [single, singleTarget, 'c1'],
      [pair, pairTarget, 'c2'],
    ] as const) {
      deployment.room = await openFanoutRoom(ctx, deployment.servers, prefix);
      deployment.step = fanoutStepper(ctx, deployment.room, { label: `${deployment.name}: `, pgDbs: [target.pgDatabase!], redisPid: redis.pid });
    }
    for (const rate of rates) {
      const ratios: number[] = [];
      for (let round = 0; round < rounds; round++) {
        const order = round % 2 === 0 ? [single, pair, pair, single] : [pair, single, single, pair];
        const costs = new Map<Deployment, number[]>([
          [single, []],
          [pair, []],
        ]);
        for (const deployment of order) {
          // A step that misses its p99 still measured its CPU: it is in the table as missed, and counted.
          const { result } = await deployment.step!(rate);
          result.note = `round ${round + 1}; ${costOf(result).toFixed(2)}% of a core per 1k deliveries/s; ${result.note}`;
          cases.push(result);
          costs.get(deployment)!.push(costOf(result));
        }
        const ratio = mean(costs.get(pair)!) / mean(costs.get(single)!);
        ratios.push(ratio);
        ctx.log(`node-cost ${rate} msg/s, round ${round + 1}: 2 nodes / 1 node = ${ratio.toFixed(3)}`);
      }
      summary[`ratio_${rate}_worst`] = Math.max(...ratios);
      summary[`ratio_${rate}_median`] = median(ratios);
      notes.push(`${rate} msg/s: 2 nodes / 1 node server CPU per delivery, by round: ${ratios.map((ratio) => ratio.toFixed(3)).join(', ')}`);
    }
  } finally {
    const stopped = await Promise.allSettled([...single.servers, ...pair.servers].map((server) => ctx.stopServer(server)));
    single.room?.close();
    pair.room?.close();
    stopFailure = stopped.find((result) => result.status === 'rejected');
  }
  // Thrown after the finally, not in it: there it would replace the run's own error.
  if (stopFailure) throw stopFailure.reason;
  notes.push(
    `every server process on core ${core ?? '(unpinned)'}; each round measures each deployment twice (1-2-2-1 or 2-1-1-2) and compares their means; ` +
      'server CPU only (PostgreSQL and Redis apart); every connection checks its ids (in order, no gap, no repeat)',
  );
  return { cases, summary, notes };
}
