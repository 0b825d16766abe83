import type { Knex } from 'knex';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('users', (table) => {
    table.bigIncrements('id');
    table.text('username').notNullable();
    table.text('password_hash').notNullable();
    table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
  });
  // The constraint, not a read before the write, is what makes names unique ignoring case.
  await db.schema.raw('CREATE UNIQUE INDEX users_username_lower_unique ON users (lower(username))');
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('users');
}
