/**
 * connections: 10,000 authorized idle connections (quick: 2,000).
 *   connect+auth - TCP connect, upgrade, WELCOME, `auth`, AUTHENTICATED,
 *                  128 at a time: connections per second while the set grows,
 *                  and each one's time;
 *   idle         - the server's RSS (VmRSS) after the connections settle,
 *                  minus before them, per connection. RSS is what the
 *                  machine pays; it includes heap not yet collected.
 * 50 connections are opened first and the server left to settle, so the
 * baseline holds the server's one-time costs (ws, JIT), not those of the first
 * connection.
 */
import { connectMany, generatorNote, latencyHistogram, LoopProbe, percentiles, recordMs, registerUsers, sleep, startWindow } from '../harness.js';
import type { WsLoadClient } from '../ws-load-client.js';
import type { ScenarioContext, ScenarioOutput } from './types.js';

const WARM_CONNECTIONS = 50;
const CONCURRENCY = 128;

export async function connections(ctx: ScenarioContext): Promise<ScenarioOutput> {
  const count = ctx.connectionCount;
  const settleMs = ctx.quick ? 1000 : 5000;
  const target = await ctx.databases.scratch(ctx.db);
  const server = await ctx.startServer(target);
  const pgDbs = target.pgDatabase ? [target.pgDatabase] : [];
  const clients: WsLoadClient[] = [];
  let probe: LoopProbe | undefined;
  try {
    const users = await registerUsers(
      server.port,
      Array.from({ length: 16 }, (_, i) => `c${ctx.runId}_${i}`),
    );
    clients.push(...(await connectMany(server.port, WARM_CONNECTIONS, users)));
    probe = await LoopProbe.open(server.port);
    await sleep(settleMs);
    const rssBefore = server.rssKiB();

    const histogram = latencyHistogram();
    probe.start();
    const window = startWindow(server, pgDbs);
    const opened = await connectMany(server.port, count, users, {
      concurrency: CONCURRENCY,
      onConnected: (ms) => recordMs(histogram, ms),
      deadlineMs: ctx.quick ? 60_000 : 180_000,
    });
    clients.push(...opened);
    for (const client of opened) client.capture = false;
    const stats = window.end();
    const connectLoop = probe.stop();
    const rate = count / stats.seconds;
    ctx.log(`connections: ${count} connect+auth in ${stats.seconds.toFixed(1)} s = ${rate.toFixed(0)}/s`);

    await sleep(settleMs);
    probe.start();
    const idleWindow = startWindow(server, pgDbs);
    await sleep(ctx.quick ? 500 : 2000);
    const idleStats = idleWindow.end();
    const idleLoop = probe.stop();
    const rssAfter = server.rssKiB();
    const bytesPerConnection = ((rssAfter - rssBefore) * 1024) / count;
    const closed = clients.filter((c) => c.closed).length;
    ctx.log(
      `connections: RSS ${(rssBefore / 1024).toFixed(0)} -> ${(rssAfter / 1024).toFixed(0)} MiB = ${(bytesPerConnection / 1024).toFixed(2)} KiB per connection`,
    );
    if (closed > 0) throw new Error(`connections: ${closed} connections closed while idle`);
    return {
      cases: [
        {
          name: `connect+auth ${count}`,
          throughput: rate,
          unit: 'conn/s',
          latency: percentiles(histogram),
          loss: 0,
          window: stats,
          loop: connectLoop,
          note: [`${CONCURRENCY} at a time`, generatorNote(stats)].filter(Boolean).join('; '),
        },
        {
          name: `${count} idle`,
          throughput: bytesPerConnection / 1024,
          unit: 'KiB/conn RSS',
          loss: closed,
          window: idleStats,
          loop: idleLoop,
          note: `RSS ${(rssBefore / 1024).toFixed(0)} -> ${(rssAfter / 1024).toFixed(0)} MiB`,
        },
      ],
      summary: {
        connections: count,
        connect_auth_per_s: rate,
        kib_per_connection: bytesPerConnection / 1024,
        rss_before_mib: rssBefore / 1024,
        rss_after_mib: rssAfter / 1024,
      },
      notes: [],
    };
  } finally {
    await ctx.stopServer(server);
    for (const client of clients) client.destroy();
    probe?.client.destroy();
  }
}
