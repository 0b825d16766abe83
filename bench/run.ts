/**
 * npm run bench -- [--quick] [--scenario fanout,latency,...] [--db postgres,embedded] [...]
 *
 * Starts the server (src/main.ts) as its own process for each scenario
 * (two for multinode), pinned to one core, and drives it from this process,
 * pinned to the other, over loopback WebSockets speaking the real protocol.
 * Prints progress on stderr; on stdout one JSON line per scenario as it finishes, then a table.
 * Exits non-zero if any scenario or server broke (timings are never judged:
 * quick mode is CI's check that the benchmark still works). See
 * docs/performance.md for the method and the figures.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { closeHttpAgent, measuredWindows, SERVER_METRICS_INTERVAL_S } from './harness.js';
import { BenchDatabases, type DbKind, type OpenDatabase } from './prefill.js';
import { formatProfile, summarizeProfile } from './profile-summary.js';
import { jsonLine, markdownTable, table, type ScenarioRecord } from './report.js';
import { connections } from './scenarios/connections.js';
import { fanout } from './scenarios/fanout.js';
import { history } from './scenarios/history.js';
import { ingest } from './scenarios/ingest.js';
import { latency } from './scenarios/latency.js';
import { login } from './scenarios/login.js';
import { multinode } from './scenarios/multinode.js';
import { nodeCost } from './scenarios/node-cost.js';
import type { Scenario, ScenarioContext } from './scenarios/types.js';
import { machineBusySeconds, pinSelf, raiseOpenFileLimit, ServerProcess, TASKSET } from './server-process.js';
import { exportedTree, workingTree } from './server-tree.js';

const SCENARIOS: Record<string, Scenario> = { fanout, multinode, 'node-cost': nodeCost, latency, ingest, history, connections, login };
const MULTINODE_LAYOUTS = ['shared', 'spread'];
/** What the no-database ceiling (--ceiling) can run: no history, no logins, one node. */
const CEILING_SCENARIOS = ['fanout', 'latency', 'ingest', 'connections'];
const CEILING_SERVER = 'bench/ceiling-server.ts';
const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * The server's abuse throttles, raised so that the bench measures the message
 * path and not the limits. Names the server does not know yet are ignored by it.
 */
const RAISED_THROTTLES: Record<string, string> = {
  MESSAGE_RATE_PER_SECOND: '100000',
  MESSAGE_RATE_BURST: '100000',
  FRAME_RATE_PER_SECOND: '100000',
  FRAME_RATE_BURST: '100000',
  ANONYMOUS_READ_RATE: '100000000/1s',
  MAX_CONNECTIONS: '100000',
  MAX_CONNECTIONS_PER_ADDRESS: '100000',
  LOGIN_LIMIT_PER_ACCOUNT: '100000/1s',
  LOGIN_LIMIT_PER_ADDRESS: '100000/1s',
  REGISTER_LIMIT_PER_ADDRESS: '100000/1s',
  HASH_QUEUE_MAX: '10000',
  SEND_BUFFER_MAX: String(256 * 1024 * 1024),
};

