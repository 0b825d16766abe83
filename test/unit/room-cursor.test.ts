import { expect } from 'chai';
import type { Message } from '../../src/domain/message.js';
import { MAX_HELD, RoomCursor } from '../../src/adapters/ws/room-cursor.js';

const message = (id: number): Message => ({ id, room: 'dev', username: 'alice', text: `m${id}`, createdAt: new Date(0) });
const batch = (...ids: number[]) => ids.map(message);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const ids = (messages: readonly Message[]) => messages.map(({ id }) => id);

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
      cursor.beginCatchUp(10);
      expect(cursor.nextPage()).to.equal(10);
      // Published while the page is read: 13 is committed before the read, 14 and 15 after.
      expect(cursor.live(batch(13, 14))).to.deep.equal([]);
      expect(cursor.live(batch(15))).to.deep.equal([]);
      const step = cursor.page(batch(11, 12, 13), false);
      expect(ids(step.page)).to.deep.equal([11, 12, 13]);
      expect(step.more).to.equal(false);
      expect(ids(step.then)).to.deep.equal([14, 15]);
      expect(cursor.catchingUp).to.equal(false);
      expect(ids(cursor.live(batch(15, 16)))).to.deep.equal([16]);
    });

    it('asks for more pages while the store has more, each after the last', () => {
      const cursor = new RoomCursor();
      cursor.beginCatchUp(0);
      cursor.nextPage();
      expect(cursor.page(batch(1, 2), true)).to.deep.include({ more: true, then: [] });
      expect(cursor.nextPage()).to.equal(2);
      expect(cursor.page(batch(3), false).more).to.equal(false);
    });

    it('reads one more page when held messages had to be dropped, so none is lost', () => {
      const cursor = new RoomCursor();
      cursor.beginCatchUp(0);
      cursor.nextPage();
      cursor.live(batch(...range(1, MAX_HELD + 5)));
      const step = cursor.page([], false);
      expect(step.more, 'the dropped ones are in the store').to.equal(true);
      expect(cursor.nextPage()).to.equal(0);
      const last = cursor.page(batch(...range(1, 10)), false);
      expect(last.more).to.equal(false);
      // The held tail, after the page: from 11 on, none twice, none missing.
      expect(ids(last.then)).to.deep.equal(range(11, MAX_HELD + 5));
    });

    it('ends with an empty last page when there is nothing to catch up', () => {
      const cursor = new RoomCursor();
      cursor.beginCatchUp(7);
      cursor.nextPage();
      expect(cursor.page([], false)).to.deep.equal({ page: [], more: false, then: [] });
    });

    it('leaves out of the pages what a member was already sent live', () => {
      const cursor = new RoomCursor();
      cursor.live(batch(20, 21)); // in general from the start: sent live before its resume request came
      cursor.beginCatchUp(15);
      cursor.nextPage();
      const step = cursor.page(batch(16, 17, 18, 19, 20, 21), false);
      expect(ids(step.page)).to.deep.equal([16, 17, 18, 19]);
      expect(ids(cursor.live(batch(21, 22)))).to.deep.equal([22]);
    });

    it('starts over from a new cursor when asked again mid-way', () => {
      const cursor = new RoomCursor();
      cursor.beginCatchUp(50);
      cursor.nextPage();
      cursor.live(batch(61));
      cursor.beginCatchUp(40);
      expect(cursor.nextPage()).to.equal(40);
      const step = cursor.page(batch(41, 61), false);
      expect(ids(step.page)).to.deep.equal([41, 61]);
      expect(step.then).to.deep.equal([]);
    });
  });
});
