import type { Throttle } from '../../application/ports.js';

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export interface ThrottleRate {
  count: number;
  perSeconds: number;
}

/**
 * Token buckets per key, in this process: `count` units, refilled evenly over
 * `perSeconds`. Memory is bounded: past `maxKeys` the least recently created
 * bucket is dropped, which at worst forgives that key early.
 * Kept beside the RateLimiter adapters for the frame budget: synchronous on the per-frame hot path, per connection, never shared between nodes.
 */
export class InMemoryThrottle implements Throttle {
  private readonly buckets = new Map<string, Bucket>();
  private readonly refillPerMs: number;

  constructor(
    private readonly rate: ThrottleRate,
    private readonly now: () => number = () => performance.now(),
    private readonly maxKeys = 100_000,
  ) {
    this.refillPerMs = rate.count / (rate.perSeconds * 1000);
  }

  /** Spends `units` (at most the whole budget); 0 when allowed, else the seconds until it would be. */
  take(key: string, units = 1): number {
    const need = Math.min(units, this.rate.count);
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (bucket) {
      bucket.tokens = Math.min(this.rate.count, bucket.tokens + (now - bucket.updatedAt) * this.refillPerMs);
      bucket.updatedAt = now;
    } else {
      if (this.buckets.size >= this.maxKeys) this.buckets.delete(this.buckets.keys().next().value as string);
      bucket = { tokens: this.rate.count, updatedAt: now };
      this.buckets.set(key, bucket);
    }
    if (bucket.tokens >= need) {
      bucket.tokens -= need;
      return 0;
    }
    return Math.ceil((need - bucket.tokens) / this.refillPerMs / 1000);
  }

  forget(key: string): void {
    this.buckets.delete(key);
  }
}