const USAGE = `usage: npm run bench -- [options]
  --quick                 every scenario briefly (CI); history on 100k rows only, no 10M
  --scenario LIST         ${Object.keys(SCENARIOS).join(',')} (default: all)
  --db LIST               postgres,embedded (default: both)
  --pg-url URL            PostgreSQL server, no database part (default $BENCH_PG_URL or postgres://postgres@127.0.0.1:5432);
                          the bench creates and uses chat_bench and chat_bench_h<N>
  --data-dir DIR          embedded databases and profiles (default bench/data)
  --redis-url URL         Redis for "multinode" and "node-cost" (default $BENCH_REDIS_URL or redis://127.0.0.1:6379); without it
                          they are skipped, except in CI (CI or REQUIRE_REDIS=1 set), where it fails
  --multinode-layout LIST shared (both nodes on the server core), spread (a node per core, load unpinned)
                          (default: both; quick: shared)
  --ceiling               run bench/ceiling-server.ts instead of the server: Node.js + ws with no database, the
                          least the scenarios need (fanout, latency, ingest, connections), for the distance to it
  --server-rev REV        run the server of this commit (exported with git archive to a temporary directory),
                          not the working tree's src/: measures a known commit while src/ is being edited
  --server-cpu N          core for the server (default 0)
  --load-cpu N            core for this load generator (default 1)
  --no-pin                run unpinned
  --connections N         idle connections for "connections" (default 10000; quick 2000)
  --history-sizes LIST    pre-filled message counts (default 1000000,10000000; quick 100000)
  --fanout-rates LIST     fanout, multinode, node-cost: measure exactly these steps (msg/s), each one, without stopping at
                          a miss or bisecting: for comparing revisions at fixed rates (default: the ramp)
  --profile               run the server with --cpu-prof and print where its time went
  --node-flag FLAG        extra node flag for the server (repeatable)
  --server-env NAME=VALUE extra server setting (repeatable; wins over the bench's)
  --log-level LEVEL       the server's LOG_LEVEL (default info, the server's own default: a line per connection;
                          the servers' own event-loop figures come from info lines: above info they are missing)
  --wait-quiet SECONDS    before each scenario and each fan-out step, wait up to this long for the machine to be idle
                          (other work under 20% of a core; default 120 in full runs, 0 in quick)
  --prefill-only          build (or check) the pre-filled history databases and stop
  --markdown              also print the table as Markdown (for docs/performance.md)
  --json FILE             also append the JSON lines to FILE
  --help`;

function parseList(value: string | undefined, fallback: readonly string[]): string[] {
  return value === undefined
    ? [...fallback]
    : value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
}

