import type { RateLimiter } from '../../src/application/ports.js';
import type { FixedClock } from './fixed-clock.js';

/** A token bucket per key on the test's clock: `burst` units, refilled at `perSecond`; it records every take. */
export class ClockedRateLimiter implements RateLimiter {
  readonly taken: Array<{ key: string; units: number; allowed: boolean }> = [];
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly clock: FixedClock,
    private readonly burst = Number.POSITIVE_INFINITY,
    private readonly perSecond = 0,
  ) {}

  async take(key: string, units = 1): Promise<number> {
    const now = this.clock.now().getTime();
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond);
    bucket.at = now;
    this.buckets.set(key, bucket);
    const allowed = bucket.tokens >= units;
    this.taken.push({ key, units, allowed });
    if (allowed) {
      bucket.tokens -= units;
      return 0;
    }
    return Math.ceil((units - bucket.tokens) / this.perSecond);
  }
}
