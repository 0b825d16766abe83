/**
 * history: `history 50` from 16 connections against a table pre-filled with
 * N messages (1M and 10M; quick mode: 100k only). Two phases per size:
 *   closed loop - each connection asks again as soon as it is answered: the
 *                 most the server answers per second;
 *   open loop   - a fixed rate (20,000/s, or 80% of the closed-loop rate if
 *                 that is lower), latency from each request's intended time.
 * Replies are counted by their type byte, not decoded; every 100th is
 * decoded and must hold 50 messages. Connections are not authorized: history
 * does not need it, and it keeps the pre-filled databases unwritten.
 * One connection's requests may be answered out of order (the server runs
 * them on a pool), so the open-loop latency pairs replies with requests
 * first-in first-out: the distribution is right, single pairs may be swapped.
 */
import { TYPE_HISTORY, type WsLoadClient } from '../ws-load-client.js';
import { connectMany, generatorNote, latencyHistogram, LoopProbe, openLoop, percentiles, recordMs, startWindow } from '../harness.js';
import { rowsLabel } from '../prefill.js';
import type { CaseResult, ScenarioContext, ScenarioOutput } from './types.js';

const CONNECTIONS = 16;
const COUNT = 50;
const TARGET_RATE = 20_000;
const VALIDATE_EVERY = 100;
const REQUEST = JSON.stringify({ username: 'reader', message: `history ${COUNT}` });

