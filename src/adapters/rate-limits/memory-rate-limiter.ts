import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { RateLimiter } from '../../application/ports.js';
import { spend, windowOptions, type LimiterRate } from './rate-window.js';

/**
 * Budgets per key in this process: for a single node, or for each node on
 * its own. Windows as rate-window.ts says; each key is dropped when its
 * window ends, so memory holds only the keys of the last `perSeconds`.
 */
export class MemoryRateLimiter implements RateLimiter {
  private readonly limiter: RateLimiterMemory;

  constructor(private readonly rate: LimiterRate) {
    this.limiter = new RateLimiterMemory({ ...windowOptions(rate), keyPrefix: '' });
  }

  take(key: string, units = 1): Promise<number> {
    return spend(this.limiter, this.rate, key, units);
  }
}
