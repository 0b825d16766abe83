import pino, { type DestinationStream, type Level } from 'pino';
import type { Logger } from '../../application/ports.js';

export type LogLevel = Level | 'silent';

/**
 * The key holding the event name. Not pino's default "msg": the lines keep
 * the shape they had before pino (`event`), which the tests that run the
 * server process and docs/performance.md read.
 */
export const EVENT_KEY = 'event';

/** Field names that may carry a secret: at the top level, one object down (`headers.authorization`), and in a request's headers. */
const SECRET_FIELDS = ['password', 'token', 'authorization', 'cookie', 'secret', 'jwtSecret', 'databaseUrl', 'redisUrl'];
export const REDACTED_PATHS = [...SECRET_FIELDS, ...SECRET_FIELDS.map((name) => `*.${name}`), '*.headers.authorization', '*.headers.cookie'];

/**
 * A JWT or a bcrypt hash anywhere in a line, also inside a text (an error
 * message quoting its input, a failed query quoting its bindings): field
 * names cannot catch those, so the finished line is scrubbed.
 */
const SECRET_PATTERN = /eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*|\$2[abxy]\$\d\d\$[./A-Za-z0-9]{53}/g;

/** The flushes of the outputs that hold lines now: one 'exit' listener writes them all. */
const holding = new Set<() => void>();
process.once('exit', () => {
  for (const flush of [...holding]) flush();
});

/** A turn that logs more than this writes at once, so that a burst (10,000 connections closing) is not held whole. */
const HOLD_MAX_CHARS = 64 * 1024;

/**
 * Lines written in one event-loop turn leave together at its end, in one
 * write: a write per line was 3-5% of the server's work per connection in a
 * connection storm (docs/performance.md). What is still held when the
 * process exits (process.exit(), an uncaught exception) is written then.
 * A death that runs no 'exit' listener (SIGKILL, an abort, a signal without
 * a handler) loses the lines of the turn it ends.
 *
 * Not pino.destination({ minLength }): synchronous, it loses held lines at exit; asynchronous, its write in flight then lands last.
 */
export function turnBuffered(out: DestinationStream): DestinationStream {
  let held = '';
  const flush = () => {
    holding.delete(flush);
    if (held === '') return;
    const lines = held;
    held = '';
    out.write(lines);
  };
  return {
    write(line: string) {
      if (held === '') {
        holding.add(flush);
        setImmediate(flush);
      }
      held += line;
      if (held.length > HOLD_MAX_CHARS) flush();
    },
  };
}

/**
 * Structured logs with pino: one JSON object per line,
 * `{"level":"info","time":"<ISO 8601>","pid":…,"hostname":…,"event":"…",…fields}`.
 * On standard output, written synchronously at the end of each turn (see turnBuffered).
 */
export class PinoLogger implements Logger {
  private readonly pino: pino.Logger;

  constructor(level: LogLevel = 'info', destination: DestinationStream = turnBuffered(pino.destination({ dest: 1, sync: true }))) {
    this.pino = pino(
      {
        level,
        messageKey: EVENT_KEY,
        timestamp: pino.stdTimeFunctions.isoTime,
        redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
        formatters: {
          level: (label) => ({ level: label }),
          log: errorsAsObjects,
        },
        hooks: { streamWrite: (line) => line.replace(SECRET_PATTERN, '[redacted]') },
      },
      destination,
    );
  }

  info(event: string, fields?: Record<string, unknown>): void {
    this.pino.info(fields ?? {}, event);
  }

  warn(event: string, fields?: Record<string, unknown>): void {
    this.pino.warn(fields ?? {}, event);
  }

  error(event: string, fields?: Record<string, unknown>): void {
    this.pino.error(fields ?? {}, event);
  }
}

/**
 * Errors serialize to {} as JSON, whatever field holds them. Only their
 * name, message, code and stack are kept: their other properties can hold
 * what must not be logged (a parser's `body`, a query's bindings).
 */
function errorsAsObjects(fields: Record<string, unknown>): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(fields)) {
    if (!(value instanceof Error)) continue;
    copy ??= { ...fields };
    copy[key] = describeError(value);
  }
  return copy ?? fields;
}

function describeError(error: Error): Record<string, unknown> {
  const { code } = error as { code?: unknown };
  return {
    type: error.name,
    message: error.message,
    ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
    stack: error.stack,
    ...(error.cause instanceof Error ? { cause: describeError(error.cause) } : {}),
  };
}
