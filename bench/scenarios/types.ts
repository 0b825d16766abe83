import type { Percentiles, WindowStats } from '../harness.js';
import type { BenchDatabases, DbKind, DbTarget } from '../prefill.js';
import type { ServerProcess } from '../server-process.js';

export interface ScenarioContext {
  db: DbKind;
  quick: boolean;
  databases: BenchDatabases;
  /** Unique per run: usernames and the like. */
  runId: string;
  /** Idle authorized connections for `connections`. */
  connectionCount: number;
  /** Pre-filled message counts for `history`. */
  historySizes: readonly number[];
  /** Starts a pinned server on the target; `env` adds to / overrides the bench's server settings. */
  startServer(target: DbTarget, env?: Record<string, string>): Promise<ServerProcess>;
  /** SIGTERM; throws unless the server exits 0. */
  stopServer(server: ServerProcess): Promise<void>;
  log(line: string): void;
}

/** One measured case: a line of the table. */
export interface CaseResult {
  name: string;
  throughput: number;
  unit: string;
  latency?: Percentiles;
  /** Lost deliveries (or unanswered requests). */
  loss?: number;
  window?: WindowStats;
  /** Server event loop seen from outside: WebSocket ping round trip from its intended send time. */
  loop?: Percentiles;
  note?: string;
}

export interface ScenarioOutput {
  cases: CaseResult[];
  /** The scenario's headline figures, for the JSON line. */
  summary: Record<string, number | string | boolean | null>;
  notes: string[];
}

export type Scenario = (ctx: ScenarioContext) => Promise<ScenarioOutput>;
