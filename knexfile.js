/**
 * For the knex CLI (`npm run migrate` builds, then runs it): the same database
 * and the same migrations the server uses at start, chosen by DATABASE_URL and
 * DATA_DIR. Plain JavaScript on the compiled build, so the CLI runs on plain
 * node; it stays here, at the root, because the CLI works in the knexfile's
 * folder, where .env and the default ./data are.
 */
import { existsSync } from 'node:fs';
import { loadConfig } from './dist/infrastructure/config.js';
import { knexConfig } from './dist/infrastructure/database.js';

if (existsSync('.env')) process.loadEnvFile('.env');
const { databaseUrl, dataDir } = loadConfig(process.env);

export default knexConfig({ url: databaseUrl, dataDir });
