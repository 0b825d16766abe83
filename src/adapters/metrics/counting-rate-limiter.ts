import type { ChatMetrics, RateLimiter } from '../../application/ports.js';

/** A RateLimiter that reports each refusal, so the code that spends budgets need not know about metrics. */
export class CountingRateLimiter implements RateLimiter {
  constructor(
    private readonly inner: RateLimiter,
    private readonly limit: string,
    private readonly metrics: ChatMetrics,
  ) {}

  async take(key: string, units?: number): Promise<number> {
    const retryAfterSeconds = await this.inner.take(key, units);
    if (retryAfterSeconds > 0) this.metrics.refused(this.limit);
    return retryAfterSeconds;
  }
}
