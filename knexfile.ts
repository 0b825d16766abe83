/**
 * For the knex CLI (`npm run migrate` runs it): the same database and the same
 * migrations the server uses at start, chosen by DATABASE_URL and DATA_DIR.
 */
import { existsSync } from 'node:fs';
import { loadConfig } from './src/infrastructure/config.js';
import { knexConfig } from './src/infrastructure/database.js';

if (existsSync('.env')) process.loadEnvFile('.env');
const { databaseUrl, dataDir } = loadConfig(process.env);

export default knexConfig({ url: databaseUrl, dataDir });
