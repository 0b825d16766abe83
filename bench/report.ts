/**
 * The table for people and one JSON line per scenario for programs. Also
 * runnable on saved JSON lines (npm run bench -- --json FILE), to print the
 * table again, as Markdown for docs/performance.md with --markdown:
 *   node --import tsx bench/report.ts FILE [--markdown]
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { ServerLoop, WindowStats } from './harness.js';
import type { CaseResult } from './scenarios/types.js';

export interface ScenarioRecord {
  scenario: string;
  db: string;
  ok: boolean;
  error?: string;
  seconds: number;
  cases: CaseResult[];
  summary: Record<string, number | string | boolean | null>;
  notes: string[];
  /** Set when the scenario did not run on this database, and why. */
  skipped?: string;
}

const fixed = (value: number | undefined, digits: number) => (value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(digits));

/** Three significant figures for latencies: 0.412, 4.12, 41.2, 412. */
function ms(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '-';
  if (value < 1) return value.toFixed(3);
  if (value < 10) return value.toFixed(2);
  if (value < 100) return value.toFixed(1);
  return value.toFixed(0);
}

function quantity(value: number): string {
  if (!Number.isFinite(value)) return '-';
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)}M`;
  if (value >= 1e4) return `${(value / 1e3).toFixed(1)}k`;
  if (value >= 100) return value.toFixed(0);
  return value.toFixed(2);
}

const COLUMNS = [
  'scenario',
  'db',
  'case',
  'throughput',
  'p50 ms',
  'p99 ms',
  'p99.9 ms',
  'max ms',
  'loss',
  'order',
  'srv CPU',
  'pg CPU',
  'load CPU',
  'load lag',
  'other CPU',
  'loop p99',
  'in-loop p99/max',
  'note',
] as const;
/** Every column between the case and the note holds a figure: right-aligned. */
const isFigure = (i: number) => i >= 3 && i < COLUMNS.length - 1;

/** Each server's CPU: "91%", or "88%+85%" for several nodes (lines saved before there were several have no list). */
export function serverCpu(window: WindowStats): string {
  return (window.serverCpus ?? [window.serverCpu]).map((cpu) => `${fixed(cpu, 0)}%`).join('+');
}

/** The worst of several servers' loops (by p99): the table has one column for it. */
export function worstLoop(loops: ReadonlyArray<ServerLoop | undefined | null>): ServerLoop | undefined {
  let worst: ServerLoop | undefined;
  for (const loop of loops) if (loop && (!worst || loop.p99 > worst.p99)) worst = loop;
  return worst;
}

/** The server's own event-loop delay (its metrics lines), the worst node's: "p99/max". */
function insideLoop(window: WindowStats): string {
  const loop = worstLoop(window.serverLoops ?? []);
  return loop ? `${ms(loop.p99)}/${ms(loop.max)}` : '-';
}

/** "(1,234 TCP retransmits)" when the kernel retransmitted in the window (see tcpRetransmittedSegments). */
function retransmitted(window: WindowStats | undefined): string {
  const count = window?.retransmits ?? 0;
  return count > 0 ? `(${count.toLocaleString('en-US')} TCP retransmits)` : '';
}

/** Other work on the machine above this share of a core makes a window's figures doubtful. */
export const NOISY_OTHER_CPU = 15;

function rows(records: readonly ScenarioRecord[]): string[][] {
  const rows: string[][] = [];
  for (const record of records) {
    const blank = COLUMNS.slice(3, -1).map(() => '');
    if (!record.ok) rows.push([record.scenario, record.db, 'FAILED', ...blank, (record.error ?? '').split('\n').filter(Boolean).join(' | ').slice(0, 200)]);
    if (record.skipped !== undefined) rows.push([record.scenario, record.db, 'SKIPPED', ...blank, record.skipped]);
    for (const c of record.cases) {
      rows.push([
        record.scenario,
        record.db,
        c.name,
        `${quantity(c.throughput)} ${c.unit}`,
        ms(c.latency?.p50),
        ms(c.latency?.p99),
        ms(c.latency?.p999),
        ms(c.latency?.max),
        c.loss === undefined ? '-' : String(c.loss),
        c.order === undefined ? '-' : String(c.order),
        c.window ? serverCpu(c.window) : '-',
        c.window && Number.isFinite(c.window.postgresCpu) ? `${fixed(c.window.postgresCpu, 0)}%` : '-',
        c.window ? `${fixed(c.window.loadCpu, 0)}%` : '-',
        ms(c.window?.loadLoopP99),
        c.window ? `${fixed(c.window.otherCpu, 0)}%` : '-',
        ms(c.loop?.p99),
        c.window ? insideLoop(c.window) : '-',
        [c.window && c.window.otherCpu > NOISY_OTHER_CPU ? 'NOISY' : '', c.note ?? '', retransmitted(c.window)].filter(Boolean).join(' '),
      ]);
    }
  }
  return rows;
}

export function table(records: readonly ScenarioRecord[]): string {
  const body = rows(records);
  const widths = COLUMNS.map((title, i) => Math.max(title.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : isFigure(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(COLUMNS), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

export function markdownTable(records: readonly ScenarioRecord[]): string {
  const line = (cells: readonly string[]) => `| ${cells.map((cell) => cell.replaceAll('|', '\\|')).join(' | ')} |`;
  return [line(COLUMNS), line(COLUMNS.map((_, i) => (isFigure(i) ? '---:' : '---'))), ...rows(records).map(line)].join('\n');
}

/** Rounded so the lines stay readable: latencies to the microsecond, rates to 0.1. */
export function jsonLine(record: ScenarioRecord, context: Record<string, unknown>): string {
  return JSON.stringify({ bench: 'chat-server', ...context, ...record }, (_key, value: unknown) =>
    typeof value === 'number' ? (Number.isFinite(value) ? Math.round(value * 1000) / 1000 : null) : value,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [path, ...flags] = process.argv.slice(2);
  if (!path) {
    console.error('usage: node --import tsx bench/report.ts FILE.jsonl [--markdown]');
    process.exit(2);
  }
  const records = readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line, (_key, value: unknown) => (value === null ? Number.NaN : value)) as ScenarioRecord);
  console.log(flags.includes('--markdown') ? markdownTable(records) : table(records));
}