export async function history(ctx: ScenarioContext): Promise<ScenarioOutput> {
  const phaseMs = ctx.quick ? 2000 : 10_000;
  const warmupMs = ctx.quick ? 300 : 1000;
  const cases: CaseResult[] = [];
  const summary: ScenarioOutput['summary'] = {};
  const notes: string[] = [];
  if (ctx.quick) notes.push('quick mode: 100k messages only; the 1M and 10M tables are filled only in full runs');
  for (const rows of ctx.historySizes) {
    const target = await ctx.databases.prefilled(ctx.db, rows);
    const server = await ctx.startServer(target);
    const pgDbs = target.pgDatabase ? [target.pgDatabase] : [];
    let clients: WsLoadClient[] = [];
    let probe: LoopProbe | undefined;
    try {
      clients = await connectMany(server.port, CONNECTIONS, [], { concurrency: CONNECTIONS });
      probe = await LoopProbe.open(server.port);
      let replies = 0;
      let unexpected = 0;
      let badReplies = 0;
      let firstBad: string | undefined;
      let onReply: (client: number, now: number) => void = () => undefined;
      clients.forEach((client, index) => {
        client.capture = false;
        client.onText = (typeByte, payload, now) => {
          if (typeByte !== TYPE_HISTORY) {
            unexpected++;
            return;
          }
          replies++;
          if (payload !== undefined) {
            const frame = JSON.parse(payload.toString('utf8')) as { messages?: unknown[] };
            if (frame.messages?.length !== COUNT) {
              badReplies++;
              firstBad ??= payload.toString('utf8').slice(0, 200);
            }
          }
          // Decode the next reply on this connection when it is the hundredth-ish.
          client.capture = replies % VALIDATE_EVERY === 0;
          onReply(index, now);
        };
      });

      // Closed loop: one request in flight per connection.
      const closedHistogram = latencyHistogram();
      let measuring = false;
      let running = true;
      let answeredInWindow = 0;
      const sentAt = new Array<number>(CONNECTIONS).fill(0);
      let closedSent = 0;
      const ask = (index: number) => {
        sentAt[index] = performance.now();
        closedSent++;
        clients[index]!.sendText(REQUEST);
      };
      onReply = (index, now) => {
        if (measuring) {
          answeredInWindow++;
          recordMs(closedHistogram, now - sentAt[index]!);
        }
        if (running) ask(index);
      };
      const repliesBefore = replies;
      clients.forEach((_, index) => ask(index));
      await new Promise((resolve) => setTimeout(resolve, warmupMs));
      server.assertAlive();
      measuring = true;
      probe.start();
      let window = startWindow(server, pgDbs);
      await new Promise((resolve) => setTimeout(resolve, phaseMs));
      let stats = window.end();
      measuring = false;
      running = false;
      let loop = probe.stop();
      const closedRate = answeredInWindow / stats.seconds;
      await waitFor(() => replies - repliesBefore >= closedSent, 10_000);
      const closedLatency = percentiles(closedHistogram);
      cases.push({
        name: `${rowsLabel(rows)} rows, closed loop`,
        throughput: closedRate,
        unit: 'req/s',
        latency: closedLatency,
        loss: 0,
        window: stats,
        loop,
        note: [`${CONNECTIONS} conns x 1 in flight`, generatorNote(stats)].filter(Boolean).join('; '),
      });
      ctx.log(`history ${rowsLabel(rows)} closed loop: ${closedRate.toFixed(0)} req/s, p99 ${closedLatency.p99.toFixed(2)} ms`);

      // Open loop at a fixed rate; replies matched to intended times first-in first-out.
      const rate = Math.max(100, Math.round(Math.min(TARGET_RATE, closedRate * 0.8) / 100) * 100);
      const openHistogram = latencyHistogram();
      const pending: number[][] = clients.map(() => []);
      const from = performance.now() + warmupMs;
      onReply = (index, now) => {
        const intended = pending[index]!.shift();
        if (intended !== undefined && intended >= from) recordMs(openHistogram, now - intended);
      };
      const openBefore = replies;
      const sending = openLoop(rate, warmupMs + phaseMs, (g, intended) => {
        const index = g % CONNECTIONS;
        pending[index]!.push(intended);
        clients[index]!.sendText(REQUEST);
        return clients[index]!;
      });
      await new Promise((resolve) => setTimeout(resolve, warmupMs));
      probe.start();
      window = startWindow(server, pgDbs);
      const sent = await sending;
      stats = window.end();
      loop = probe.stop();
      const answered = await waitFor(() => replies - openBefore >= sent.sent, ctx.quick ? 5000 : 15_000);
      const unanswered = sent.sent - (replies - openBefore);
      const openLatency = percentiles(openHistogram);
      cases.push({
        name: `${rowsLabel(rows)} rows, open ${rate}/s`,
        throughput: rate,
        unit: 'req/s',
        latency: openLatency,
        loss: unanswered,
        window: stats,
        loop,
        note: [
          answered ? (rate < TARGET_RATE ? `rate = 80% of closed loop (< ${TARGET_RATE})` : '') : `${unanswered} unanswered after the drain`,
          generatorNote(stats, sent.sendLag),
        ]
          .filter(Boolean)
          .join('; '),
      });
      ctx.log(`history ${rowsLabel(rows)} open ${rate}/s: p99 ${openLatency.p99.toFixed(2)} ms`);

      const closed = clients.filter((c) => c.closed).length;
      const problems = [
        badReplies > 0 ? `${badReplies} sampled replies without ${COUNT} messages: ${firstBad}` : '',
        closed > 0 ? `${closed} connections closed` : '',
        unexpected > 0 ? `${unexpected} unexpected frames` : '',
        unanswered > 0 ? `${unanswered} requests unanswered` : '',
        closedRate === 0 ? 'no reply in the closed loop' : '',
      ].filter(Boolean);
      if (problems.length > 0) throw new Error(`history ${rowsLabel(rows)}: ${problems.join('; ')}`);
      summary[`closed_req_per_s_${rowsLabel(rows)}`] = closedRate;
      summary[`closed_p99_ms_${rowsLabel(rows)}`] = closedLatency.p99;
      summary[`open_rate_${rowsLabel(rows)}`] = rate;
      summary[`open_p99_ms_${rowsLabel(rows)}`] = openLatency.p99;
    } finally {
      await ctx.stopServer(server);
      for (const client of clients) client.destroy();
      probe?.client.destroy();
    }
  }
  return { cases, summary, notes };
}

async function waitFor(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!done() && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  return done();
}
