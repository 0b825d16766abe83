import type { Clock } from '../../src/application/ports.js';

/** Time stands still until a test moves it. */
export class FixedClock implements Clock {
  private millis: number;

  constructor(start: Date = new Date('2024-01-01T12:00:00.000Z')) {
    this.millis = start.getTime();
  }

  now(): Date {
    return new Date(this.millis);
  }

  set(time: Date): void {
    this.millis = time.getTime();
  }

  advance(millis: number): void {
    this.millis += millis;
  }
}
