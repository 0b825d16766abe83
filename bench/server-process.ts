/**
 * The server under test, as a separate process running what `npm start`
 * runs (from src/ under tsx, so that --server-rev can run any revision
 * without building it), configured by environment only, pinned
 * to one core with taskset when there is one. CPU time and RSS are read from
 * /proc so that nothing has to change in the server to be measured.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { createInterface } from 'node:readline';

export const CLOCK_TICKS_PER_SECOND = (() => {
  const result = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const value = Number(result.stdout?.trim());
  return Number.isFinite(value) && value > 0 ? value : 100;
})();

export const TASKSET = findExecutable('taskset');
export const PRLIMIT = findExecutable('prlimit');

function findExecutable(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(':')) {
    const path = `${dir}/${name}`;
    if (dir && existsSync(path)) return path;
  }
  return undefined;
}

/** utime + stime of a process (all its threads), in seconds; undefined once it is gone. */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses; the fields after the last ')' do not.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** CPU seconds all cores have been busy since boot (/proc/stat), to see what else ran during a measurement. */
export function machineBusySeconds(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS_PER_SECOND;
}

/**
 * TCP segments retransmitted in this network namespace since boot
 * (/proc/net/snmp, timeouts included). Nothing is lost on loopback, so in
 * the bench's runs these are mostly spurious tail-loss probes: extra work
 * on the sending core, sent because a lazily read receiver's ACK was late.
 * NaN where the file cannot be read.
 */
export function tcpRetransmittedSegments(): number {
  try {
    const [names, values] = readFileSync('/proc/net/snmp', 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('Tcp:'))
      .map((line) => line.trim().split(/\s+/));
    const index = names?.indexOf('RetransSegs') ?? -1;
    return index > 0 && values ? Number(values[index]) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Resident set size (VmRSS) in KiB. */
export function processRssKiB(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds of the PostgreSQL processes working for the bench: the backends
 * connected to one of `databases` (their process title names the database)
 * plus the WAL writer, which does the commit flushes. Other work on the same
 * cluster (a test run, say) is left out as far as titles allow.
 */
export function postgresCpuSeconds(databases: readonly string[]): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'postgres') continue;
      const title = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      const ours = title.includes('walwriter') || databases.some((name) => title.includes(` ${name} `));
      if (ours) total += processCpuSeconds(Number(entry)) ?? 0;
    } catch {
      // The process ended while we looked.
    }
  }
  return total;
}

/** Pins this very process, every thread of it, to some cores (one, or a taskset list such as "0,1"). Returns false if that was not possible. */
export function pinSelf(cpus: number | string): boolean {
  if (!TASKSET) return false;
  const result = spawnSync(TASKSET, ['-a', '-p', '-c', String(cpus), String(process.pid)], { encoding: 'utf8' });
  return result.status === 0;
}

/** The soft RLIMIT_NOFILE of a process. */
export function openFileLimit(pid: number | 'self'): number {
  const match = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'));
  return match?.[1] === 'unlimited' ? Number.POSITIVE_INFINITY : Number(match?.[1] ?? 1024);
}

/** Raises a process's open-file limit (needs prlimit and, past the hard limit, root). */
export function raiseOpenFileLimit(pid: number, wanted: number): number {
  if (openFileLimit(pid) >= wanted || !PRLIMIT) return openFileLimit(pid);
  spawnSync(PRLIMIT, ['--pid', String(pid), `--nofile=${wanted}:${wanted}`]);
  return openFileLimit(pid);
}

/**
 * One "metrics" line of the server's log (METRICS_INTERVAL, see
 * src/adapters/metrics/metrics-log.ts): its event-loop delay over the
 * interval before it, measured inside the server.
 */
export interface MetricsLine {
  /** performance.now() when the bench read the line: the interval it covers ends about then. */
  atMs: number;
  loopDelayP50Ms: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}

/** A metrics line, or undefined for any other line. Cheap on the other lines: they are most of them. */
export function parseMetricsLine(line: string, atMs: number): MetricsLine | undefined {
  if (!line.includes('"event":"metrics"')) return undefined;
  try {
    const fields = JSON.parse(line) as Record<string, unknown>;
    const number = (name: string) => (typeof fields[name] === 'number' ? fields[name] : Number.NaN);
    return {
      atMs,
      loopDelayP50Ms: number('loopDelayP50Ms'),
      loopDelayP99Ms: number('loopDelayP99Ms'),
      loopDelayMaxMs: number('loopDelayMaxMs'),
    };
  } catch {
    return undefined;
  }
}

