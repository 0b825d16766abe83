import type { Logger } from '../../application/ports.js';

type Level = 'error' | 'warn' | 'info';
const RANK: Record<Level, number> = { error: 0, warn: 1, info: 2 };

/** One JSON object per line on stdout, so any log collector can read it. */
export class JsonLineLogger implements Logger {
  constructor(
    private readonly level: Level = 'info',
    private readonly write: (line: string) => void = (line) => process.stdout.write(line),
  ) {}

  info(event: string, fields?: Record<string, unknown>): void {
    this.log('info', event, fields);
  }

  warn(event: string, fields?: Record<string, unknown>): void {
    this.log('warn', event, fields);
  }

  error(event: string, fields?: Record<string, unknown>): void {
    this.log('error', event, fields);
  }

  private log(level: Level, event: string, fields: Record<string, unknown> = {}): void {
    if (RANK[level] > RANK[this.level]) return;
    const entry = { time: new Date().toISOString(), level, event, ...fields };
    this.write(`${JSON.stringify(entry, errorsAsText)}\n`);
  }
}

/** Errors serialize to {} by default; logs need their message and stack (never sent to clients). */
function errorsAsText(_key: string, value: unknown): unknown {
  return value instanceof Error ? { name: value.name, message: value.message, stack: value.stack } : value;
}
