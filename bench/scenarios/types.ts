import type { Percentiles, ServerWork, WindowStats } from '../harness.js';
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
  /** Fixed fan-out steps (--fanout-rates): each measured, no stop at a miss, no bisection; undefined: the ramp. */
  fanoutRates?: readonly number[] | undefined;
  /** Redis for the scenarios that run several nodes (--redis-url). */
  redisUrl: string;
  /** How `multinode` places its two nodes (--multinode-layout): `shared`, `spread`. */
  multinodeLayouts: readonly string[];
  /** The bench's cores: the server's and the load's, null when the run is unpinned. */
  pinning: { server: number | null; load: number | null };
  /**
   * Starts a server on the target, pinned to the server core unless `cpu`
   * names another (null: unpinned); `env` adds to / overrides the bench's
   * server settings.
   */
  startServer(target: DbTarget, env?: Record<string, string>, options?: { cpu?: number | null }): Promise<ServerProcess>;
  /** Moves this load process to some cores ("0,1"), or back to its own core with 'default'. Returns false if it could not. */
  pinLoad(cpus: string): boolean;
  /** SIGTERM; throws unless the server exits 0. */
  stopServer(server: ServerProcess): Promise<void>;
  log(line: string): void;
  /** Waits (as long as --wait-quiet allows) until other work on the machine is under 20% of a core: before a measured step. False if it never was. */
  waitQuiet(): Promise<boolean>;
}

/** One measured case: a line of the table. */
export interface CaseResult {
  name: string;
  throughput: number;
  unit: string;
  latency?: Percentiles;
  /** Lost deliveries (or unanswered requests). */
  loss?: number;
  /** Deliveries out of order, repeated or after a gap (when the scenario checks every connection's ids). */
  order?: number;
  window?: WindowStats;
  /** Each server's storage and fan-out over the case, from its /metrics (fan-out ramps). */
  work?: ServerWork[];
  /** Server event loop seen from outside: WebSocket ping round trip from its intended send time. */
  loop?: Percentiles;
  note?: string;
}

export interface ScenarioOutput {
  cases: CaseResult[];
  /** The scenario's headline figures, for the JSON line. */
  summary: Record<string, number | string | boolean | null>;
  notes: string[];
  /** Why the scenario did not run here (a database it cannot use, a missing service outside CI): a row in the table, not a failure. */
  skipped?: string;
}

export type Scenario = (ctx: ScenarioContext) => Promise<ScenarioOutput>;
