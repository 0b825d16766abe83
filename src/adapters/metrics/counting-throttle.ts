import type { ChatMetrics, Throttle } from '../../application/ports.js';

/** A Throttle that reports each refusal, so the edges that use throttles need not know about metrics. */
export class CountingThrottle implements Throttle {
  constructor(
    private readonly inner: Throttle,
    private readonly limit: string,
    private readonly metrics: ChatMetrics,
  ) {}

  take(key: string): number {
    const retryAfterSeconds = this.inner.take(key);
    if (retryAfterSeconds > 0) this.metrics.refused(this.limit);
    return retryAfterSeconds;
  }

  forget(key: string): void {
    this.inner.forget(key);
  }
}
