import { inspect } from 'node:util';

export interface EventuallyOptions {
  /** Names what is awaited, for the failure: "b hears alice leave". */
  what: string;
  /** Give up after this long; default 5 s. */
  timeoutMs?: number;
  /** Pause between two checks; default 10 ms. */
  everyMs?: number;
}

/**
 * Resolves once `check` holds: it returns anything but `false` without
 * throwing (so a boolean condition and a chai assertion both work). Checks at
 * once, then every `everyMs` until `timeoutMs`; then fails naming `what` and
 * the last value or error the check gave, so a timeout says what was seen.
 * Resolves to the check's last value.
 *
 * The one way tests wait for something that happens elsewhere (another
 * process, Redis, a timer in the code under test) and gives no event to
 * await. A check must not wait long itself: it runs again until the deadline.
 */
export async function eventually<T>(check: () => T | Promise<T>, { what, timeoutMs = 5000, everyMs = 10 }: EventuallyOptions): Promise<Exclude<T, false>> {
  const deadline = Date.now() + timeoutMs;
  let last: { value: unknown } | { error: unknown };
  for (;;) {
    try {
      const value = await check();
      if (value !== false) return value as Exclude<T, false>;
      last = { value };
    } catch (error) {
      last = { error };
    }
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  const seen =
    'error' in last ? (last.error instanceof Error ? last.error.message : inspect(last.error)) : inspect(last.value, { depth: 4, breakLength: Infinity });
  throw new Error(`not within ${timeoutMs} ms: ${what} (last seen: ${seen})`);
}
