import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../application/ports.js';
import { ConfigError, MIN_JWT_SECRET_BYTES } from './config.js';

const SECRET_FILE = 'jwt-secret';

/**
 * The configured secret, or one generated on first start and kept under the
 * data directory so tokens survive restarts.
 */
export function resolveJwtSecret(configured: string | undefined, dataDir: string, logger: Logger): string {
  if (configured !== undefined) return configured;
  const path = join(dataDir, SECRET_FILE);
  const kept = readSecret(path);
  if (kept !== undefined) return kept;
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  try {
    // 'wx' fails rather than overwrite a secret another process has just written.
    writeFileSync(path, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return resolveJwtSecret(configured, dataDir, logger);
    throw error;
  }
  logger.info('generated a JWT secret', { path, hint: 'set JWT_SECRET to choose your own' });
  return secret;
}

function readSecret(path: string): string | undefined {
  let secret: string;
  try {
    secret = readFileSync(path, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  if (Buffer.byteLength(secret) < MIN_JWT_SECRET_BYTES) {
    throw new ConfigError(`${path} holds a JWT secret shorter than ${MIN_JWT_SECRET_BYTES} bytes; delete it to have a new one generated`);
  }
  return secret;
}