/** Enough metrics lines for the longest scenario at one a second; older ones are dropped. */
const METRICS_KEPT = 7200;

export interface ServerOptions {
  /** The repository root: main.ts reads .env from its working directory. */
  cwd: string;
  env: Record<string, string>;
  /** Pin to this core; undefined runs unpinned. */
  cpu: number | undefined;
  nodeFlags: readonly string[];
  /** The script to run (default src/main.ts, the server; the bench's ceiling-server.ts for --ceiling). */
  entry?: string;
  /** Open-file limit to give the server (connections scenario). */
  openFiles: number;
  startTimeoutMs?: number;
}

/** A port nobody listens on right now (the kernel's pick), on loopback. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export class ServerProcess {
  private exitCode: number | null | undefined;
  readonly exited: Promise<number | null>;

  private constructor(
    readonly child: ChildProcess,
    readonly pid: number,
    readonly port: number,
    exited: Promise<number | null>,
    /** The last lines of output, for the report when something breaks. */
    readonly tail: string[],
    /** The server's own "metrics" lines, oldest first (none unless METRICS_INTERVAL is set and LOG_LEVEL shows info). */
    readonly metrics: MetricsLine[],
  ) {
    this.exited = exited.then((code) => (this.exitCode = code));
  }

  static async start(options: ServerOptions): Promise<ServerProcess> {
    // The "listening" line carries the port, but only at LOG_LEVEL=info; so the
    // bench picks a free port itself and also watches for it to accept.
    const port = await freePort();
    const nodeArgs = [...options.nodeFlags, '--import', 'tsx', options.entry ?? 'src/main.ts'];
    const [command, args] =
      options.cpu === undefined || !TASKSET ? [process.execPath, nodeArgs] : [TASKSET, ['-c', String(options.cpu), process.execPath, ...nodeArgs]];
    const child = spawn(command, args, {
      cwd: options.cwd,
      // Only what the bench gives (plus PATH/HOME), so a developer's own DATABASE_URL cannot leak in.
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...options.env, PORT: String(port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (child.pid === undefined) throw new Error('could not spawn the server');
    const pid = child.pid;
    // taskset execs node in place, so the pid is the server's own. The open-file
    // limit is raised before the server has accepted anything.
    raiseOpenFileLimit(pid, options.openFiles);
    const tail: string[] = [];
    const remember = (line: string) => {
      tail.push(line);
      if (tail.length > 30) tail.shift();
    };
    // Both streams are read to the end, always: a full pipe would block the server.
    const metrics: MetricsLine[] = [];
    createInterface({ input: child.stderr }).on('line', remember);
    createInterface({ input: child.stdout }).on('line', (line) => {
      const parsed = parseMetricsLine(line, performance.now());
      // Kept apart, not in the tail: one a second would push out the lines that explain a failure.
      if (parsed === undefined) return remember(line);
      metrics.push(parsed);
      if (metrics.length > METRICS_KEPT) metrics.shift();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : null))));
    let exitedEarly: number | null | undefined;
    void exited.then((code) => (exitedEarly = code));
    const deadline = performance.now() + (options.startTimeoutMs ?? 60_000);
    for (;;) {
      if (exitedEarly !== undefined) throw new Error(`server exited with ${exitedEarly} before listening:\n${tail.join('\n')}`);
      if (await accepts(port)) break;
      if (performance.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`server did not listen within ${options.startTimeoutMs ?? 60_000} ms:\n${tail.join('\n')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return new ServerProcess(child, pid, port, exited, tail, metrics);
  }

  get alive(): boolean {
    return this.exitCode === undefined;
  }

  /** Throws if the server has died: a scenario checks this between steps. */
  assertAlive(): void {
    if (!this.alive) throw new Error(`server exited unexpectedly with ${this.exitCode}:\n${this.tail.join('\n')}`);
  }

  cpuSeconds(): number {
    return processCpuSeconds(this.pid) ?? Number.NaN;
  }

  rssKiB(): number {
    return processRssKiB(this.pid) ?? Number.NaN;
  }

  /** SIGTERM, as an operator would; the server must exit 0. Killed after the deadline. */
  async stop(deadlineMs = 20_000): Promise<number | null> {
    if (!this.alive) return this.exitCode ?? null;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), deadlineMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}
