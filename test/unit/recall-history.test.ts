import { expect } from 'chai';
import { RecallHistory } from '../../src/application/recall-history.js';
import { RequireRoom } from '../../src/application/require-room.js';
import { InMemoryMessageRepository } from '../fakes/in-memory-message-repository.js';
import { InMemoryRoomRepository } from '../fakes/in-memory-room-repository.js';
import { expectRejectsCode } from '../support/expect-domain-error.js';

const HISTORY_MAX = 5;

/** Stores `stored` messages in general, or spreads them over the rooms given, in turn. */
async function setup({ stored, rooms = ['general'] }: { stored: number; rooms?: string[] }) {
  const messages = new InMemoryMessageRepository();
  const roomRepository = new InMemoryRoomRepository();
  for (const room of rooms) await roomRepository.ensure(room);
  for (let i = 1; i <= stored; i++) {
    const room = rooms[(i - 1) % rooms.length] as string;
    await messages.append({ room, username: 'alice', text: `message ${i}`, createdAt: new Date(Date.UTC(2024, 0, 1, 0, 0, i)) });
  }
  const recallHistory = new RecallHistory(messages, new RequireRoom(roomRepository), {
    historyMax: HISTORY_MAX,
    messageMaxCharacters: 4000,
    roomsPerConnection: 50,
  });
  return { recallHistory, messages, rooms: roomRepository };
}

const texts = (messages: ReadonlyArray<{ text: string }>) => messages.map(({ text }) => text);
const ids = (messages: ReadonlyArray<{ id: number }>) => messages.map(({ id }) => id);

