import type { Knex } from 'knex';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('messages', (table) => {
    // The primary key's index serves "latest N" as a backward index scan.
    table.bigIncrements('id');
    table.text('username').notNullable();
    table.text('text').notNullable();
    table.timestamp('created_at', { useTz: true }).notNullable();
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('messages');
}
