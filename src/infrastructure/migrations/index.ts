import type { Knex } from 'knex';
import * as createUsers from './001-create-users.js';
import * as createMessages from './002-create-messages.js';
import * as roomsAndClientIds from './003-rooms-and-client-ids.js';
import * as privateConversations from './004-private-conversations.js';
import * as accountsAndSessions from './005-accounts-and-sessions.js';
import * as editsAndDeletions from './006-edits-and-deletions.js';
import * as searchIndexAfterCommit from './007-search-index-after-commit.js';

type Migration = { up: (db: Knex) => Promise<void>; down: (db: Knex) => Promise<void> };

/** Listed, not globbed: the same list runs from source, from a build and from the knex CLI. */
const MIGRATIONS: ReadonlyArray<[string, Migration]> = [
  ['001-create-users', createUsers],
  ['002-create-messages', createMessages],
  ['003-rooms-and-client-ids', roomsAndClientIds],
  ['004-private-conversations', privateConversations],
  ['005-accounts-and-sessions', accountsAndSessions],
  ['006-edits-and-deletions', editsAndDeletions],
  ['007-search-index-after-commit', searchIndexAfterCommit],
];

export const migrationSource: Knex.MigrationSource<[string, Migration]> = {
  getMigrations: async () => [...MIGRATIONS],
  getMigrationName: ([name]) => name,
  getMigration: async ([, migration]) => migration,
};
