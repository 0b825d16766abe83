import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventually } from './eventually.js';

export const NGINX = process.env.NGINX_PATH ?? '/usr/sbin/nginx';
const CONFIG = fileURLToPath(new URL('../../deploy/nginx.conf', import.meta.url));

/** In CI nginx must be there (.ci/run installs it): a missing one fails the suite instead of skipping it. */
export function requireNginx(context: Mocha.Context): void {
  if (existsSync(NGINX)) return;
  if (process.env.CI) throw new Error(`nginx is required in CI but ${NGINX} is missing (apt-get install -y nginx)`);
  console.warn(`    (skipped: no nginx at ${NGINX}; apt-get install -y nginx)`);
  context.skip();
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * deploy/nginx.conf as the docs show it, with only the lines marked
 * "test:" changed: the upstream ports, the listening port and where nginx
 * keeps its pid and error log.
 */
export function renderConfig(config: string, { port, upstreams, directory }: { port: number; upstreams: number[]; directory: string }): string {
  const lines = config.split('\n');
  const out: string[] = [];
  let upstreamsWritten = false;
  for (const line of lines) {
    if (!line.includes('# test: replaced')) {
      out.push(line);
      continue;
    }
    const indent = line.match(/^\s*/)?.[0] ?? '';
    const directive = line.trim().split(/\s+/)[0];
    if (directive === 'pid') out.push(`${indent}pid ${join(directory, 'nginx.pid')};`);
    else if (directive === 'error_log') out.push(`${indent}error_log ${join(directory, 'error.log')} warn;`);
    else if (directive === 'listen') out.push(`${indent}listen 127.0.0.1:${port};`);
    else if (directive === 'server' && !upstreamsWritten) {
      upstreamsWritten = true;
      for (const upstream of upstreams) out.push(`${indent}server 127.0.0.1:${upstream} max_fails=1 fail_timeout=5s;`);
    } else if (directive !== 'server') throw new Error(`deploy/nginx.conf: no rule for the test line ${JSON.stringify(line)}`);
  }
  return out.join('\n');
}

/** nginx in the foreground with deploy/nginx.conf in front of the given ports. */
export class Nginx {
  private constructor(
    private readonly child: ChildProcess,
    private readonly directory: string,
    readonly port: number,
  ) {}

  static async start(upstreams: number[]): Promise<Nginx> {
    const directory = mkdtempSync(join(tmpdir(), 'chat-nginx-'));
    const port = await freePort();
    const configPath = join(directory, 'nginx.conf');
    writeFileSync(configPath, renderConfig(readFileSync(CONFIG, 'utf8'), { port, upstreams, directory }));
    const check = spawnSync(NGINX, ['-t', '-q', '-p', directory, '-c', configPath, '-e', join(directory, 'error.log')], { encoding: 'utf8' });
    if (check.status !== 0) throw new Error(`nginx -t refused deploy/nginx.conf: ${check.stderr}`);
    const child = spawn(NGINX, ['-p', directory, '-c', configPath, '-e', join(directory, 'error.log'), '-g', 'daemon off;'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const nginx = new Nginx(child, directory, port);
    const answers = () =>
      fetch(`http://127.0.0.1:${port}/healthz`).then(
        () => true,
        () => false,
      );
    // Waits until it answers, or has exited (no use waiting then); says why below, in nginx's own words.
    const started = await eventually(async () => child.exitCode !== null || (await answers()), { what: 'nginx answers', timeoutMs: 5000, everyMs: 20 }).then(
      () => child.exitCode === null,
      () => false,
    );
    if (started) return nginx;
    await nginx.stop();
    throw new Error(`nginx did not start: ${readFileSync(join(directory, 'error.log'), 'utf8')}`);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      await exited;
    }
    rmSync(this.directory, { recursive: true, force: true });
  }
}
