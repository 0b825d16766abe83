import type { Knex } from 'knex';
import type { Appended, HistoryQuery, MessageRepository } from '../../application/ports.js';
import { storedMessage, type Message, type NewMessage } from '../../domain/message.js';
import { rethrowDatabaseFailure, translateDatabaseFailure } from './database-failure.js';
import { messageColumns, toMessage, type MessageRow } from './message-rows.js';

interface AppendRow {
  input_ord: number | string;
  message_id: number | string;
  is_new: boolean;
}

interface Pending {
  message: NewMessage;
  resolve: (appended: Appended) => void;
  reject: (error: unknown) => void;
}

/** Observes the writes, for metrics; the repository works the same without. */
export interface StorageObserver {
  stored(batchSize: number, seconds: number): void;
}

/** SQLSTATE classes 22 (data exception) and 23 (integrity violation): the row, not the connection, is at fault. */
const isRowError = (error: unknown): boolean => /^2[23]/.test(String((error as { code?: unknown }).code));

const nextCheckPhase = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * A turn that took longer than this after a commit (its acknowledgements were
 * a broadcast to many sockets: ~10 ms for a thousand) left frames unread.
 */
const BUSY_TURN_MS = 1;

/**
 * Group commit: messages that arrive while a write is in flight, or while
 * the last batch's acknowledgements go out, are stored together by the next
 * call of append_messages (migration 003), which numbers them under a lock.
 * Only one write is in flight at a time, so ids are assigned, committed and
 * resolved in one order, which keeps broadcast order equal to id order.
 */
export class KnexMessageRepository implements MessageRepository {
  private queue: Pending[] = [];
  private writing: Promise<void> | undefined;

  private readonly maxBatch: number;
  private readonly observer: StorageObserver | undefined;

  constructor(
    private readonly db: Knex,
    { maxBatch = 500, observer }: { maxBatch?: number; observer?: StorageObserver } = {},
  ) {
    this.maxBatch = maxBatch;
    this.observer = observer;
  }

  append(message: NewMessage): Promise<Appended> {
    return new Promise((resolve, reject) => {
      this.queue.push({ message, resolve, reject });
      // Waiting for the end of this I/O turn gathers every frame that arrived with it.
      this.writing ??= new Promise((done) => setImmediate(() => void this.drain().then(done)));
    });
  }

  async page({ room, limit, before, after, withChanges = false }: HistoryQuery): Promise<Message[]> {
    const query = this.select().where('room', room).limit(limit);
    if (!withChanges) query.whereNull('change');
    if (after !== undefined) return (await query.andWhere('id', '>', after).orderBy('id', 'asc').catch(rethrowDatabaseFailure)).map(toMessage);
    if (before !== undefined) query.andWhere('id', '<', before);
    const rows: MessageRow[] = await query.orderBy('id', 'desc').catch(rethrowDatabaseFailure);
    return rows.reverse().map(toMessage);
  }

  async since(afterId: number, limit: number): Promise<Message[]> {
    const rows: MessageRow[] = await this.select().where('id', '>', afterId).orderBy('id', 'asc').limit(limit).catch(rethrowDatabaseFailure);
    return rows.map(toMessage);
  }

  async find(id: number): Promise<Message | undefined> {
    const row: MessageRow | undefined = await this.select().where('id', id).whereNull('change').first().catch(rethrowDatabaseFailure);
    return row && toMessage(row);
  }

  async lastId(): Promise<number> {
    const row = await this.db<{ last_id: number | string }>('message_log').first('last_id').catch(rethrowDatabaseFailure);
    return Number(row?.last_id ?? 0);
  }