function cpuModel(): string {
  try {
    return /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      scenario: { type: 'string', multiple: true },
      db: { type: 'string', multiple: true },
      'pg-url': { type: 'string' },
      'redis-url': { type: 'string' },
      'server-rev': { type: 'string' },
      ceiling: { type: 'boolean', default: false },
      'multinode-layout': { type: 'string', multiple: true },
      'data-dir': { type: 'string' },
      'server-cpu': { type: 'string', default: '0' },
      'load-cpu': { type: 'string', default: '1' },
      'no-pin': { type: 'boolean', default: false },
      connections: { type: 'string' },
      'fanout-rates': { type: 'string' },
      'history-sizes': { type: 'string' },
      profile: { type: 'boolean', default: false },
      'node-flag': { type: 'string', multiple: true },
      'server-env': { type: 'string', multiple: true },
      'log-level': { type: 'string', default: 'info' },
      'wait-quiet': { type: 'string' },
      'prefill-only': { type: 'boolean', default: false },
      markdown: { type: 'boolean', default: false },
      json: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    allowPositionals: false,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const quick = values.quick;
  const scenarioNames = parseList(values.scenario?.join(','), Object.keys(SCENARIOS));
  const unknown = scenarioNames.filter((name) => !(name in SCENARIOS));
  // The ceiling stores nothing: one pass, labelled postgres (the scenarios still prepare a scratch database it never opens).
  const dbs = values.ceiling
    ? ['postgres']
    : parseList(values.db?.join(','), ['postgres', 'embedded']).map((name) =>
        name === 'pg' || name === 'postgresql' ? 'postgres' : name === 'pglite' ? 'embedded' : name,
      );
  if (unknown.length > 0 || dbs.some((db) => db !== 'postgres' && db !== 'embedded')) {
    console.error(`unknown scenario or database: ${[...unknown, ...dbs.filter((db) => db !== 'postgres' && db !== 'embedded')].join(', ')}\n${USAGE}`);
    return 2;
  }
  if (values.ceiling && (values['server-rev'] || scenarioNames.some((name) => !CEILING_SCENARIOS.includes(name)))) {
    console.error(`--ceiling runs ${CEILING_SCENARIOS.join(', ')} only, on the working tree's ${CEILING_SERVER} (no --server-rev)\n${USAGE}`);
    return 2;
  }
  const multinodeLayouts = parseList(values['multinode-layout']?.join(','), quick ? ['shared'] : MULTINODE_LAYOUTS);
  if (multinodeLayouts.some((layout) => !MULTINODE_LAYOUTS.includes(layout))) {
    console.error(`unknown multinode layout: ${multinodeLayouts.join(',')}\n${USAGE}`);
    return 2;
  }
  const redisUrl = values['redis-url'] ?? process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const connectionCount = Number(values.connections ?? (quick ? 2000 : 10_000));
  const historySizes = parseList(values['history-sizes'], quick ? ['100000'] : ['1000000', '10000000']).map(Number);
  if (!Number.isInteger(connectionCount) || connectionCount < 1 || historySizes.some((n) => !Number.isInteger(n) || n < 50)) {
    console.error(`--connections and --history-sizes take whole numbers (history: at least 50)\n${USAGE}`);
    return 2;
  }
  const fanoutRates = values['fanout-rates'] === undefined ? undefined : parseList(values['fanout-rates'], []).map(Number);
  if (fanoutRates && (fanoutRates.length === 0 || fanoutRates.some((rate) => !Number.isInteger(rate) || rate < 1))) {
    console.error(`--fanout-rates takes whole numbers of messages per second\n${USAGE}`);
    return 2;
  }
  const dataRoot = values['data-dir'] ?? join(REPO_ROOT, 'bench', 'data');
  const profileDir = join(dataRoot, 'profiles');
  mkdirSync(dataRoot, { recursive: true });
  const log = (line: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);

  // Pinning: the server on one core, this process (every thread) on another.
  const cores = availableParallelism();
  const serverCpu = Number(values['server-cpu']);
  const loadCpu = Number(values['load-cpu']);
  let pinning: { server: number | null; load: number | null; how: string };
  if (values['no-pin']) pinning = { server: null, load: null, how: 'unpinned (--no-pin)' };
  else if (!TASKSET) pinning = { server: null, load: null, how: 'unpinned: taskset (util-linux) not found' };
  else if (cores < 2 || serverCpu === loadCpu || Math.max(serverCpu, loadCpu) >= cores)
    pinning = { server: null, load: null, how: `unpinned: ${cores} core(s) available` };
  else if (!pinSelf(loadCpu)) pinning = { server: null, load: null, how: 'unpinned: taskset refused' };
  else pinning = { server: serverCpu, load: loadCpu, how: `server on core ${serverCpu}, load on core ${loadCpu} (taskset)` };

  // Each connection is a file descriptor on both sides.
  const openFilesWanted = connectionCount + 2000;
  const loadOpenFiles = raiseOpenFileLimit(process.pid, openFilesWanted);

  const serverTree = values['server-rev'] ? exportedTree(REPO_ROOT, values['server-rev']) : workingTree(REPO_ROOT);
  // The databases get the measured server's migrations.
  const openDatabase =
    serverTree.root === REPO_ROOT
      ? undefined
      : ((await import(pathToFileURL(join(serverTree.root, 'src', 'infrastructure', 'database.ts')).href)) as { openDatabase: OpenDatabase }).openDatabase;
  const databases = new BenchDatabases(values['pg-url'] ?? process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432', dataRoot, log, openDatabase);
  let postgres = 'not used';
  let pgLock: { release(): Promise<void> } | undefined;
  if (dbs.includes('postgres')) {
    try {
      const info = await databases.postgresInfo();
      postgres = `PostgreSQL ${info.version} (synchronous_commit=${info.synchronousCommit}, fsync=${info.fsync})`;
    } catch (error) {
      postgres = `unreachable: ${(error as Error).message}`;
    }
    // One bench run at a time per PostgreSQL: they would share chat_bench. Waits about as long as a run takes, then gives up.
    if (!postgres.startsWith('unreachable')) pgLock = await databases.lock(quick ? 600 : 3600);
  }
  const machine = { cores, cpu: cpuModel(), node: process.version, postgres };
  const context = {
    date: new Date().toISOString(),
    revision: values.ceiling ? `the no-database ceiling, ${CEILING_SERVER} at ${serverTree.revision}` : serverTree.revision,
    quick,
    machine,
    pinning: pinning.how,
  };
  const serverEnvExtra = Object.fromEntries(
    (values['server-env'] ?? []).map((pair) => {
      const at = pair.indexOf('=');
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
  const header = [
    `# chat-server bench, ${context.date}${quick ? ', QUICK mode (short runs; history on 100k rows, the 10M pre-fill skipped)' : ''}`,
    `# server revision: ${context.revision}`,
    `# machine: ${cores} cores, ${machine.cpu}, node ${machine.node}, ${postgres}`,
    `# pinning: ${pinning.how}`,
    `# server throttles raised: ${Object.entries(RAISED_THROTTLES)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}`,
    `# server: LOG_LEVEL=${values['log-level']}, METRICS_INTERVAL=${SERVER_METRICS_INTERVAL_S}, BCRYPT_COST=4 for setup users (login: 12)${Object.keys(serverEnvExtra).length ? `, plus ${JSON.stringify(serverEnvExtra)}` : ''}`,
    `# open files: load ${loadOpenFiles}, server raised to ${openFilesWanted}`,
    `# scenarios: ${scenarioNames.join(', ')}; databases: ${dbs.join(', ')}`,
  ].join('\n');
  console.log(header);

  if (values['prefill-only']) {
    for (const db of dbs as DbKind[]) for (const rows of historySizes) await databases.prefilled(db, rows);
    return 0;
  }

  const quietSeconds = Number(values['wait-quiet'] ?? (quick ? 0 : 120));
  /** A server's core: the server core unless the scenario names another (null: unpinned); an unpinned run stays unpinned. */
  const serverCore = (asked: number | null | undefined): number | undefined =>
    pinning.server === null ? undefined : asked === undefined ? pinning.server : (asked ?? undefined);
  const jwtSecret = randomBytes(48).toString('base64');
  const runId = Date.now().toString(36);
  const running = new Set<ServerProcess>();
  const records: ScenarioRecord[] = [];
  let profileCount = 0;
  const profileFiles = new Map<ServerProcess, string>();
  const serverStartedUs = new Map<ServerProcess, number>();

  process.once('SIGINT', () => {
    for (const server of running) server.child.kill('SIGTERM');
    process.exit(130);
  });

  for (const db of dbs as DbKind[]) {
    for (const name of scenarioNames) {
      const profileNotes: string[] = [];
      const ctx: ScenarioContext = {
        db,
        quick,
        databases,
        runId,
        connectionCount,
        historySizes,
        fanoutRates,
        redisUrl,
        multinodeLayouts,
        pinning: { server: pinning.server, load: pinning.load },
        log,
        waitQuiet: () => waitQuiet(quietSeconds, log),
        pinLoad(cpus) {
          if (pinning.load === null) return cpus === 'default';
          return pinSelf(cpus === 'default' ? pinning.load : cpus);
        },
        async startServer(target, env = {}, options = {}) {
          const nodeFlags = [...(values['node-flag'] ?? [])];
          // One directory per server: node writes a profile per thread (tsx's loader runs in a worker).
          const serverProfileDir = join(profileDir, `${name}-${db}-${runId}-${++profileCount}`);
          if (values.profile) nodeFlags.push('--cpu-prof', `--cpu-prof-dir=${serverProfileDir}`);
          const server = await ServerProcess.start({
            cwd: serverTree.root,
            entry: values.ceiling ? join(REPO_ROOT, CEILING_SERVER) : undefined,
            cpu: serverCore(options.cpu),
            nodeFlags,
            openFiles: openFilesWanted,
            env: {
              JWT_SECRET: jwtSecret,
              TOKEN_TTL: '24h',
              BCRYPT_COST: '4',
              HISTORY_MAX: '100',
              MESSAGE_MAX: '4000',
              LOG_LEVEL: values['log-level'],
              // The server's own event-loop delay, a line a second, read by ServerProcess (harness.ts, serverLoopBetween).
              METRICS_INTERVAL: String(SERVER_METRICS_INTERVAL_S),
              // Never the developer's ./data: the embedded targets set their own.
              DATA_DIR: join(dataRoot, 'server'),
              ...RAISED_THROTTLES,
              ...target.env,
              ...env,
              ...serverEnvExtra,
            },
          });
          running.add(server);
          if (values.profile) profileFiles.set(server, serverProfileDir);
          serverStartedUs.set(server, Number(process.hrtime.bigint() / 1000n));
          log(
            `server pid ${server.pid} on port ${server.port} (${db}), ${serverCore(options.cpu) === undefined ? 'unpinned' : `on core ${serverCore(options.cpu)}`}`,
          );
          return server;
        },
        async stopServer(server) {
          const code = await server.stop();
          running.delete(server);
          const dir = profileFiles.get(server);
          if (dir) {
            // The main thread's profile: thread id 0 in node's default name CPU.<date>.<time>.<pid>.<tid>.<seq>.cpuprofile.
            const main = existsSync(dir) ? readdirSync(dir).find((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f)) : undefined;
            const file = main ? join(dir, main) : dir;
            try {
              // Only the measured windows of this server's life.
              const summary = summarizeProfile(
                file,
                12,
                measuredWindows.filter(([from]) => from >= serverStartedUs.get(server)!),
              );
              log(`profile ${file} (measured windows only)\n${formatProfile(summary)}`);
              profileNotes.push(
                `profile ${file}: ${summary.places
                  .slice(0, 6)
                  .map((p) => `${p.name} ${(p.share * 100).toFixed(0)}%`)
                  .join(', ')}`,
              );
            } catch (error) {
              log(`no profile at ${file}: ${(error as Error).message}`);
            }
          }
          if (code !== 0) throw new Error(`server exited with ${code} on SIGTERM (expected 0):\n${server.tail.join('\n')}`);
        },
      };
      const quietAtStart = await waitQuiet(quietSeconds, log);
      log(`--- ${name} on ${db}${quick ? ' (quick)' : ''}`);
      const started = performance.now();
      // Every scenario is bounded; the larger history pre-fills get more room.
      const limitMs = quick ? 150_000 : name === 'history' ? 60 * 60_000 : name === 'multinode' ? 30 * 60_000 : 15 * 60_000;
      let timer: NodeJS.Timeout | undefined;
      const record: ScenarioRecord = await Promise.race([
        SCENARIOS[name]!(ctx).then((output) => ({ scenario: name, db, ok: true, seconds: 0, ...output })),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`timed out after ${limitMs / 1000} s`)), limitMs);
        }),
      ])
        .catch((error: unknown) => {
          for (const server of running) server.child.kill('SIGKILL');
          running.clear();
          const message = error instanceof Error ? error.message : String(error);
          log(`${name} on ${db} FAILED: ${message}`);
          return { scenario: name, db, ok: false, error: message, seconds: 0, cases: [], summary: {}, notes: [] };
        })
        .finally(() => clearTimeout(timer));
      record.seconds = (performance.now() - started) / 1000;
      record.notes.push(...profileNotes);
      if (!quietAtStart) record.notes.push(`the machine never went quiet in the ${quietSeconds} s waited before this scenario`);
      // A scenario that moved the load (multinode's spread layout) and then failed or timed out leaves it moved.
      if (pinning.load !== null) pinSelf(pinning.load);
      records.push(record);
      const line = jsonLine(record, context);
      console.log(line);
      if (values.json) appendFileSync(values.json, `${line}\n`);
    }
  }
  closeHttpAgent();
  await pgLock?.release();

  console.log(`\n${table(records)}`);
  if (values.markdown) console.log(`\n${markdownTable(records)}`);
  for (const record of records) for (const note of record.notes) console.log(`# ${record.scenario}/${record.db}: ${note}`);
  const failed = records.filter((r) => !r.ok);
  const skipped = records.filter((r) => r.skipped !== undefined);
  const skippedText = skipped.length > 0 ? ` (${skipped.length} skipped: ${skipped.map((r) => `${r.scenario}/${r.db}`).join(', ')})` : '';
  console.log(
    failed.length === 0
      ? `\nbench: ${records.length} scenario runs, all completed${skippedText}`
      : `\nbench: ${failed.length} of ${records.length} scenario runs FAILED: ${failed.map((r) => `${r.scenario}/${r.db}`).join(', ')}`,
  );
  return failed.length === 0 ? 0 : 1;
}

/**
 * Other work on this machine (a test run, say) makes the figures wrong, and
 * the table flags such windows; before a scenario (and each fan-out step)
 * the bench waits for a quiet second, a bounded time, and goes on regardless
 * after that. Returns whether it found one (true when told not to wait).
 */
async function waitQuiet(maxSeconds: number, log: (line: string) => void): Promise<boolean> {
  const deadline = performance.now() + maxSeconds * 1000;
  let said = false;
  while (performance.now() < deadline) {
    const before = machineBusySeconds();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const busy = (machineBusySeconds() - before) * 100;
    if (busy < 20) return true;
    if (!said) log(`machine busy (${busy.toFixed(0)}% of a core used by other work); waiting up to ${maxSeconds} s for it to calm down`);
    said = true;
  }
  if (maxSeconds > 0) log('machine still busy; measuring anyway (see "other CPU")');
  return maxSeconds <= 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
