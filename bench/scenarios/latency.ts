/**
 * latency: fixed open-loop rates, percentiles from the intended send time to
 * receipt. Two cases: 100 receivers x 1000 msg/s and 1000 receivers x
 * 100 msg/s, 30 s each (after a warm-up that is sent but not recorded).
 * Ten senders, all authorized; 20 receivers spread over the broadcast order
 * decode every frame, the rest count. Any loss, error frame or closed
 * connection fails the scenario.
 */
import {
  connectMany,
  countOnly,
  drain,
  drainProblems,
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
  type User,
} from '../harness.js';
import type { ServerProcess } from '../server-process.js';
import type { WsLoadClient } from '../ws-load-client.js';
import type { CaseResult, ScenarioContext, ScenarioOutput } from './types.js';

export const CHAT_SENDERS = 10;
const SAMPLED_RECEIVERS = 20;
const MESSAGE_CHARACTERS = 100;

export interface ChatRoom {
  receivers: WsLoadClient[];
  senders: Sender[];
  probe: LoopProbe;
  /** Every connection that receives broadcasts, for loss accounting. */
  all(): WsLoadClient[];
  close(): void;
}

/** Senders first (each its own user), then receivers sharing the users' tokens. */
export async function openRoom(server: ServerProcess, users: readonly User[], receiverCount: number): Promise<ChatRoom> {
  const senderClients = await connectMany(server.port, CHAT_SENDERS, [], { concurrency: CHAT_SENDERS });
  const senders = await Promise.all(
    senderClients.map(async (client, i) => {
      const user = users[i % users.length]!;
      await client.auth(user.username, user.token);
      return { client, username: user.username };
    }),
  );
  const receivers = await connectMany(server.port, receiverCount, users, { concurrency: 64 });
  const probe = await LoopProbe.open(server.port);
  const room: ChatRoom = {
    receivers,
    senders,
    probe,
    all: () => [...senders.map((s) => s.client), ...room.receivers],
    close: () => {
      for (const client of room.all()) client.destroy();
      probe.client.destroy();
    },
  };
  countOnly(room.all());
  return room;
}

/** One open-loop chat run at `rate` for warm-up + `durationMs`; throws on loss or error frames. */
export async function measureChat(
  ctx: ScenarioContext,
  server: ServerProcess,
  pgDbs: readonly string[],
  room: ChatRoom,
  rate: number,
  durationMs: number,
  warmupMs: number,
  name: string,
): Promise<CaseResult> {
  server.assertAlive();
  const clients = room.all();
  const samplers = spread(room.receivers, SAMPLED_RECEIVERS);
  const histogram = latencyHistogram();
  const before = snapshot(clients);
  const from = performance.now() + warmupMs;
  const sampler = sampleLatency(samplers, histogram, { from, to: Number.POSITIVE_INFINITY });
  // The warm-up runs at the same rate; the window and the probe start after it.
  const sending = sendOpenLoop(room.senders, rate, warmupMs + durationMs, MESSAGE_CHARACTERS);
  await new Promise((resolve) => setTimeout(resolve, warmupMs));
  room.probe.start();
  const window = startWindow(server, pgDbs);
  const sent = await sending;
  const stats = window.end();
  const loop = room.probe.stop();
  const drained = await drain(clients, before, sent.sent, ctx.quick ? 5000 : 15_000);
  countOnly(samplers);
  const latency = percentiles(histogram);
  const problems = [
    ...drainProblems(drained, clients),
    sampler.outOfOrder() > 0 ? `${sampler.outOfOrder()} out of order` : '',
    latency.count === 0 ? 'no latency samples' : '',
  ].filter(Boolean);
  ctx.log(`${name}: p50 ${latency.p50.toFixed(2)} p99 ${latency.p99.toFixed(2)} ms, server ${stats.serverCpu.toFixed(0)}% load ${stats.loadCpu.toFixed(0)}%`);
  if (problems.length > 0) throw new Error(`${name}: ${problems.join('; ')}`);
  return {
    name,
    throughput: rate * clients.length,
    unit: 'deliveries/s',
    latency,
    loss: drained.lost,
    window: stats,
    loop,
    note: generatorNote(stats, sent.sendLag) || `${latency.count} samples`,
  };
}

export async function latency(ctx: ScenarioContext): Promise<ScenarioOutput> {
  const durationMs = ctx.quick ? 3000 : 30_000;
  const warmupMs = ctx.quick ? 500 : 3000;
  const target = await ctx.databases.scratch(ctx.db);
  const server = await ctx.startServer(target);
  const pgDbs = target.pgDatabase ? [target.pgDatabase] : [];
  let room: ChatRoom | undefined;
  try {
    const users = await registerUsers(
      server.port,
      Array.from({ length: CHAT_SENDERS }, (_, i) => `l${ctx.runId}_${i}`),
    );
    room = await openRoom(server, users, 100);
    const small = await measureChat(ctx, server, pgDbs, room, 1000, durationMs, warmupMs, '100 rcv x 1000 msg/s');
    // The same server, 900 more receivers: every open connection receives every message.
    const more = await connectMany(server.port, 900, users, { concurrency: 64 });
    countOnly(more);
    room.receivers.push(...more);
    const large = await measureChat(ctx, server, pgDbs, room, 100, durationMs, warmupMs, '1000 rcv x 100 msg/s');
    return {
      cases: [small, large],
      summary: {
        p99_ms_100x1000: small.latency?.p99 ?? null,
        p999_ms_100x1000: small.latency?.p999 ?? null,
        p99_ms_1000x100: large.latency?.p99 ?? null,
        p999_ms_1000x100: large.latency?.p999 ?? null,
        seconds: durationMs / 1000,
      },
      notes: [`${CHAT_SENDERS} senders (they receive too); ${warmupMs} ms warm-up at the same rate not recorded`],
    };
  } finally {
    await ctx.stopServer(server);
    room?.close();
  }
}
