import { isIP } from 'node:net';

/**
 * The kinds of value a setting may hold: each turns a variable's text into
 * its value, or throws one line naming the variable and what it expects.
 */

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface Kind<T> {
  parse(text: string, variable: string): T;
}

/** A kind for a variable that may stay unset, and the value that means. */
export interface OptionalKind<T> extends Kind<T> {
  readonly unset: T;
}

/** A budget of `count` actions per `perSeconds`. */
export interface Rate {
  count: number;
  perSeconds: number;
}

export function optional<T>(kind: Kind<T>): OptionalKind<T | undefined>;
export function optional<T>(kind: Kind<T>, unset: T): OptionalKind<T>;
export function optional<T>(kind: Kind<T>, unset?: T): OptionalKind<T | undefined> {
  return { parse: (text, variable) => kind.parse(text, variable), unset };
}

export function integer(min: number, max: number): Kind<number> {
  return {
    parse(text, variable) {
      const value = Number(text);
      if (!/^[0-9]+$/.test(text) || value < min || value > max) {
        throw new ConfigError(`${variable} must be a whole number from ${min} to ${max}, not ${quoted(text)}`);
      }
      return value;
    },
  };
}

/** Any text, such as a path. */
export const text: Kind<string> = { parse: (value) => value };

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/**
 * Whole seconds, or a number with s, m, h or d, up to `maxSeconds`. `zero`
 * names what 0 means when 0 is allowed.
 */
export function duration(maxSeconds: number, zero?: string): Kind<number> {
  return {
    parse(value, variable) {
      const match = /^([0-9]+)([smhd]?)$/.exec(value);
      const seconds = match ? Number(match[1]) * (UNIT_SECONDS[match[2] || 's'] ?? 1) : NaN;
      if (!match || !(seconds <= maxSeconds) || (seconds < 1 && zero === undefined)) {
        const examples = zero === undefined ? '900, 15m, 24h or 7d' : `10, 30s or 5m, ${zero}`;
        throw new ConfigError(`${variable} must be a duration such as ${examples} (at most ${maxSeconds / 86_400}d), not ${quoted(value)}`);
      }
      return seconds;
    },
  };
}

/** `N/duration`: 10/1m, 30/15m, 100/1s (or 100/s). */
export const rate: Kind<Rate> = {
  parse(value, variable) {
    const match = /^([0-9]+)\/([0-9]*)([smhd])$/.exec(value);
    const count = Number(match?.[1]);
    const perSeconds = match ? Number(match[2] || '1') * (UNIT_SECONDS[match[3] ?? 's'] ?? 1) : 0;
    if (!match || count < 1 || perSeconds < 1) {
      throw new ConfigError(`${variable} must be a rate such as 10/1m, 30/15m or 100/1s, not ${quoted(value)}`);
    }
    return { count, perSeconds };
  },
};

export function oneOf<T extends string>(allowed: readonly T[]): Kind<T> {
  return {
    parse(value, variable) {
      if (!(allowed as readonly string[]).includes(value)) {
        throw new ConfigError(`${variable} must be one of ${allowed.join(', ')}, not ${quoted(value)}`);
      }
      return value as T;
    },
  };
}

/** A URL with one of `protocols` and a host. Never echoed back: it may hold a password. */
export function url(protocols: string[], expected: string): Kind<string> {
  return {
    parse(value, variable) {
      if (!isUrl(value, protocols)) throw new ConfigError(`${variable} must be ${expected}`);
      return value;
    },
  };
}

/** At least `minBytes` bytes; never echoed back. `otherwise` says what to do instead. */
export function secret(minBytes: number, otherwise: string): Kind<string> {
  return {
    parse(value, variable) {
      if (Buffer.byteLength(value) < minBytes) throw new ConfigError(`${variable} must be at least ${minBytes} bytes; ${otherwise}`);
      return value;
    },
  };
}

/** An IP address or a host name: a typo here would otherwise surface as a listen error. */
export const host: Kind<string> = {
  parse(value, variable) {
    if (isIP(value) === 0 && !/^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(value)) {
      throw new ConfigError(`${variable} must be an IP address or a host name such as 0.0.0.0, ::, 127.0.0.1 or localhost, not ${quoted(value)}`);
    }
    return value;
  },
};

/** A comma-separated list of IP addresses. */
export const addresses: Kind<string[]> = {
  parse(value, variable) {
    const list = value.split(',').map((item) => item.trim());
    const wrong = list.find((item) => isIP(item) === 0);
    if (wrong !== undefined) throw new ConfigError(`${variable} must be IP addresses separated by commas, not ${quoted(wrong)}`);
    return list;
  },
};

/**
 * Origins written as browsers send them (lower case, no default port), since
 * the gateway compares them as strings: scheme://host[:port], nothing more.
 */
export const origins: Kind<string[]> = {
  parse(value, variable) {
    return value
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean)
      .map((origin) => {
        const parsed = isUrl(origin, ['http:', 'https:']) ? new URL(origin) : undefined;
        if (!parsed || parsed.pathname !== '/' || parsed.search || parsed.hash || parsed.username || parsed.password) {
          throw new ConfigError(`${variable} must be comma-separated origins such as https://chat.example.org, not ${quoted(origin)}`);
        }
        return parsed.origin;
      });
  },
};

/** A Redis key or channel name that also names connections in CLIENT LIST, which allows no spaces. */
export const redisName: Kind<string> = {
  parse(value, variable) {
    if (!/^[A-Za-z0-9_.:-]{1,100}$/.test(value)) {
      throw new ConfigError(`${variable} must be 1-100 characters of A-Z a-z 0-9 _ . : -, not ${quoted(value)}`);
    }
    return value;
  },
};

/** The value as the error line shows it: quoted, escaped (one line whatever it holds), cut short. */
function quoted(value: string): string {
  return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
}

function isUrl(value: string, protocols: string[]): boolean {
  try {
    const parsed = new URL(value);
    return protocols.includes(parsed.protocol) && parsed.hostname !== '';
  } catch {
    return false;
  }
}
