import { RateLimiterRes } from 'rate-limiter-flexible';

/** A budget of `count` units per `perSeconds` (the settings' `N/duration`). */
export interface LimiterRate {
  count: number;
  perSeconds: number;
}

/**
 * How a rate `N/D` becomes rate-limiter-flexible's counter: N points in a
 * window of D seconds that the key's first take opens (the library's
 * "enhanced fixed window"; it has no token bucket). Against the token bucket
 * the limits were documented as ("a burst of N, refilled evenly over D"):
 * - the same: N at once after a quiet spell, and the long-run rate; over any
 *   span of k·D at most (k+1)·N pass either way (10/1m: 20 in any minute,
 *   610 in any hour).
 * - looser over a short span: N at the end of one window and N at the start
 *   of the next pass back to back (2N), where the bucket lets one more
 *   through every D/N.
 * - stricter once spent: a refused take waits for its window to end (up to
 *   D), and then all N come back, rather than one unit every D/N.
 * The library's BurstyRateLimiter (1 per D/N, plus N−1 per D) would keep the
 * even refill, but it refills the burst whether it was used or not, letting
 * nearly 2N per D through for as long as an attack lasts; against password
 * guessing the long-run count is what matters, and there the window is exact.
 */
export function windowOptions(rate: LimiterRate): { points: number; duration: number } {
  return { points: rate.count, duration: rate.perSeconds };
}

/** The part of the library's limiters that a take uses. */
export interface Consumer {
  consume(key: string, points: number): Promise<RateLimiterRes>;
}

/**
 * One take, translated both ways: the library rejects a refusal with a
 * RateLimiterRes, which becomes the whole seconds until the window ends;
 * anything else it rejects with is a fault and stays a rejection. A refused
 * take of several units leaves them counted in its window (the library adds
 * before it compares), never in the next one.
 */
export async function spend(limiter: Consumer, rate: LimiterRate, key: string, units: number): Promise<number> {
  if (!Number.isInteger(units) || units < 1) throw new RangeError(`units must be a whole number of at least 1, not ${units}`);
  try {
    // More than the whole budget would be refused forever: it costs the whole budget instead.
    await limiter.consume(key, Math.min(units, rate.count));
    return 0;
  } catch (error) {
    if (error instanceof RateLimiterRes) return Math.max(1, Math.ceil(error.msBeforeNext / 1000));
    throw error;
  }
}
