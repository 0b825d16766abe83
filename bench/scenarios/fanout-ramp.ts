/**
 * The fan-out ramp, shared by `fanout` (one node) and `multinode` (two nodes
 * on one Redis channel): one chat, 1000 receivers, 50 senders (each its own
 * user), ~100-character messages, the connections split evenly over the
 * nodes. A ramp of open-loop rates, each step measured on its own and
 * drained before the next, until a step misses (p99 over 50 ms, any loss, an
 * error frame or a closed connection). The highest step held is the result,
 * in deliveries per second: messages/s x the connections that receive each
 * one. Receivers only read each frame's id (every one of them checks that
 * its ids come in order without gaps); 20 of them, spread over the broadcast
 * order of each node, decode everything to measure latency.
 */
import {
  connectMany,
  drain,
  drainProblems,
  generatorNote,
  latencyHistogram,
  LoopProbe,
  OrderCheck,
  percentiles,
  registerUsers,
  sampleLatency,
  sendOpenLoop,
  serverCounters,
  serverWork,
  snapshot,
  spread,
  startWindow,
  watchOrder,
  type Percentiles,
  type Sender,
  type ServerWork,
} from '../harness.js';
import { NOISY_OTHER_CPU, serverCpu, worstLoop } from '../report.js';
import type { ServerProcess } from '../server-process.js';
import type { WsLoadClient } from '../ws-load-client.js';
import type { CaseResult, ScenarioContext } from './types.js';

export const RECEIVERS = 1000;
export const SENDERS = 50;
const SAMPLED_RECEIVERS = 20;
const MESSAGE_CHARACTERS = 100;
export const P99_LIMIT_MS = 50;

/** The chat's connections, each node's share of them, and a loop probe per node. */
export interface FanoutRoom {
  servers: readonly ServerProcess[];
  receivers: WsLoadClient[];
  senders: Sender[];
  /** Every connection that receives each message: receivers and senders. */
  clients: WsLoadClient[];
  /** The latency samplers, spread over each node's broadcast order. */
  samplers: WsLoadClient[];
  probes: LoopProbe[];
  close(): void;
}

/**
 * Registers the senders' users on the first node (the nodes share the
 * database and the JWT secret, so a token opens a connection anywhere) and
 * connects: receivers and senders split evenly, sender i on node i mod N,
 * so the round-robin open loop alternates nodes too.
 */
export async function openFanoutRoom(ctx: ScenarioContext, servers: readonly ServerProcess[], userPrefix: string): Promise<FanoutRoom> {
  const users = await registerUsers(
    servers[0]!.port,
    Array.from({ length: SENDERS }, (_, i) => `${userPrefix}${ctx.runId}_${i}`),
  );
  const opened: WsLoadClient[] = [];
  const probes: LoopProbe[] = [];
  const close = () => {
    for (const client of opened) client.destroy();
    for (const probe of probes) probe.client.destroy();
  };
  try {
    ctx.log(`${userPrefix}: connecting ${RECEIVERS} receivers and ${SENDERS} senders to ${servers.length} node(s)`);
    const perNode: WsLoadClient[][] = [];
    for (const [n, server] of servers.entries()) {
      const share = Math.floor(RECEIVERS / servers.length) + (n < RECEIVERS % servers.length ? 1 : 0);
      const receivers = await connectMany(server.port, share, users, { concurrency: 64 });
      opened.push(...receivers);
      perNode.push(receivers);
    }
    const senders: Sender[] = [];
    for (let i = 0; i < SENDERS; i++) {
      const [client] = await connectMany(servers[i % servers.length]!.port, 1, []);
      opened.push(client!);
      // Each sender authorizes as its own user, so messages come from 50 authors.
      await client!.auth(users[i]!.username, users[i]!.token);
      senders.push({ client: client!, username: users[i]!.username });
    }
    for (const server of servers) probes.push(await LoopProbe.open(server.port));
    const receivers = perNode.flat();
    return {
      servers,
      receivers,
      senders,
      clients: [...receivers, ...senders.map((sender) => sender.client)],
      samplers: perNode.flatMap((nodeReceivers) => spread(nodeReceivers, Math.ceil(SAMPLED_RECEIVERS / servers.length))),
      probes,
      close,
    };
  } catch (error) {
    close();
    throw error;
  }
}

