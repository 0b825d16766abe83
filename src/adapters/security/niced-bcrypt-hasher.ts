import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { PasswordHasher } from '../../application/ports.js';

/**
 * The worker's code, as plain CommonJS so it needs no TypeScript loader. On
 * Linux, setpriority(PRIO_PROCESS, 0) applies to the calling thread only, so
 * nice 19 makes the scheduler prefer the event loop whenever both want the
 * same core: hashing takes the time chat leaves idle.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const bcrypt = require(workerData.bcryptPath);
try { require('node:os').setPriority(0, 19); } catch {}
parentPort.on('message', ({ password, hash, cost }) => {
  try {
    const result = hash === undefined ? bcrypt.hashSync(password, cost) : bcrypt.compareSync(password, hash);
    parentPort.postMessage({ result });
  } catch (error) {
    parentPort.postMessage({ error: String((error && error.message) || error) });
  }
});
`;

interface Task {
  resolve: (result: string | boolean) => void;
  reject: (error: Error) => void;
}

/**
 * bcrypt on dedicated low-priority threads instead of libuv's pool. Run it
 * behind BoundedPasswordHasher with the same concurrency: this class queues
 * nothing itself beyond waiting for a free worker.
 */
export class NicedBcryptHasher implements PasswordHasher {
  private readonly idle: Worker[] = [];
  private readonly waiting: Array<(worker: Worker) => void> = [];
  /** What each busy worker is doing: one job at a time. */
  private readonly busy = new Map<Worker, Task>();
  private readonly dead = new WeakSet<Worker>();
  private closed = false;
  private readonly bcryptPath = createRequire(import.meta.url).resolve('bcrypt');

  constructor(
    private readonly cost: number,
    workers: number,
  ) {
    for (let i = 0; i < workers; i += 1) this.idle.push(this.spawn());
  }

  async hash(password: string): Promise<string> {
    return (await this.run({ password, cost: this.cost })) as string;
  }

  async verify(password: string, hash: string): Promise<boolean> {
    return (await this.run({ password, hash })) as boolean;
  }

  /** Ends the workers; hashes in flight fail. */
  async close(): Promise<void> {
    this.closed = true;
    const workers = [...this.idle, ...this.busy.keys()];
    this.idle.length = 0;
    await Promise.all(workers.map((worker) => worker.terminate()));
  }

  private async run(job: { password: string; hash?: string; cost?: number }): Promise<string | boolean> {
    if (this.closed) throw new Error('password hasher is closed');
    const worker = this.idle.pop() ?? (await new Promise<Worker>((resolve) => this.waiting.push(resolve)));
    try {
      return await new Promise<string | boolean>((resolve, reject) => {
        this.busy.set(worker, { resolve, reject });
        // Referenced while it works, so the process waits for the answer; idle, it keeps nothing alive.
        worker.ref();
        worker.postMessage(job);
      });
    } finally {
      worker.unref();
      this.busy.delete(worker);
      // A worker that died is replaced, so the pool keeps its size.
      this.release(this.dead.has(worker) ? this.spawn() : worker);
    }
  }

  private release(worker: Worker): void {
    const next = this.waiting.shift();
    if (next) next(worker);
    else this.idle.push(worker);
  }

  private spawn(): Worker {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { bcryptPath: this.bcryptPath }, execArgv: [] });
    worker.on('message', ({ result, error }: { result?: string | boolean; error?: string }) => {
      const task = this.busy.get(worker);
      if (error !== undefined || result === undefined) task?.reject(new Error(error ?? 'no result'));
      else task?.resolve(result);
    });
    worker.on('error', (error) => {
      this.dead.add(worker);
      const task = this.busy.get(worker);
      if (task) return task.reject(error);
      const index = this.idle.indexOf(worker);
      if (index >= 0) this.idle.splice(index, 1, this.spawn());
    });
    // After the listeners, which take a reference again.
    worker.unref();
    return worker;
  }
}
