import type { Knex } from 'knex';
import type { MessageRepository } from '../../application/ports.js';
import type { Message, NewMessage } from '../../domain/message.js';
import { translateDatabaseFailure } from './database-failure.js';

interface MessageRow {
  id: number | string;
  username: string;
  text_bytes: Uint8Array;
  created_at: Date | string;
}

interface Pending {
  message: NewMessage;
  resolve: (stored: Message) => void;
  reject: (error: unknown) => void;
}

const toMessage = (row: MessageRow): Message => ({
  id: Number(row.id),
  username: row.username,
  text: Buffer.from(row.text_bytes).toString('utf8'),
  createdAt: new Date(row.created_at),
});

/** SQLSTATE classes 22 (data exception) and 23 (integrity violation): the row, not the connection, is at fault. */
const isRowError = (error: unknown): boolean => /^2[23]/.test(String((error as { code?: unknown }).code));

/**
 * Group commit: messages that arrive while a write is in flight, or while
 * the last batch's acknowledgements go out, are stored together by the next
 * INSERT. Only one write is in flight at a time, so ids are assigned,
 * committed and resolved in one order, which keeps broadcast order equal to
 * id order.
 */
export class KnexMessageRepository implements MessageRepository {
  private queue: Pending[] = [];
  private writing: Promise<void> | undefined;

  constructor(
    private readonly db: Knex,
    private readonly maxBatch = 500,
  ) {}

  append(message: NewMessage): Promise<Message> {
    return new Promise((resolve, reject) => {
      this.queue.push({ message, resolve, reject });
      // Waiting for the end of this I/O turn gathers every frame that arrived with it.
      this.writing ??= new Promise((done) => setImmediate(() => void this.drain().then(done)));
    });
  }

  async latest(count: number): Promise<Message[]> {
    const rows: MessageRow[] = await this.db('messages')
      .orderBy('id', 'desc')
      .limit(count)
      // Raw bytes, decoded here: PGlite's decoder drops a leading U+FEFF from text columns.
      .select('id', 'username', this.db.raw(`convert_to(text, 'UTF8') AS text_bytes`), 'created_at')
      .catch((error: unknown) => {
        throw translateDatabaseFailure(error);
      });
    return rows.reverse().map(toMessage);
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      try {
        this.settle(batch, await this.insert(batch));
      } catch (error) {
        if (batch.length > 1 && isRowError(error)) {
          // One bad row must not fail its neighbours: PostgreSQL refused the
          // statement before storing anything, so each row can be tried alone.
          for (const pending of batch) {
            await this.insert([pending]).then(
              (rows) => this.settle([pending], rows),
              (rowError: unknown) => pending.reject(translateDatabaseFailure(rowError)),
            );
          }
        } else {
          // Nothing of a failed statement was stored, so nobody was acknowledged.
          for (const pending of batch) pending.reject(translateDatabaseFailure(error));
        }
      }
      // Let the acknowledgements of this batch go out and the frames that came
      // meanwhile be read before taking the next: it then holds them all, so
      // batches, and the broadcasts (one per batch), grow with the load
      // instead of a fast commit sending each message alone.
      await new Promise((resolve) => setImmediate(resolve));
    }
    this.writing = undefined;
  }

  /**
   * Three array parameters whatever the batch size: the statement stays
   * small to build, send and parse, where a VALUES list would carry three
   * placeholders per row.
   */
  private async insert(batch: Pending[]): Promise<Array<{ id: number | string }>> {
    const result = await this.db.raw<{ rows: Array<{ id: number | string }> }>(
      `INSERT INTO messages (username, text, created_at)
       SELECT * FROM unnest(?::text[], ?::text[], ?::timestamptz[])
       RETURNING id`,
      [
        batch.map(({ message }) => message.username),
        batch.map(({ message }) => message.text),
        batch.map(({ message }) => message.createdAt.toISOString()),
      ],
    );
    return result.rows;
  }

  private settle(batch: Pending[], rows: Array<{ id: number | string }>): void {
    // The sequence hands out ids in the order unnest yields the rows, which is the batch's.
    const ids = rows.map((row) => Number(row.id)).sort((a, b) => a - b);
    batch.forEach(({ message, resolve }, i) => resolve({ id: ids[i] as number, ...message }));
  }

  /** Resolves when every message handed to append() so far has been stored or refused. */
  async whenIdle(): Promise<void> {
    await this.writing;
  }
}
