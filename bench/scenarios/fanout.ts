/**
 * fanout: one chat, 1000 receivers, 50 senders, ~100-character messages.
 * A ramp of open-loop rates, each step measured on its own and drained
 * before the next, until a step misses (p99 over 50 ms, any loss, an error
 * frame or a closed connection). The highest step held is the result, in
 * deliveries per second: messages/s x the connections that receive each one.
 * Receivers only count frames; 20 of them, spread over the broadcast order,
 * decode everything to measure latency and check id order.
 */
import {
  connectMany,
  countOnly,
  drain,
  firstError,
  generatorNote,
  latencyHistogram,
  LoopProbe,
  percentiles,
  registerUsers,
  sampleLatency,
  sendOpenLoop,
  snapshot,
  spread,
  startWindow,
  type Sender,
} from '../harness.js';
import type { CaseResult, ScenarioContext, ScenarioOutput } from './types.js';

const RECEIVERS = 1000;
const SENDERS = 50;
const SAMPLED_RECEIVERS = 20;
const MESSAGE_CHARACTERS = 100;
const P99_LIMIT_MS = 50;

export async function fanout(ctx: ScenarioContext): Promise<ScenarioOutput> {
  const quick = ctx.quick;
  const stepMs = quick ? 1500 : 8000;
  const warmupMs = quick ? 200 : 1000;
  const drainMs = quick ? 3000 : 10_000;
  // Roughly x1.5 per step; full mode then bisects between the last step held and the first missed.
  const rates = quick ? [100, 1000] : [50, 100, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 4500, 6000];
  const bisections = quick ? 0 : 2;

  const target = await ctx.databases.scratch(ctx.db);
  const server = await ctx.startServer(target);
  const pgDbs = target.pgDatabase ? [target.pgDatabase] : [];
  const notes: string[] = [];
  const cases: CaseResult[] = [];
  let clients: Awaited<ReturnType<typeof connectMany>> = [];
  let probe: LoopProbe | undefined;
  try {
    const users = await registerUsers(
      server.port,
      Array.from({ length: SENDERS }, (_, i) => `f${ctx.runId}_${i}`),
    );
    ctx.log(`fanout: connecting ${RECEIVERS} receivers and ${SENDERS} senders`);
    const receivers = await connectMany(server.port, RECEIVERS, users, { concurrency: 64 });
    clients = receivers;
    const senderClients = await connectMany(server.port, SENDERS, [], { concurrency: 16 });
    clients = [...receivers, ...senderClients];
    // Each sender authorizes as its own user, so messages come from 50 authors.
    await Promise.all(senderClients.map((client, i) => client.auth(users[i]!.username, users[i]!.token)));
    const senders: Sender[] = senderClients.map((client, i) => ({ client, username: users[i]!.username }));
    probe = await LoopProbe.open(server.port);
    countOnly(clients);
    const samplers = spread(receivers, SAMPLED_RECEIVERS);

    const step = async (rate: number): Promise<{ held: boolean; result: CaseResult }> => {
      server.assertAlive();
      const histogram = latencyHistogram();
      const before = snapshot(clients);
      const from = performance.now() + warmupMs;
      const sampler = sampleLatency(samplers, histogram, { from, to: Number.POSITIVE_INFINITY });
      probe!.start();
      const window = startWindow(server, pgDbs);
      const sent = await sendOpenLoop(senders, rate, stepMs, MESSAGE_CHARACTERS);
      const stats = window.end();
      const drained = await drain(clients, before, sent.sent, drainMs);
      const loop = probe!.stop();
      countOnly(samplers);
      const latency = percentiles(histogram);
      const problems = [
        drained.lost > 0 ? `${drained.lost} deliveries lost` : '',
        drained.closed > 0 ? `${drained.closed} connections closed` : '',
        drained.unexpected > 0 ? `${drained.unexpected} unexpected frames (${firstError(clients) ?? 'not decoded'})` : '',
        sampler.outOfOrder() > 0 ? `${sampler.outOfOrder()} out of order` : '',
        !sent.completed ? 'generator could not send the schedule' : '',
        latency.p99 > P99_LIMIT_MS ? `p99 ${latency.p99.toFixed(1)} ms > ${P99_LIMIT_MS}` : '',
        latency.count === 0 ? 'no latency samples' : '',
      ].filter(Boolean);
      const generator = generatorNote(stats, sent.sendLag);
      const result: CaseResult = {
        name: `${rate} msg/s`,
        throughput: rate * clients.length,
        unit: 'deliveries/s',
        latency,
        loss: drained.lost,
        window: stats,
        loop,
        note: [problems.length === 0 ? 'held' : `missed: ${problems.join('; ')}`, generator]
          .filter(Boolean)
          .join('; '),
      };
      ctx.log(`fanout ${rate} msg/s: p99 ${latency.p99.toFixed(2)} ms, lost ${drained.lost}, server ${stats.serverCpu.toFixed(0)}% load ${stats.loadCpu.toFixed(0)}% -> ${problems.length === 0 ? 'held' : 'missed'}`);
      // Fatal, not a miss: the server refused or dropped something it should not have.
      if (drained.unexpected > 0 || sampler.outOfOrder() > 0) {
        cases.push(result);
        throw new Error(`fanout at ${rate} msg/s: ${problems.join('; ')}`);
      }
      return { held: problems.length === 0, result };
    };

    let best: CaseResult | undefined;
    let bestRate = 0;
    let missedRate: number | undefined;
    for (const rate of rates) {
      const { held, result } = await step(rate);
      cases.push(result);
      if (!held) {
        missedRate = rate;
        break;
      }
      best = result;
      bestRate = rate;
    }
    for (let i = 0; i < bisections && missedRate !== undefined && missedRate - bestRate > bestRate * 0.1; i++) {
      const rate = Math.round((bestRate + missedRate) / 2 / 10) * 10;
      const { held, result } = await step(rate);
      cases.push(result);
      if (held) {
        best = result;
        bestRate = rate;
      } else {
        missedRate = rate;
      }
    }
    if (missedRate === undefined) notes.push(`every step up to ${bestRate} msg/s held: the ramp ended before the server did`);
    if (best === undefined) notes.push('not even the first step held');
    notes.push(`deliveries/s = msg/s x ${clients.length} connections (${RECEIVERS} receivers + ${SENDERS} senders, which get every message too)`);
    return {
      cases,
      summary: {
        held_msgs_per_s: bestRate,
        held_deliveries_per_s: best?.throughput ?? 0,
        held_p99_ms: best?.latency?.p99 ?? null,
        first_missed_msgs_per_s: missedRate ?? null,
        receivers: RECEIVERS,
        senders: SENDERS,
      },
      notes,
    };
  } finally {
    await ctx.stopServer(server);
    for (const client of clients) client.destroy();
    probe?.client.destroy();
  }
}
