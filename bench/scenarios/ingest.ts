/**
 * ingest: how many messages per second the server stores. 8 senders, each
 * its own user, each keeping 32 messages in flight: a message counts when its
 * broadcast copy comes back to its sender, which the server sends only after
 * the message is committed. Closed loop by design (a window, not a rate), so
 * the latency figures are ack times under that window (Little: ~256 / rate).
 * Senders find their own copies by their username in the first bytes of each
 * frame, without JSON.parse; each connection also receives everybody's
 * messages, which is checked for loss at the end.
 */
import { TYPE_MESSAGE } from '../ws-load-client.js';
import {
  benchText,
  connectMany,
  drain,
  drainProblems,
  generatorNote,
  latencyHistogram,
  LoopProbe,
  percentiles,
  recordMs,
  registerUsers,
  snapshot,
  startWindow,
} from '../harness.js';
import type { ScenarioContext, ScenarioOutput } from './types.js';

const SENDERS = 8;
const IN_FLIGHT = 32;
const MESSAGE_CHARACTERS = 100;

export async function ingest(ctx: ScenarioContext): Promise<ScenarioOutput> {
  const durationMs = ctx.quick ? 3000 : 20_000;
  const warmupMs = ctx.quick ? 500 : 2000;
  const target = await ctx.databases.scratch(ctx.db);
  const durability =
    ctx.db === 'postgres'
      ? `synchronous_commit=${(await ctx.databases.postgresInfo()).synchronousCommit}`
      : 'embedded PGlite (in-process WebAssembly PostgreSQL)';
  const server = await ctx.startServer(target);
  const pgDbs = target.pgDatabase ? [target.pgDatabase] : [];
  let probe: LoopProbe | undefined;
  let clients: Awaited<ReturnType<typeof connectMany>> = [];
  try {
    const users = await registerUsers(
      server.port,
      Array.from({ length: SENDERS }, (_, i) => `i${ctx.runId}_${i}`),
    );
    clients = await connectMany(server.port, SENDERS, [], { concurrency: SENDERS });
    await Promise.all(clients.map((client, i) => client.auth(users[i]!.username, users[i]!.token)));
    probe = await LoopProbe.open(server.port);

    const histogram = latencyHistogram();
    let running = true;
    let measuring = false;
    let acked = 0;
    let sent = 0;
    let ackedInWindow = 0;
    const before = snapshot(clients);
    const senders = clients.map((client, i) => {
      const username = users[i]!.username;
      // The closing quote makes "i1" not match "i10".
      const needle = Buffer.from(`"username":"${username}"`);
      // Send times of this sender's messages in flight, oldest first: the server
      // stores and broadcasts one connection's messages in the order sent.
      const inFlight: number[] = [];
      let seq = 0;
      const sendOne = () => {
        const now = performance.now();
        inFlight.push(now);
        sent++;
        client.sendChat(username, benchText(i, seq++, now, MESSAGE_CHARACTERS));
      };
      client.capture = true;
      client.onText = (typeByte, payload, now) => {
        if (typeByte !== TYPE_MESSAGE || payload === undefined || payload.indexOf(needle, 20) < 0) return;
        const sentAt = inFlight.shift();
        if (sentAt === undefined) return;
        acked++;
        if (measuring) {
          ackedInWindow++;
          recordMs(histogram, now - sentAt);
        }
        if (running) sendOne();
      };
      return { client, start: () => Array.from({ length: IN_FLIGHT }, sendOne) };
    });

    for (const sender of senders) {
      sender.client.cork();
      sender.start();
      sender.client.uncork();
    }
    await new Promise((resolve) => setTimeout(resolve, warmupMs));
    server.assertAlive();
    measuring = true;
    probe.start();
    const window = startWindow(server, pgDbs);
    await new Promise((resolve) => setTimeout(resolve, durationMs));
    const stats = window.end();
    measuring = false;
    running = false;
    const loop = probe.stop();
    const rate = ackedInWindow / stats.seconds;
    // Everything sent must come back: to its sender as the ack, and to every other connection.
    const drained = await drain(clients, before, sent, ctx.quick ? 5000 : 15_000);
    const lost = sent - acked;
    ctx.log(
      `ingest: ${rate.toFixed(0)} msg/s, ack p99 ${percentiles(histogram).p99.toFixed(2)} ms, server ${stats.serverCpu.toFixed(0)}% pg ${stats.postgresCpu.toFixed(0)}% load ${stats.loadCpu.toFixed(0)}%`,
    );
    const problems = [
      lost > 0 ? `${lost} messages never acknowledged` : '',
      ...drainProblems(drained, clients),
      ackedInWindow === 0 ? 'nothing acknowledged' : '',
    ].filter(Boolean);
    if (problems.length > 0) throw new Error(`ingest: ${problems.join('; ')}`);
    const latency = percentiles(histogram);
    return {
      cases: [
        {
          name: `${SENDERS} senders x ${IN_FLIGHT} in flight`,
          throughput: rate,
          unit: 'msg/s stored',
          latency,
          loss: lost,
          window: stats,
          loop,
          note: [`ack latency, closed loop; ${durability}`, generatorNote(stats)].filter(Boolean).join('; '),
        },
      ],
      summary: { msgs_per_s: rate, ack_p99_ms: latency.p99, senders: SENDERS, in_flight: IN_FLIGHT, durability },
      notes: [`latency here is the ack time with ${SENDERS * IN_FLIGHT} messages in flight, not an open-loop figure`],
    };
  } finally {
    await ctx.stopServer(server);
    for (const client of clients) client.destroy();
    probe?.client.destroy();
  }
}
