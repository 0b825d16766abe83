/**
 * login: a storm of POST /api/login at bcrypt's default cost (12) while the
 * `latency` chat load (100 receivers x 1000 msg/s) runs. The same chat is
 * measured first without the storm, then with it; the result is logins/s and
 * how much the chat p99 degrades (with / without). The storm is 16 requests
 * in flight at all times, over keep-alive HTTP connections, for the length of
 * the chat run. The server runs at BCRYPT_COST=12, and the users are
 * registered through /api/reg, so their hashes are cost 12 as well.
 */
import { latencyHistogram, percentiles, postJson, recordMs, registerUsers, type User } from '../harness.js';
import { CHAT_SENDERS, measureChat, openRoom, type ChatRoom } from './latency.js';
import type { ScenarioContext, ScenarioOutput } from './types.js';

const LOGIN_USERS = 4;
const STORM_IN_FLIGHT = 16;
const CHAT_RATE = 1000;
const RECEIVERS = 100;

export async function login(ctx: ScenarioContext): Promise<ScenarioOutput> {
  const durationMs = ctx.quick ? 3000 : 20_000;
  const warmupMs = ctx.quick ? 500 : 2000;
  const target = await ctx.databases.scratch(ctx.db);
  const server = await ctx.startServer(target, { BCRYPT_COST: '12' });
  const pgDbs = target.pgDatabase ? [target.pgDatabase] : [];
  let room: ChatRoom | undefined;
  try {
    const users = await registerUsers(
      server.port,
      Array.from({ length: LOGIN_USERS }, (_, i) => `g${ctx.runId}_${i}`),
    );
    room = await openRoom(server, users, RECEIVERS);
    const calm = await measureChat(ctx, server, pgDbs, room, CHAT_RATE, durationMs, warmupMs, `chat ${RECEIVERS}x${CHAT_RATE}/s, no storm`);

    const storm = startStorm(server.port, users);
    const stormy = await measureChat(ctx, server, pgDbs, room, CHAT_RATE, durationMs, warmupMs, `chat ${RECEIVERS}x${CHAT_RATE}/s, login storm`);
    const logins = await storm.stop();
    const ratio = (stormy.latency?.p99 ?? Number.NaN) / (calm.latency?.p99 ?? Number.NaN);
    ctx.log(
      `login: ${logins.rate.toFixed(1)} logins/s, chat p99 ${calm.latency?.p99.toFixed(2)} -> ${stormy.latency?.p99.toFixed(2)} ms (x${ratio.toFixed(1)})`,
    );
    if (logins.failed > 0) throw new Error(`login: ${logins.failed} logins failed (${logins.firstFailure})`);
    if (logins.ok === 0) throw new Error('login: no login succeeded during the storm');
    stormy.note = `chat p99 x${ratio.toFixed(2)} vs no storm; ${stormy.note ?? ''}`;
    return {
      cases: [
        calm,
        stormy,
        {
          name: `login storm, ${STORM_IN_FLIGHT} in flight`,
          throughput: logins.rate,
          unit: 'logins/s',
          latency: logins.latency,
          loss: logins.failed,
          note: 'bcrypt cost 12',
        },
      ],
      summary: {
        logins_per_s: logins.rate,
        login_p99_ms: logins.latency.p99,
        chat_p99_ms_calm: calm.latency?.p99 ?? null,
        chat_p99_ms_storm: stormy.latency?.p99 ?? null,
        chat_p99_ratio: ratio,
      },
      notes: [`chat: ${CHAT_SENDERS} senders, ${RECEIVERS} receivers, ${CHAT_RATE} msg/s; storm: ${LOGIN_USERS} users logging in again and again`],
    };
  } finally {
    await ctx.stopServer(server);
    room?.close();
  }
}

interface StormResult {
  ok: number;
  failed: number;
  firstFailure: string | undefined;
  rate: number;
  latency: ReturnType<typeof percentiles>;
}

/** Closed-loop logins until stop(); stop() waits for those in flight (each has its own timeout). */
function startStorm(port: number, users: readonly User[]): { stop(): Promise<StormResult> } {
  const histogram = latencyHistogram();
  const started = performance.now();
  let running = true;
  let ok = 0;
  let failed = 0;
  let firstFailure: string | undefined;
  let n = 0;
  const worker = async () => {
    while (running) {
      const user = users[n++ % users.length]!;
      const t0 = performance.now();
      try {
        const { status, body } = await postJson(port, '/api/login', { username: user.username, password: user.password }, 60_000);
        if (status === 200) {
          ok++;
          recordMs(histogram, performance.now() - t0);
        } else {
          failed++;
          firstFailure ??= `HTTP ${status} ${JSON.stringify(body)}`;
        }
      } catch (error) {
        failed++;
        firstFailure ??= (error as Error).message;
      }
    }
  };
  const workers = Array.from({ length: STORM_IN_FLIGHT }, worker);
  return {
    async stop() {
      const seconds = (performance.now() - started) / 1000;
      running = false;
      const okAtStop = ok;
      await Promise.all(workers);
      return { ok, failed, firstFailure, rate: okAtStop / seconds, latency: percentiles(histogram) };
    },
  };
}
