import { expect } from 'chai';
import { Burst, numberedTexts } from '../support/burst.js';
import { DATABASE_KINDS } from '../support/databases.js';
import { describeOnEachDatabase } from '../support/each-database.js';

const CLIENTS = 100;
const EACH = 5;
const TOTAL = CLIENTS * EACH;

describeOnEachDatabase(
  `${CLIENTS} clients posting at once`,
  {},
  (server) => {
    it(`stores all ${TOTAL} messages exactly once, and every client and a spectator see the table's order`, async function () {
      this.timeout(60_000);
      const names = Array.from({ length: CLIENTS }, (_, i) => `poster${i}`);
      const clients = await Promise.all(names.map((name) => server().connectAs(name)));
      const spectator = await server().connect();

      // Every frame of every client is written in the same turn: all of them arrive together.
      const bursts = clients.map(
        (client, i) => new Burst(client, names[i] as string, numberedTexts(`c${i}`, EACH), { window: EACH, expectMessages: TOTAL, deadlineMs: 30_000 }),
      );
      const watcher = new Burst(spectator, 'spectator', [], { expectMessages: TOTAL, deadlineMs: 30_000 });
      const started = Date.now();
      await Promise.all([...bursts, watcher].map((burst) => burst.run()));
      const elapsedMs = Date.now() - started;

      const rows = (await server().db('messages').orderBy('id').select('id', 'username', 'text')).map(
        (row: { id: number | string; username: string; text: string }) => ({ id: Number(row.id), username: row.username, text: row.text }),
      );
      expect(rows).to.have.length(TOTAL);
      expect(new Set(rows.map((row) => row.text)).size, 'each message stored once').to.equal(TOTAL);
      expect(rows.map((row) => row.text).sort()).to.deep.equal(bursts.flatMap((burst) => burst.sent).sort());
      for (const burst of bursts) {
        // Each sender's messages hold ids in its send order, and its acknowledgements carry those ids.
        const own = rows.filter((row) => row.username === burst.username);
        expect(
          own.map((row) => row.text),
          burst.username,
        ).to.deep.equal(burst.sent);
        expect(burst.acked, burst.username).to.deep.equal(own.map(({ id, text }) => ({ id, text })));
        expect(burst.errors, burst.username).to.deep.equal([]);
      }
      for (const burst of [...bursts, watcher]) {
        expect(burst.ended, burst.username).to.equal('answered');
        expect(burst.other, `${burst.username} got nothing but messages`).to.deep.equal([]);
        expect(burst.seen, `${burst.username} saw the table, in its order`).to.deep.equal(rows);
      }
      console.log(`      (${CLIENTS} clients × ${EACH} messages: all stored and seen by ${CLIENTS + 1} connections in ${elapsedMs} ms)`);
    });
  },
  DATABASE_KINDS,
);
