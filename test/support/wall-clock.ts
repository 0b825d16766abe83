/**
 * Stops Date.now at `start` until restore(), moving only with advance():
 * rate-limiter-flexible reads Date.now and takes no clock, so this is how
 * its windows are tested without waiting.
 */
export function stopWallClock(start = Date.UTC(2026, 0, 1, 12)): { advance(ms: number): void; restore(): void } {
  const real = Date.now;
  let now = start;
  Date.now = () => now;
  return {
    advance(ms: number) {
      now += ms;
    },
    restore() {
      Date.now = real;
    },
  };
}