  private select(): Knex.QueryBuilder<MessageRow, MessageRow[]> {
    return this.db<MessageRow>('messages').select(messageColumns(this.db));
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      try {
        await this.store(batch);
      } catch (error) {
        if (batch.length > 1 && isRowError(error)) {
          // One bad row (or two sends with one client id) must not fail its
          // neighbours: nothing of the statement was stored, so each row can
          // be tried alone, and a repeated client id then finds its original.
          for (const pending of batch) {
            await this.store([pending]).catch((rowError: unknown) => pending.reject(translateDatabaseFailure(rowError)));
          }
        } else {
          // Nothing of a failed statement was stored, so nobody was acknowledged.
          for (const pending of batch) pending.reject(translateDatabaseFailure(error));
        }
      }
      // Let the acknowledgements of this batch go out and the frames that came
      // meanwhile be read before taking the next: it then holds them all, so
      // batches, and the broadcasts (one per batch), grow with the load
      // instead of a fast commit sending each message alone. The check phase
      // of this turn comes before the poll that reads frames which arrived
      // while the acknowledgements were written; after a long turn the next
      // batch waits for that poll too, or it would hold a message or two and
      // the one after it all the rest, and every small batch costs a whole
      // broadcast. After a short turn (few listeners) it goes at once. (PGlite
      // answers within a check phase, so there the next poll comes first
      // anyway and the second wait only costs a turn.)
      const settled = performance.now();
      await nextCheckPhase();
      if (performance.now() - settled > BUSY_TURN_MS) await nextCheckPhase();
    }
    this.writing = undefined;
  }

  private async store(batch: Pending[]): Promise<void> {
    const started = process.hrtime.bigint();
    const rows = await this.insert(batch);
    const stored = rows.filter((row) => row.is_new).length;
    if (stored > 0) this.observer?.stored(stored, Number(process.hrtime.bigint() - started) / 1e9);
    await this.settle(batch, rows);
  }

  /** Five array parameters whatever the batch size: the statement stays small to build, send and parse. */
  private async insert(batch: Pending[]): Promise<AppendRow[]> {
    const clientIds: Array<string | null> = batch.map(({ message }) => message.clientId ?? null);
    const result = await this.db.raw<{ rows: AppendRow[] }>(
      `SELECT input_ord, message_id, is_new FROM append_messages(?::text[], ?::text[], ?::text[], ?::timestamptz[], ?::text[], ?::text[], ?::bigint[])`,
      [
        batch.map(({ message }) => message.room),
        batch.map(({ message }) => message.username),
        batch.map(({ message }) => message.text),
        batch.map(({ message }) => message.createdAt.toISOString()),
        clientIds as unknown as Knex.Value,
        batch.map(({ message }) => message.change?.kind ?? null) as unknown as Knex.Value,
        batch.map(({ message }) => message.change?.target ?? null) as unknown as Knex.Value,
      ],
    );
    return result.rows;
  }

  private async settle(batch: Pending[], rows: AppendRow[]): Promise<void> {
    // Input order is id order for what was stored now: resolving in it keeps publishing in id order.
    const ordered = rows.sort((a, b) => Number(a.input_ord) - Number(b.input_ord));
    const repeats: Array<[Pending, number]> = [];
    for (const row of ordered) {
      const pending = batch[Number(row.input_ord) - 1] as Pending;
      const id = Number(row.message_id);
      if (row.is_new) pending.resolve({ message: storedMessage(id, pending.message), duplicate: false });
      else repeats.push([pending, id]);
    }
    if (repeats.length === 0) return;
    // Rare (a retried send): the originals are read back to answer with them.
    // The batch is committed whatever happens here, so only the repeats can fail.
    try {
      const found: MessageRow[] = await this.select().whereIn(
        'id',
        repeats.map(([, id]) => id),
      );
      const originals = new Map(found.map((row) => [Number(row.id), toMessage(row)]));
      for (const [pending, id] of repeats) {
        const original = originals.get(id);
        if (original) pending.resolve({ message: original, duplicate: true });
        else pending.reject(new Error(`message ${id} vanished while its repeat was answered`));
      }
    } catch (error) {
      for (const [pending] of repeats) pending.reject(translateDatabaseFailure(error));
    }
  }

  /** Resolves when every message handed to append() so far has been stored or refused. */
  async whenIdle(): Promise<void> {
    await this.writing;
  }
}
