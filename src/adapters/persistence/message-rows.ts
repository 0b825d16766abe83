import type { Knex } from 'knex';
import { storedMessage, type Message } from '../../domain/message.js';

/** A row of messages as the queries below select it. */
export interface MessageRow {
  id: number | string;
  room: string;
  username: string;
  text_bytes: Uint8Array;
  created_at: Date | string;
  client_id: string | null;
  change: 'edit' | 'delete' | null;
  target_id: number | string | null;
  edited_at: Date | string | null;
  deleted_at: Date | string | null;
}

/** The columns of a message, `m.` prefixed when the query names the table so. */
export function messageColumns(db: Knex, table = 'messages'): Array<string | Knex.Raw> {
  return [
    `${table}.id`,
    `${table}.room`,
    `${table}.username`,
    // Raw bytes, decoded here: PGlite's decoder drops a leading U+FEFF from text columns.
    db.raw(`convert_to(??, 'UTF8') AS text_bytes`, [`${table}.text`]),
    `${table}.created_at`,
    `${table}.client_id`,
    `${table}.change`,
    `${table}.target_id`,
    `${table}.edited_at`,
    `${table}.deleted_at`,
  ];
}

export const toMessage = (row: MessageRow): Message =>
  storedMessage(Number(row.id), {
    room: row.room,
    username: row.username,
    text: Buffer.from(row.text_bytes).toString('utf8'),
    createdAt: new Date(row.created_at),
    clientId: row.client_id ?? undefined,
    change: row.change === null ? undefined : { kind: row.change, target: Number(row.target_id) },
    editedAt: row.edited_at === null ? undefined : new Date(row.edited_at),
    deletedAt: row.deleted_at === null ? undefined : new Date(row.deleted_at),
  });
