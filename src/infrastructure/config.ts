import type { Kind } from './setting-kinds.js';
import { SETTINGS, type Setting, type SettingsTable } from './settings.js';

/**
 * Configuration from the environment, checked once at start. A wrong value
 * stops the server with one line naming the variable and what it expects.
 * What each setting is, and means, is in settings.ts.
 */

import { ConfigError } from './setting-kinds.js';

export { ConfigError, type Rate } from './setting-kinds.js';
export { LOG_LEVELS, MIN_JWT_SECRET_BYTES } from './settings.js';

/** The values a table of settings reads to, group by group. */
export type ConfigOf<Table> = {
  -readonly [Key in keyof Table]: Table[Key] extends { kind: Kind<infer Value> } ? Value : ConfigOf<Table[Key]>;
};

/** Every setting's value, under its key in SETTINGS (port, limits.loginPerAccount, ...). */
export type Config = ConfigOf<typeof SETTINGS>;
/** Throttles against abuse; docs/protocol.md says what a client sees past each. */
export type AbuseLimits = Config['limits'];

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env): Config {
  const config = readTable(SETTINGS, env) as Config;
  const { headersTimeoutSeconds, requestTimeoutSeconds } = config.limits;
  // Node would cut the request at its end before the headers had their time.
  if (requestTimeoutSeconds < headersTimeoutSeconds) {
    throw new ConfigError(`REQUEST_TIMEOUT (${requestTimeoutSeconds}s) must be at least HEADERS_TIMEOUT (${headersTimeoutSeconds}s)`);
  }
  return config;
}

function readTable(table: SettingsTable, env: Env): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(table)) {
    values[key] = isSetting(entry) ? readSetting(entry, env) : readTable(entry, env);
  }
  return values;
}

/** An empty or blank value is unset; an unset one takes the default, or the kind's meaning of unset. */
function readSetting(setting: Setting<unknown>, env: Env): unknown {
  const value = env[setting.variable]?.trim() || setting.default;
  if (value !== undefined) return setting.kind.parse(value, setting.variable);
  return 'unset' in setting.kind ? setting.kind.unset : undefined;
}

export function isSetting(entry: Setting<unknown> | SettingsTable): entry is Setting<unknown> {
  return typeof entry.variable === 'string';
}