export interface RampOptions {
  /** Prefixes the case names ("2 nodes on core 0: "); empty for one node. */
  label: string;
  pgDbs: readonly string[];
  redisPid?: number | undefined;
}

export interface RampResult {
  cases: CaseResult[];
  /** The highest step held, and its case; 0 and undefined when none held. */
  bestRate: number;
  best: CaseResult | undefined;
  /** The lowest step missed; undefined when the ramp ran out first. */
  missedRate: number | undefined;
  notes: string[];
}

/** The worst of several probes, by p99. */
function worstProbe(results: readonly Percentiles[]): Percentiles {
  return results.reduce((worst, result) => (!(worst.p99 >= result.p99) ? result : worst));
}

/** Per node: "batch 4.2 msg, commit 1.3 ms, post to written 12 ms" (several nodes separated by " | "). */
function workText(work: readonly ServerWork[]): string {
  if (work.every((w) => !Number.isFinite(w.meanBatch))) return '';
  const one = (w: ServerWork) => `batch ${w.meanBatch.toFixed(1)} msg, commit ${w.meanCommitMs.toFixed(1)} ms, post to written ${w.meanFanoutMs.toFixed(1)} ms`;
  return work.map(one).join(' | ');
}

/** One measured step: held (p99, loss, schedule), and its row. */
export interface StepOutcome {
  held: boolean;
  result: CaseResult;
  /** The machine was still busy when the step began (--wait-quiet ran out). */
  busyStart: boolean;
}

/**
 * Measures one open-loop step at a time on an open room: 8 s after 1 s of
 * warm-up, drained before it returns. Throws (a failed run, not a miss) when
 * the server refused something or broke its order promise.
 */
export function fanoutStepper(ctx: ScenarioContext, room: FanoutRoom, options: RampOptions): (rate: number) => Promise<StepOutcome> {
  const stepMs = ctx.quick ? 1500 : 8000;
  const warmupMs = ctx.quick ? 200 : 1000;
  const drainMs = ctx.quick ? 3000 : 10_000;
  const { servers, clients, samplers } = room;
  const order = new OrderCheck();
  watchOrder(clients, order);

  return async (rate) => {
    for (const server of servers) server.assertAlive();
    const busyStart = !(await ctx.waitQuiet());
    const name = `${options.label}${rate} msg/s`;
    const histogram = latencyHistogram();
    const before = snapshot(clients);
    const violationsBefore = order.violations;
    const countersBefore = await Promise.all(servers.map((server) => serverCounters(server.port)));
    const from = performance.now() + warmupMs;
    sampleLatency(samplers, histogram, { from, to: Number.POSITIVE_INFINITY }, order);
    for (const probe of room.probes) probe.start();
    const window = startWindow(servers, options.pgDbs, { redisPid: options.redisPid });
    const sent = await sendOpenLoop(room.senders, rate, stepMs, MESSAGE_CHARACTERS);
    const stats = window.end();
    const drained = await drain(clients, before, sent.sent, drainMs);
    const loop = worstProbe(room.probes.map((probe) => probe.stop()));
    const countersAfter = await Promise.all(servers.map((server) => serverCounters(server.port)));
    const work = servers.map((_, i) => serverWork(countersBefore[i]!, countersAfter[i]!));
    watchOrder(samplers, order);
    const latency = percentiles(histogram);
    const violations = order.violations - violationsBefore;
    const problems = [
      ...drainProblems(drained, clients),
      violations > 0 ? order.describe() : '',
      !sent.completed ? 'generator could not send the schedule' : '',
      latency.p99 > P99_LIMIT_MS ? `p99 ${latency.p99.toFixed(1)} ms > ${P99_LIMIT_MS}` : '',
      latency.count === 0 ? 'no latency samples' : '',
    ].filter(Boolean);
    const redis = Number.isFinite(stats.redisCpu) ? `redis ${stats.redisCpu.toFixed(0)}%` : '';
    const result: CaseResult = {
      name,
      throughput: rate * clients.length,
      unit: 'deliveries/s',
      latency,
      loss: drained.lost,
      order: violations,
      window: stats,
      loop,
      work,
      note: [problems.length === 0 ? 'held' : `missed: ${problems.join('; ')}`, redis, workText(work), generatorNote(stats, sent.sendLag)]
        .filter(Boolean)
        .join('; '),
    };
    const inside = worstLoop(stats.serverLoops);
    ctx.log(
      `${name}: p99 ${latency.p99.toFixed(2)} ms, lost ${drained.lost}, order violations ${violations}, ` +
        `server ${serverCpu(stats)} load ${stats.loadCpu.toFixed(0)}%${redis ? ` ${redis}` : ''}, ` +
        `server loop p99 ${inside ? inside.p99.toFixed(1) : '-'} ms -> ${problems.length === 0 ? 'held' : 'missed'}`,
    );
    // Fatal, not a miss: the server refused or dropped something it should not have, or broke its order.
    if (drained.unexpected > 0 || violations > 0) throw new Error(`${name}: ${problems.join('; ')}`);
    return { held: problems.length === 0, result, busyStart };
  };
}

