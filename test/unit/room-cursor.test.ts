import { expect } from 'chai';
import fc from 'fast-check';
import type { Message } from '../../src/domain/message.js';
import { MAX_HELD, RoomCursor } from '../../src/application/room-cursor.js';

const message = (id: number): Message => ({ id, room: 'dev', username: 'alice', text: `m${id}`, createdAt: new Date(0) });
const batch = (...ids: number[]) => ids.map(message);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const ids = (messages: readonly Message[] | undefined) => (messages ?? []).map(({ id }) => id);

describe('RoomCursor', () => {
  describe('live delivery', () => {
    it('hands back a whole new batch as it is, so its bytes can be shared', () => {
      const cursor = new RoomCursor();
      const messages = batch(1, 2, 3);
      expect(cursor.live(messages)).to.equal(messages);
    });

    it('never hands back a message twice', () => {
      const cursor = new RoomCursor();
      cursor.live(batch(1, 2, 3));
      expect(cursor.live(batch(2, 3))).to.deep.equal([]);
      expect(ids(cursor.live(batch(3, 4, 5)))).to.deep.equal([4, 5]);
    });
  });

  describe('catching up', () => {
    it('holds live messages until the last page, then hands back those the pages did not have', () => {
      const cursor = new RoomCursor();
      const generation = cursor.beginCatchUp(10);
      expect(cursor.nextPage(generation)).to.equal(10);
      // Published while the page is read: 13 is committed before the read, 14 and 15 after.
      expect(cursor.live(batch(13, 14))).to.deep.equal([]);
      expect(cursor.live(batch(15))).to.deep.equal([]);
      const step = cursor.page(generation, batch(11, 12, 13), false);
      expect(ids(step?.page)).to.deep.equal([11, 12, 13]);
      expect(step?.more).to.equal(false);
      expect(ids(step?.then)).to.deep.equal([14, 15]);
      expect(cursor.catchingUp).to.equal(false);
      expect(ids(cursor.live(batch(15, 16)))).to.deep.equal([16]);
    });

    it('asks for more pages while the store has more, each after the last', () => {
      const cursor = new RoomCursor();
      const generation = cursor.beginCatchUp(0);
      cursor.nextPage(generation);
      expect(cursor.page(generation, batch(1, 2), true)).to.deep.include({ more: true, then: [] });
      expect(cursor.nextPage(generation)).to.equal(2);
      expect(cursor.page(generation, batch(3), false)?.more).to.equal(false);
    });

    it('reads one more page when held messages had to be dropped, so none is lost', () => {
      const cursor = new RoomCursor();
      const generation = cursor.beginCatchUp(0);
      cursor.nextPage(generation);
      cursor.live(batch(...range(1, MAX_HELD + 5)));
      const step = cursor.page(generation, [], false);
      expect(step?.more, 'the dropped ones are in the store').to.equal(true);
      expect(cursor.nextPage(generation)).to.equal(0);
      const last = cursor.page(generation, batch(...range(1, 10)), false);
      expect(last?.more).to.equal(false);
      // The held tail, after the page: from 11 on, none twice, none missing.
      expect(ids(last?.then)).to.deep.equal(range(11, MAX_HELD + 5));
    });

    it('ends with an empty last page when there is nothing to catch up', () => {
      const cursor = new RoomCursor();
      const generation = cursor.beginCatchUp(7);
      cursor.nextPage(generation);
      expect(cursor.page(generation, [], false, 7)).to.deep.equal({ page: [], more: false, then: [] });
    });

    it('leaves out of the pages what a member was already sent live', () => {
      const cursor = new RoomCursor();
      cursor.live(batch(20, 21)); // in general from the start: sent live before its resume request came
      const generation = cursor.beginCatchUp(15);
      cursor.nextPage(generation);
      const step = cursor.page(generation, batch(16, 17, 18, 19, 20, 21), false);
      expect(ids(step?.page)).to.deep.equal([16, 17, 18, 19]);
      expect(ids(cursor.live(batch(21, 22)))).to.deep.equal([22]);
    });

    it('does not send again what the client says it has, though it comes live late (another node delivered it first)', () => {
      const cursor = new RoomCursor();
      const generation = cursor.beginCatchUp(100);
      cursor.nextPage(generation);
      cursor.page(generation, [], false, 100);
      expect(ids(cursor.live(batch(100, 101)))).to.deep.equal([101]);
    });
  });

  describe('a newer catch-up supersedes an older one', () => {
    it("drops the older one's page when it arrives, so it can neither end the newer one nor be sent", () => {
      const cursor = new RoomCursor();
      const older = cursor.beginCatchUp(3);
      cursor.nextPage(older);
      const newer = cursor.beginCatchUp(0);
      expect(cursor.page(older, batch(4, 5), false)).to.equal(undefined);
      expect(cursor.catchingUp, 'the newer one still runs').to.equal(true);
      expect(cursor.nextPage(newer)).to.equal(0);
      expect(ids(cursor.page(newer, batch(1, 2, 3, 4, 5), false)?.page)).to.deep.equal([1, 2, 3, 4, 5]);
    });

    it('sends what the older one sent only once: a lower cursor fills in below it', () => {
      const cursor = new RoomCursor();
      const older = cursor.beginCatchUp(2900);
      cursor.nextPage(older);
      expect(ids(cursor.page(older, batch(...range(2901, 3000)), false)?.page)).to.have.length(100);
      const newer = cursor.beginCatchUp(100);
      cursor.nextPage(newer);
      const step = cursor.page(newer, batch(...range(101, 200)), true);
      expect(ids(step?.page)).to.deep.equal(range(101, 200));
      cursor.nextPage(newer);
      // The store's next pages hold 2901-3000 again: already sent, left out.
      const last = cursor.page(newer, batch(...range(2851, 3000)), false);
      expect(ids(last?.page)).to.deep.equal(range(2851, 2900));
    });

    it('sends what it held back because the client had it, once a later catch-up starts below it', () => {
      // Found by the property below (seed 1898338467): message 1 was counted as sent when it was only held back.
      const cursor = new RoomCursor();
      const first = cursor.beginCatchUp(1);
      cursor.nextPage(first);
      expect(cursor.live(batch(1))).to.deep.equal([]);
      expect(ids(cursor.page(first, [], false, 1)?.then)).to.deep.equal([]);
      const second = cursor.beginCatchUp(0);
      cursor.nextPage(second);
      expect(ids(cursor.page(second, batch(1), false)?.page)).to.deep.equal([1]);
    });

    it('refuses to read a page for a superseded catch-up', () => {
      const cursor = new RoomCursor();
      const older = cursor.beginCatchUp(1);
      cursor.beginCatchUp(2);
      expect(() => cursor.nextPage(older)).to.throw(/not the current one/);
    });
  });

  describe('a cursor past the end of the store (restored from a backup)', () => {
    it("moves back to the store's end, so that what is stored from now on is sent", () => {
      const cursor = new RoomCursor();
      const generation = cursor.beginCatchUp(5000);
      cursor.nextPage(generation);
      cursor.live(batch(4201));
      const step = cursor.page(generation, [], false, 4200);
      expect(ids(step?.then)).to.deep.equal([4201]);
      expect(ids(cursor.live(batch(4202, 4203)))).to.deep.equal([4202, 4203]);
    });

    it('sends the next live message also when nothing was held', () => {
      const cursor = new RoomCursor();
      const generation = cursor.beginCatchUp(5000);
      cursor.nextPage(generation);
      cursor.page(generation, [], false, 4200);
      expect(ids(cursor.live(batch(4201)))).to.deep.equal([4201]);
    });
  });

  describe('whatever the interleaving', () => {
    const action = fc.oneof(
      fc.record({ kind: fc.constant('commit' as const), count: fc.integer({ min: 1, max: 4 }), publishNow: fc.boolean() }),
      fc.record({ kind: fc.constant('publish' as const) }),
      fc.record({ kind: fc.constant('join' as const), after: fc.integer({ min: 0, max: 40 }) }),
      fc.record({ kind: fc.constant('read' as const) }),
      fc.record({ kind: fc.constant('deliver' as const), which: fc.nat() }),
    );

    it('sends every message after the latest cursor, and never one twice', () => {
      fc.assert(
        fc.property(fc.array(action, { maxLength: 60 }), fc.integer({ min: 1, max: 5 }), (actions, pageSize) => {
          const cursor = new RoomCursor();
          const stored: Message[] = [];
          let unpublished: Message[] = [];
          let nextId = 1;
          let latestAfter: number | undefined;
          let generation = 0;
          const reads: Array<{ generation: number; page: Message[]; more: boolean }> = [];
          const sent: number[] = [];
          const send = (messages: readonly Message[] | undefined) => sent.push(...ids(messages));
          const publish = () => {
            if (unpublished.length > 0) send(cursor.live(unpublished));
            unpublished = [];
          };
          const read = () => {
            if (!cursor.catchingUp || reads.some((r) => r.generation === generation)) return;
            const from = cursor.nextPage(generation);
            const after = stored.filter(({ id }) => id > from);
            reads.push({ generation, page: after.slice(0, pageSize), more: after.length > pageSize });
          };
          const deliver = (index: number) => {
            const [done] = reads.splice(index, 1);
            if (!done) return;
            const storeEnd = done.page.length === 0 && !done.more ? (stored.at(-1)?.id ?? 0) : undefined;
            const step = cursor.page(done.generation, done.page, done.more, storeEnd);
            send(step?.page);
            send(step?.then);
          };
          for (const step of actions) {
            switch (step.kind) {
              case 'commit':
                // Ids are global: other rooms take some, so the room's are sparse.
                for (let i = 0; i < step.count; i++, nextId += 2) (stored.push(message(nextId)), unpublished.push(message(nextId)));
                if (step.publishNow) publish();
                break;
              case 'publish':
                publish();
                break;
              case 'join':
                // A client asks after what it has; ahead of the store only in the restore case, tested on its own.
                latestAfter = Math.min(step.after, stored.at(-1)?.id ?? 0);
                generation = cursor.beginCatchUp(latestAfter);
                break;
              case 'read':
                read();
                break;
              case 'deliver':
                if (reads.length > 0) deliver(step.which % reads.length);
                break;
            }
          }
          publish();
          for (let rounds = 0; cursor.catchingUp && rounds < 1000; rounds++) {
            read();
            while (reads.length > 0) deliver(0);
          }
          expect(cursor.catchingUp).to.equal(false);
          expect(new Set(sent).size, `sent twice: ${sent.join(',')}`).to.equal(sent.length);
          const owed = stored.filter(({ id }) => latestAfter === undefined || id > latestAfter).map(({ id }) => id);
          expect(
            owed.filter((id) => !sent.includes(id)),
            'missing',
          ).to.deep.equal([]);
        }),
        { numRuns: 500 },
      );
    });
  });
});
