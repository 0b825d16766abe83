import { Worker } from 'node:worker_threads';
import type { PasswordHasher } from '../../application/ports.js';

/** What bcrypt-worker.js is asked: hash a password at a cost, or verify one against a hash. */
export type BcryptJob = { password: string; cost: number } | { password: string; hash: string };
/** Its answer: the hash or the verdict, or why bcrypt failed. */
export type BcryptReply = { result: string | boolean } | { error: string };

/** Beside this file, in src/ and in dist/ alike. */
const WORKER_FILE = new URL('./bcrypt-worker.js', import.meta.url);

/** How long close() lets a hash in flight finish. */
const STOP_GRACE_MS = 10_000;

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
  private readonly waiting: Array<{ resolve: (worker: Worker) => void; reject: (error: Error) => void }> = [];
  /** What each busy worker is doing: one job at a time. */
  private readonly busy = new Map<Worker, Task>();
  private readonly dead = new WeakSet<Worker>();
  private closed = false;

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

  /**
   * Ends the workers once their current hash is done; hashes still waiting
   * for a worker fail. A worker is asked to stop rather than terminated:
   * terminating a thread inside bcrypt's native code can abort the process.
   */
  async close(): Promise<void> {
    this.closed = true;
    for (const { reject } of this.waiting.splice(0)) reject(new Error('password hasher is closed'));
    const workers = [...this.idle, ...this.busy.keys()];
    this.idle.length = 0;
    await Promise.all(workers.map((worker) => this.stop(worker)));
  }

  private stop(worker: Worker): Promise<void> {
    return new Promise((resolve) => {
      // A hash at a huge cost could take minutes: past this it is cut after all.
      const timer = setTimeout(() => void worker.terminate(), STOP_GRACE_MS);
      worker.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      worker.postMessage('exit');
    });
  }

  private async run(job: BcryptJob): Promise<string | boolean> {
    if (this.closed) throw new Error('password hasher is closed');
    const worker = this.idle.pop() ?? (await new Promise<Worker>((resolve, reject) => this.waiting.push({ resolve, reject })));
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
      if (!this.closed) this.release(this.dead.has(worker) ? this.spawn() : worker);
    }
  }

  private release(worker: Worker): void {
    const next = this.waiting.shift();
    if (next) next.resolve(worker);
    else this.idle.push(worker);
  }

  private spawn(): Worker {
    // None of this thread's flags: the worker needs no loader, and the bench's --cpu-prof is for the event loop.
    const worker = new Worker(WORKER_FILE, { execArgv: [] });
    worker.on('message', (reply: BcryptReply) => {
      const task = this.busy.get(worker);
      if ('error' in reply) task?.reject(new Error(reply.error));
      else task?.resolve(reply.result);
    });
    worker.on('exit', () => {
      this.dead.add(worker);
      this.busy.get(worker)?.reject(new Error('password hashing stopped'));
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
