import { existsSync } from 'node:fs';
import { ConfigError, loadConfig } from './infrastructure/config.js';
import { createAdministration, type AdminCommand } from './infrastructure/administration.js';

/**
 * The operator's command line, on the server's settings and database:
 *
 *   npm run admin -- grant <username>      make the user an administrator
 *   npm run admin -- revoke <username>     make the user a member again
 *   npm run admin -- suspend <username>    end its sessions, refuse its logins
 *   npm run admin -- reinstate <username>  lift a suspension
 *
 * One line on stdout says what was done; exit 0. A refusal (an unknown
 * user) is one line on stderr and exit 1; a wrong command line, exit 2.
 */
const COMMANDS: readonly AdminCommand[] = ['grant', 'revoke', 'suspend', 'reinstate'];
const USAGE = `usage: npm run admin -- ${COMMANDS.join('|')} <username>`;

if (existsSync('.env')) process.loadEnvFile('.env');

const [command, username, ...rest] = process.argv.slice(2);
if (!COMMANDS.includes(command as AdminCommand) || username === undefined || rest.length > 0) {
  console.error(USAGE);
  process.exit(2);
}

let config;
try {
  config = loadConfig(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`configuration error: ${error.message}`);
  process.exit(1);
}

const administration = await createAdministration(config);
try {
  console.log(await administration.run(command as AdminCommand, username));
} catch (error) {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  console.error(typeof code === 'string' ? `${code}: ${String(message)}` : String(error));
  process.exitCode = 1;
} finally {
  await administration.close();
}