describe('RecallHistory', () => {
  describe('the latest page', () => {
    it('returns the latest N messages, oldest first', async () => {
      const { recallHistory } = await setup({ stored: 10 });
      expect(texts((await recallHistory.execute({ room: 'general', limit: 3 })).messages)).to.deep.equal(['message 8', 'message 9', 'message 10']);
    });

    it(`clamps a count above the limit of ${HISTORY_MAX}`, async () => {
      const { recallHistory } = await setup({ stored: 10 });
      const history = await recallHistory.execute({ room: 'general', limit: 6 });
      expect(texts(history.messages)).to.deep.equal(['message 6', 'message 7', 'message 8', 'message 9', 'message 10']);
    });

    it('clamps a count too large to be a safe integer, and "as many as allowed"', async () => {
      const { recallHistory } = await setup({ stored: 10 });
      expect((await recallHistory.execute({ room: 'general', limit: Number('99999999999999999999') })).messages).to.have.length(HISTORY_MAX);
      expect((await recallHistory.execute({ room: 'general', limit: Infinity })).messages).to.have.length(HISTORY_MAX);
    });

    it('answers at least one message for a limit below 1', async () => {
      const { recallHistory } = await setup({ stored: 3 });
      expect(texts((await recallHistory.execute({ room: 'general', limit: 0 })).messages)).to.deep.equal(['message 3']);
    });

    it('returns every message when fewer than N are stored', async () => {
      const { recallHistory } = await setup({ stored: 2 });
      expect(texts((await recallHistory.execute({ room: 'general', limit: 4 })).messages)).to.deep.equal(['message 1', 'message 2']);
    });

    it('returns nothing when nothing is stored', async () => {
      const { recallHistory } = await setup({ stored: 0 });
      expect(await recallHistory.execute({ room: 'general', limit: 3 })).to.deep.equal({ messages: [], more: false });
    });

    it('returns the messages as stored, ids increasing', async () => {
      const { recallHistory, messages } = await setup({ stored: 3 });
      expect((await recallHistory.execute({ room: 'general', limit: 3 })).messages).to.deep.equal(messages.all());
      expect(ids(messages.all())).to.deep.equal([1, 2, 3]);
    });

    it('says more when older messages exist, and not when the page holds the oldest', async () => {
      const { recallHistory } = await setup({ stored: 4 });
      expect((await recallHistory.execute({ room: 'general', limit: 3 })).more).to.equal(true);
      expect((await recallHistory.execute({ room: 'general', limit: 4 })).more).to.equal(false);
      expect((await recallHistory.execute({ room: 'general', limit: 5 })).more).to.equal(false);
    });

    it('says more when the clamped page is full and older messages exist', async () => {
      const { recallHistory } = await setup({ stored: HISTORY_MAX + 1 });
      const history = await recallHistory.execute({ room: 'general', limit: 1000 });
      expect(history.messages).to.have.length(HISTORY_MAX);
      expect(history.more).to.equal(true);
    });
  });

  describe('rooms', () => {
    it('returns only the room asked about', async () => {
      const { recallHistory } = await setup({ stored: 6, rooms: ['general', 'dev'] });
      const dev = await recallHistory.execute({ room: 'dev', limit: 5 });
      expect(texts(dev.messages)).to.deep.equal(['message 2', 'message 4', 'message 6']);
      expect(dev.messages.every(({ room }) => room === 'dev')).to.equal(true);
      expect(dev.more).to.equal(false);
    });

    it('answers an empty page for a room that exists but holds nothing', async () => {
      const { recallHistory, rooms } = await setup({ stored: 3 });
      await rooms.ensure('quiet');
      expect(await recallHistory.execute({ room: 'quiet', limit: 5 })).to.deep.equal({ messages: [], more: false });
    });

    it('refuses a room nobody ever joined as UNKNOWN_ROOM', async () => {
      const { recallHistory } = await setup({ stored: 3 });
      await expectRejectsCode(recallHistory.execute({ room: 'nowhere', limit: 5 }), 'UNKNOWN_ROOM');
    });

    for (const room of ['', 'Dev', 'dev ops', '-dev', 'x'.repeat(33)]) {
      it(`refuses the room ${JSON.stringify(room)} as INVALID_ROOM`, async () => {
        const { recallHistory } = await setup({ stored: 3 });
        await expectRejectsCode(recallHistory.execute({ room, limit: 5 }), 'INVALID_ROOM');
      });
    }
  });

  describe('paging backwards with "before"', () => {
    it('returns the N messages just older than the cursor, oldest first', async () => {
      const { recallHistory } = await setup({ stored: 10 });
      const page = await recallHistory.execute({ room: 'general', limit: 3, before: 8 });
      expect(ids(page.messages)).to.deep.equal([5, 6, 7]);
      expect(page.more).to.equal(true);
    });

    it('says no more once the page reaches the oldest message', async () => {
      const { recallHistory } = await setup({ stored: 10 });
      expect(await recallHistory.execute({ room: 'general', limit: 3, before: 4 }).then((p) => [ids(p.messages), p.more])).to.deep.equal([[1, 2, 3], false]);
      expect(await recallHistory.execute({ room: 'general', limit: 3, before: 3 }).then((p) => [ids(p.messages), p.more])).to.deep.equal([[1, 2], false]);
      expect(await recallHistory.execute({ room: 'general', limit: 3, before: 1 })).to.deep.equal({ messages: [], more: false });
    });

    it('walks back through a room with the oldest id held until more is false', async () => {
      const { recallHistory } = await setup({ stored: 12, rooms: ['general', 'dev'] });
      const seen: number[] = [];
      let page = await recallHistory.execute({ room: 'dev', limit: 2 });
      seen.unshift(...ids(page.messages));
      while (page.more) {
        page = await recallHistory.execute({ room: 'dev', limit: 2, before: seen[0] });
        seen.unshift(...ids(page.messages));
      }
      expect(seen).to.deep.equal([2, 4, 6, 8, 10, 12]);
    });

    it('clamps the limit', async () => {
      const { recallHistory } = await setup({ stored: 10 });
      const page = await recallHistory.execute({ room: 'general', limit: 50, before: 10 });
      expect(ids(page.messages)).to.deep.equal([5, 6, 7, 8, 9]);
      expect(page.more).to.equal(true);
    });
  });

  describe('paging forwards with "after"', () => {
    it('returns the N messages just newer than the cursor, oldest first, and says more when newer exist', async () => {
      const { recallHistory } = await setup({ stored: 10 });
      const page = await recallHistory.execute({ room: 'general', limit: 3, after: 2 });
      expect(ids(page.messages)).to.deep.equal([3, 4, 5]);
      expect(page.more).to.equal(true);
    });

    it('says no more once the page reaches the newest message', async () => {
      const { recallHistory } = await setup({ stored: 10 });
      expect(await recallHistory.execute({ room: 'general', limit: 3, after: 7 }).then((p) => [ids(p.messages), p.more])).to.deep.equal([[8, 9, 10], false]);
      expect(await recallHistory.execute({ room: 'general', limit: 3, after: 10 })).to.deep.equal({ messages: [], more: false });
    });

    it('reads from the start with after 0', async () => {
      const { recallHistory } = await setup({ stored: 10 });
      const page = await recallHistory.execute({ room: 'general', limit: 2, after: 0 });
      expect(ids(page.messages)).to.deep.equal([1, 2]);
      expect(page.more).to.equal(true);
    });

    it('walks forward through a room until more is false', async () => {
      const { recallHistory } = await setup({ stored: 11, rooms: ['general', 'dev'] });
      const seen: number[] = [];
      let page = { messages: [] as Array<{ id: number }>, more: true };
      while (page.more) {
        page = await recallHistory.execute({ room: 'general', limit: 2, after: seen.at(-1) ?? 0 });
        seen.push(...ids(page.messages));
      }
      expect(seen).to.deep.equal([1, 3, 5, 7, 9, 11]);
    });

    it('clamps the limit', async () => {
      const { recallHistory } = await setup({ stored: 10 });
      const page = await recallHistory.execute({ room: 'general', limit: 50, after: 0 });
      expect(ids(page.messages)).to.deep.equal([1, 2, 3, 4, 5]);
      expect(page.more).to.equal(true);
    });
  });
});
