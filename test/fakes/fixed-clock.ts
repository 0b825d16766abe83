import type { Clock } from '../../src/application/ports.js';

interface Timer {
  at: number;
  callback: () => void;
}

/** Time stands still until a test moves it; moving it runs the timers that fall due, in order. */
export class FixedClock implements Clock {
  private millis: number;
  private timers: Timer[] = [];

  constructor(start: Date = new Date('2024-01-01T12:00:00.000Z')) {
    this.millis = start.getTime();
  }

  now(): Date {
    return new Date(this.millis);
  }

  schedule(ms: number, callback: () => void): () => void {
    const timer = { at: this.millis + Math.max(ms, 0), callback };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  set(time: Date): void {
    this.advance(time.getTime() - this.millis);
  }

  advance(millis: number): void {
    const end = this.millis + millis;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.millis = Math.max(this.millis, due.at);
      due.callback();
    }
    this.millis = end;
  }

  /** Timers waiting, for tests that a session leaves none behind. */
  get pending(): number {
    return this.timers.length;
  }
}
