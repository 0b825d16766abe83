import { readFileSync, writeFileSync } from 'node:fs';
import { envFile, withReadmeTable } from './config-docs.js';

/** npm run docs:config: the README's configuration table and .env, from src/infrastructure/settings.ts. */
const readme = new URL('../README.md', import.meta.url);
writeFileSync(readme, withReadmeTable(readFileSync(readme, 'utf8')));
writeFileSync(new URL('../.env', import.meta.url), envFile());
