import type { PasswordHasher } from '../../application/ports.js';
import { DomainError } from '../../domain/errors.js';

/**
 * At most `concurrency` hashes run at once and at most `queueMax` wait. Past
 * that a request is refused at once, so a login storm cannot pile up work
 * that will only finish after its clients have given up.
 */
export class BoundedPasswordHasher implements PasswordHasher {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly inner: PasswordHasher,
    private readonly concurrency: number,
    private readonly queueMax: number,
  ) {}

  hash(password: string): Promise<string> {
    return this.run(() => this.inner.hash(password));
  }

  verify(password: string, hash: string): Promise<boolean> {
    return this.run(() => this.inner.verify(password, hash));
  }

  private async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running < this.concurrency) {
      this.running += 1;
    } else if (this.waiting.length < this.queueMax) {
      // The finishing task hands its slot straight over, so none is free in between.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      throw new DomainError('BUSY', 'the server is busy; try again in a moment');
    }
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running -= 1;
    }
  }
}