/** Runs the ramp on an open room (see fanoutStepper for what fails it). */
export async function runFanoutRamp(ctx: ScenarioContext, room: FanoutRoom, options: RampOptions): Promise<RampResult> {
  // Roughly x1.5 per step; full mode then bisects between the last step held and the first missed.
  const fixed = ctx.fanoutRates;
  const rates = fixed ?? (ctx.quick ? [100, 1000] : [50, 100, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 4500, 6000]);
  const bisections = ctx.quick || fixed ? 0 : 2;
  const noisyRetries = ctx.quick ? 0 : 2;
  let busyStarts = 0;
  const cases: CaseResult[] = [];
  const notes: string[] = [];
  const measureOnce = fanoutStepper(ctx, room, options);
  const step = async (rate: number): Promise<StepOutcome> => {
    const outcome = await measureOnce(rate);
    if (outcome.busyStart) busyStarts++;
    return outcome;
  };

  /**
   * A step missed while other work took the machine (the row is NOISY) says
   * nothing about the server: it is kept in the table and measured again,
   * a bounded number of times, after the machine is quiet again.
   */
  const measure = async (rate: number): Promise<StepOutcome> => {
    for (let attempt = 0; ; attempt++) {
      const outcome = await step(rate);
      const noisy = (outcome.result.window?.otherCpu ?? 0) > NOISY_OTHER_CPU;
      if (outcome.held || !noisy || attempt >= noisyRetries) return outcome;
      outcome.result.note = `${outcome.result.note}; measured again`;
      cases.push(outcome.result);
      ctx.log(`${outcome.result.name}: missed on a busy machine (other CPU ${outcome.result.window!.otherCpu.toFixed(0)}%); measuring it again`);
    }
  };

  let best: CaseResult | undefined;
  let bestRate = 0;
  let missedRate: number | undefined;
  for (const rate of rates) {
    const { held, result } = await measure(rate);
    cases.push(result);
    if (held && rate > bestRate) {
      best = result;
      bestRate = rate;
    }
    if (!held) {
      missedRate = Math.min(missedRate ?? rate, rate);
      if (!fixed) break;
    }
  }
  for (let i = 0; i < bisections && missedRate !== undefined && missedRate - bestRate > bestRate * 0.1; i++) {
    const rate = Math.round((bestRate + missedRate) / 2 / 10) * 10;
    const { held, result } = await measure(rate);
    cases.push(result);
    if (held) {
      best = result;
      bestRate = rate;
    } else {
      missedRate = rate;
    }
  }
  if (fixed) {
    notes.push(`${options.label}fixed steps (--fanout-rates ${fixed.join(',')}): each measured once, no bisection`);
    if (missedRate !== undefined && missedRate < bestRate)
      notes.push(`${options.label}${missedRate} msg/s missed below ${bestRate} msg/s, which held: read the steps, not the summary`);
  } else if (missedRate === undefined) {
    notes.push(`${options.label}every step up to ${bestRate} msg/s held: the ramp ended before the server did`);
  }
  if (best === undefined) notes.push(`${options.label}not even the first step held`);
  if (busyStarts > 0) notes.push(`${options.label}${busyStarts} step(s) began on a busy machine: --wait-quiet ran out before it went quiet`);
  return { cases, bestRate, best, missedRate, notes };
}
