/**
 * What a search costs with 10 million stored messages (docs/performance.md,
 * "Search"): the store's own query (KnexMessageSearch, as the server runs
 * it), timed alone on the bench's pre-filled PostgreSQL database, for a rare
 * word, a word in every message, both, a word in none, and a deep page.
 *
 *   node --import tsx bench/search-cost.ts [--rows N] [--runs N] [--pg-url URL]
 */
import { parseArgs } from 'node:util';
import { KnexMessageSearch } from '../src/adapters/persistence/knex-message-search.js';
import { openDatabase } from '../src/infrastructure/database.js';
import { BenchDatabases } from './prefill.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '10000000' },
    runs: { type: 'string', default: '50' },
    'pg-url': { type: 'string', default: process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432' },
  },
});
const rows = Number(values.rows);
const runs = Number(values.runs);

const log = (line: string) => console.log(line);
const databases = new BenchDatabases(values['pg-url'], 'bench/data', log);
const target = await databases.prefilled('postgres', rows);
// No query timeout: the point is to see how long the slow ones take (the server gives up after 1.5 s).
const db = await openDatabase({ url: target.env.DATABASE_URL, dataDir: 'bench/data', forMigrations: true });
// The prefill writes without the index being warm; searches from a cold cache are not what a running server sees.
await db.raw('VACUUM ANALYZE messages');
const search = new KnexMessageSearch(db);
const middle = Math.floor(rows / 2);

const cases: Array<{ what: string; terms: string[]; before?: number }> = [
  { what: 'a word in one message (its number)', terms: [String(middle + 7)] },
  { what: 'a word in every message', terms: ['prefilled'] },
  { what: 'both: every message and one', terms: ['prefilled', String(middle + 7)] },
  { what: 'a word in no message', terms: ['zebra'] },
  { what: 'a word in every message, a page deep in the past', terms: ['prefilled'], before: middle },
  { what: 'a prefix of many numbers (123*)', terms: ['123'] },
];

console.log(
  `\nSearch on ${rows.toLocaleString('en')} messages, PostgreSQL, ${runs} runs each after one warm-up, limit 21 (a page of 20 and one to tell more)\n`,
);
console.log('| query | results | p50 ms | p99 ms | max ms |');
console.log('|---|---|---|---|---|');
for (const { what, terms, before } of cases) {
  const query = { username: 'user1', terms, limit: 21, ...(before === undefined ? {} : { before }) };
  const found = await search.search(query);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await search.search(query);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => (times[Math.min(times.length - 1, Math.floor(q * times.length))] as number).toFixed(2);
  console.log(
    `| ${what}: \`${terms.join(' ')}\`${before === undefined ? '' : ` before ${before.toLocaleString('en')}`} | ${found.length} | ${at(0.5)} | ${at(0.99)} | ${at(1)} |`,
  );
}
await db.destroy();
