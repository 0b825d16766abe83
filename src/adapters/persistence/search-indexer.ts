import type { Knex } from 'knex';
import type { Logger } from '../../application/ports.js';

/** Often enough that an edit of an old message is found by its new words within about a second. */
const EVERY_MS = 250;
/** Messages per statement: big enough for the GIN index's bulk path, small enough not to hold the embedded database long. */
const BATCH = 2000;

/**
 * Keeps the search index up with the messages (migration 007): after they
 * commit, in batches, off the path of every append. Every node runs one; the
 * database lets one index at a time, the others find nothing to do. Until a
 * message is indexed a search reads it directly, so nothing is missed while
 * this is behind, only slower to find.
 */
export class SearchIndexer {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private failing = false;
  private stopped = true;

  constructor(
    private readonly db: Knex,
    private readonly logger: Logger,
    private readonly options: { everyMs?: number; batch?: number } = {},
  ) {}

  /** Indexes everything stored so far (what another node is indexing right now excepted); resolves with how many ids it covered. */
  async catchUp(): Promise<number> {
    const batch = this.options.batch ?? BATCH;
    let covered = 0;
    for (;;) {
      const { rows } = await this.db.raw<{ rows: Array<{ covered: string | number }> }>('SELECT index_messages(?) AS covered', [batch]);
      const now = Number(rows[0]?.covered ?? 0);
      covered += now;
      if (now < batch) return covered;
    }
  }

  start(): void {
    this.stopped = false;
    this.timer = setTimeout(() => {
      this.running = this.indexNew().finally(() => {
        if (!this.stopped) this.start();
      });
    }, this.options.everyMs ?? EVERY_MS).unref();
  }

  private async indexNew(): Promise<void> {
    try {
      await this.catchUp();
      if (this.failing) this.logger.info('search indexing restored');
      this.failing = false;
    } catch (error) {
      // Logged once when it starts failing, not every interval; searches read what is not indexed directly meanwhile.
      if (!this.failing) this.logger.warn('search indexing failed; searches read the messages it has not reached without the index until it works', { error });
      this.failing = true;
    }
  }

  /** No new batch starts; resolves when the one in progress, if any, has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }
}
