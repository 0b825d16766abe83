import type { Clock } from '../../application/ports.js';

/** setTimeout cannot wait longer; a call further away waits again when this passes. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class SystemClock implements Clock {
  now(): Date {
    return new Date();
  }

  schedule(ms: number, callback: () => void): () => void {
    const at = Date.now() + ms;
    let timer: NodeJS.Timeout;
    const arm = (wait: number): void => {
      timer = setTimeout(
        () => {
          const left = at - Date.now();
          if (left > 0) arm(left);
          else callback();
        },
        Math.min(Math.max(wait, 0), MAX_TIMER_MS),
      ).unref();
    };
    arm(ms);
    return () => clearTimeout(timer);
  }
}
