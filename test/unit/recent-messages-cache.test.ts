import { expect } from 'chai';
import { RecentMessagesCache } from '../../src/adapters/persistence/recent-messages-cache.js';
import type { Appended, HistoryQuery, MessageRepository } from '../../src/application/ports.js';
import type { Message, NewMessage } from '../../src/domain/message.js';
import { InMemoryMessageRepository } from '../fakes/in-memory-message-repository.js';
import { RecordingFanout } from '../fakes/recording-fanout.js';

/** The cache's room bound (MAX_ROOMS in recent-messages-cache.ts). */
const MAX_ROOMS = 1000;

/**
 * Counts and records reads, so a test can tell a cached answer from a query.
 * While `held` is set, a page read answers what was stored when it was asked,
 * but only once the test releases it.
 */
class CountingRepository implements MessageRepository {
  readonly pages: HistoryQuery[] = [];
  readonly sinces: Array<[number, number]> = [];
  lastIds = 0;
  private held: Promise<void> | undefined;
  private releaseHeld: (() => void) | undefined;

  constructor(readonly inner = new InMemoryMessageRepository()) {}

  append(message: NewMessage): Promise<Appended> {
    return this.inner.append(message);
  }

  async page(query: HistoryQuery): Promise<Message[]> {
    this.pages.push(query);
    const found = await this.inner.page(query);
    await this.held;
    return found;
  }

  since(afterId: number, limit: number): Promise<Message[]> {
    this.sinces.push([afterId, limit]);
    return this.inner.since(afterId, limit);
  }

  find(id: number): Promise<Message | undefined> {
    return this.inner.find(id);
  }

  lastId(): Promise<number> {
    this.lastIds += 1;
    return this.inner.lastId();
  }

  hold(): void {
    this.held = new Promise((resolve) => (this.releaseHeld = resolve));
  }

  release(): void {
    this.releaseHeld?.();
    this.held = undefined;
  }

  get reads(): number {
    return this.pages.length;
  }
}

describe('RecentMessagesCache', () => {
  const draft = (text: string, room = 'general', clientId?: string): NewMessage => ({
    room,
    username: 'alice',
    text,
    createdAt: new Date(0),
    ...(clientId === undefined ? {} : { clientId }),
  });

  function setup(capacity = 3) {
    const store = new CountingRepository();
    const fanout = new RecordingFanout();
    const cache = new RecentMessagesCache(store, fanout, capacity);
    // What PostMessage does: store, then publish unless it was a repeat.
    const post = async (text: string, room = 'general', clientId?: string) => {
      const appended = await cache.append(draft(text, room, clientId));
      if (!appended.duplicate) fanout.publish(appended.message);
      return appended;
    };
    const latest = (limit: number, room = 'general') => cache.page({ room, limit });
    return { store, fanout, cache, post, latest };
  }

  const texts = (messages: Message[]) => messages.map((m) => m.text);

  describe('the latest page of a room', () => {
    it('loads the latest messages from the store once, then answers from memory', async () => {
      const { store, post, latest } = setup();
      for (const text of ['a', 'b', 'c', 'd']) await post(text);
      expect(texts(await latest(2))).to.deep.equal(['c', 'd']);
      expect(texts(await latest(3))).to.deep.equal(['b', 'c', 'd']);
      expect(store.reads).to.equal(1);
      expect(store.pages).to.deep.equal([{ room: 'general', limit: 3 }]);
    });

    it('follows the fan-out once warm, keeping only its capacity', async () => {
      const { store, post, latest } = setup();
      await post('a');
      await latest(1);
      for (const text of ['b', 'c', 'd', 'e']) await post(text);
      expect(texts(await latest(3))).to.deep.equal(['c', 'd', 'e']);
      expect(store.reads).to.equal(1);
    });

    it('asks the store for more than it keeps', async () => {
      const { store, post, latest } = setup(2);
      for (const text of ['a', 'b', 'c']) await post(text);
      expect(texts(await latest(3))).to.deep.equal(['a', 'b', 'c']);
      expect(store.reads).to.equal(1);
      expect(texts(await latest(3))).to.deep.equal(['a', 'b', 'c']);
      expect(store.reads).to.equal(2);
    });

    it('keeps a message published while the first load is in flight, once', async () => {
      const { fanout, post, latest } = setup();
      await post('a');
      const loading = latest(3);
      // Stored and published before the load's answer is seen.
      await post('b');
      await loading;
      expect(texts(await latest(3))).to.deep.equal(['a', 'b']);
      expect(fanout.published).to.have.length(2);
    });

    it('merges messages published while a held load is in flight, skipping those the load already has', async () => {
      const { store, fanout, cache, post, latest } = setup(5);
      await post('a');
      // Stored before the load reads, published only after it began.
      const b = await cache.append(draft('b'));
      store.hold();
      const loading = latest(5);
      fanout.publish(b.message);
      // The load has read ['a', 'b']; these land before it answers.
      await post('c');
      await post('x', 'dev');
      await post('d');
      store.release();
      expect(texts(await loading)).to.deep.equal(['a', 'b', 'c', 'd']);
      expect(texts(await latest(5))).to.deep.equal(['a', 'b', 'c', 'd']);
      expect(store.reads).to.equal(1);
    });

    it('shares one load between requests that arrive while it is in flight', async () => {
      const { store, post, latest } = setup();
      await post('a');
      store.hold();
      const first = latest(3);
      const second = latest(1);
      store.release();
      expect(texts(await first)).to.deep.equal(['a']);
      expect(texts(await second)).to.deep.equal(['a']);
      expect(store.reads).to.equal(1);
    });

    it('does not remember a repeat, which is not published', async () => {
      const { store, post, latest } = setup();
      await post('a', 'general', 'c-1');
      await latest(3);
      const repeat = await post('a again', 'general', 'c-1');
      expect(repeat.duplicate).to.equal(true);
      expect(texts(await latest(3))).to.deep.equal(['a']);
      expect(store.reads).to.equal(1);
    });
  });

  describe('edits and deletions', () => {
    const change = (kind: 'edit' | 'delete', target: number, text = ''): NewMessage => ({ ...draft(text), change: { kind, target } });
    const publishChange = async (cache: RecentMessagesCache, fanout: RecordingFanout, kind: 'edit' | 'delete', target: number, text = '') => {
      const appended = await cache.append(change(kind, target, text));
      fanout.publish(appended.message);
    };

    it("shows a warm room's messages as they are now, without a query, and never lists a change itself", async () => {
      const { store, fanout, cache, post, latest } = setup(3);
      await post('one');
      await post('two');
      await latest(3);
      await publishChange(cache, fanout, 'edit', 1, 'uno');
      await publishChange(cache, fanout, 'delete', 2);
      const page = await latest(3);
      expect(page.map(({ id, text }) => [id, text])).to.deep.equal([
        [1, 'uno'],
        [2, ''],
      ]);
      expect(page[0]?.editedAt).to.be.instanceOf(Date);
      expect(page[1]?.deletedAt).to.be.instanceOf(Date);
      expect(store.reads).to.equal(1);
    });

    it('applies a change published while the first load is in flight', async () => {
      const { store, fanout, cache, post, latest } = setup(3);
      await post('one');
      store.hold();
      const loading = latest(3);
      await publishChange(cache, fanout, 'edit', 1, 'uno');
      store.release();
      expect(texts(await loading)).to.deep.equal(['uno']);
    });
  });

  describe('rooms', () => {
    it('keeps one tail per room, each loaded once and following its own messages', async () => {
      const { store, post, latest } = setup();
      await post('g1');
      await post('d1', 'dev');
      expect(texts(await latest(3))).to.deep.equal(['g1']);
      expect(texts(await latest(3, 'dev'))).to.deep.equal(['d1']);
      for (const [text, room] of [
        ['g2', 'general'],
        ['d2', 'dev'],
        ['d3', 'dev'],
        ['g3', 'general'],
        ['d4', 'dev'],
      ] as const) {
        await post(text, room);
      }
      expect(texts(await latest(3))).to.deep.equal(['g1', 'g2', 'g3']);
      expect(texts(await latest(3, 'dev'))).to.deep.equal(['d2', 'd3', 'd4']);
      expect(store.pages).to.deep.equal([
        { room: 'general', limit: 3 },
        { room: 'dev', limit: 3 },
      ]);
    });

    it('does not track a room nobody asked about, and loads it whole when first asked', async () => {
      const { store, post, latest } = setup();
      await latest(3);
      await post('d1', 'dev');
      await post('d2', 'dev');
      expect(texts(await latest(3, 'dev'))).to.deep.equal(['d1', 'd2']);
      expect(texts(await latest(3))).to.deep.equal([]);
      expect(store.reads).to.equal(2);
    });

    it(`keeps at most ${MAX_ROOMS} rooms, dropping the one asked about least recently`, async () => {
      const { store, latest } = setup();
      for (let i = 0; i < MAX_ROOMS; i += 1) await latest(1, `r${i}`);
      expect(store.reads).to.equal(MAX_ROOMS);
      // Asked again, r0 becomes the most recent; r1 is now the least recently asked.
      await latest(1, 'r0');
      expect(store.reads).to.equal(MAX_ROOMS);
      await latest(1, 'one-more');
      expect(store.reads).to.equal(MAX_ROOMS + 1);
      await latest(1, 'r0');
      expect(store.reads, 'r0 was kept').to.equal(MAX_ROOMS + 1);
      await latest(1, 'r1');
      expect(store.reads, 'r1 was dropped and is loaded again').to.equal(MAX_ROOMS + 2);
      expect(store.pages.at(-1)).to.deep.equal({ room: 'r1', limit: 3 });
    });

    it('stops following a dropped room, and reloads it with what was posted meanwhile', async () => {
      const { post, latest } = setup();
      await post('before', 'r0');
      await latest(3, 'r0');
      for (let i = 1; i <= MAX_ROOMS; i += 1) await latest(1, `r${i}`);
      await post('after', 'r0');
      expect(texts(await latest(3, 'r0'))).to.deep.equal(['before', 'after']);
    });
  });

  describe('what goes to the store', () => {
    it('passes pages before or after an id to the store, every time', async () => {
      const { store, post, cache, latest } = setup();
      for (const text of ['a', 'b', 'c', 'd']) await post(text);
      await latest(3);
      expect(texts(await cache.page({ room: 'general', limit: 2, before: 4 }))).to.deep.equal(['b', 'c']);
      expect(texts(await cache.page({ room: 'general', limit: 2, after: 1 }))).to.deep.equal(['b', 'c']);
      expect(texts(await cache.page({ room: 'general', limit: 2, before: 4 }))).to.deep.equal(['b', 'c']);
      expect(store.pages.slice(1)).to.deep.equal([
        { room: 'general', limit: 2, before: 4 },
        { room: 'general', limit: 2, after: 1 },
        { room: 'general', limit: 2, before: 4 },
      ]);
    });

    it('passes since() and lastId() to the store', async () => {
      const { store, post, cache } = setup();
      await post('a');
      await post('b', 'dev');
      await post('c');
      expect(texts(await cache.since(1, 10))).to.deep.equal(['b', 'c']);
      expect(texts(await cache.since(0, 2))).to.deep.equal(['a', 'b']);
      expect(store.sinces).to.deep.equal([
        [1, 10],
        [0, 2],
      ]);
      expect(await cache.lastId()).to.equal(3);
      expect(await cache.lastId()).to.equal(3);
      expect(store.lastIds).to.equal(2);
    });

    it('passes appends to the store and answers what it answers', async () => {
      const { store, cache } = setup();
      const first = await cache.append(draft('a', 'general', 'c-1'));
      const repeat = await cache.append(draft('a', 'general', 'c-1'));
      expect(first).to.deep.equal({ message: store.inner.all()[0], duplicate: false });
      expect(repeat).to.deep.equal({ message: store.inner.all()[0], duplicate: true });
    });
  });

  describe('invalidation and failure', () => {
    it('reloads every room after being invalidated', async () => {
      const { store, cache, post, latest } = setup();
      await post('a');
      await post('d', 'dev');
      await latest(3);
      await latest(3, 'dev');
      cache.invalidate();
      expect(texts(await latest(3))).to.deep.equal(['a']);
      expect(texts(await latest(3, 'dev'))).to.deep.equal(['d']);
      expect(store.reads).to.equal(4);
    });

    it('serves, but does not keep, a load that was invalidated while in flight', async () => {
      const { store, cache, post, latest } = setup();
      await post('a');
      store.hold();
      const loading = latest(3);
      cache.invalidate();
      store.release();
      expect(texts(await loading)).to.deep.equal(['a']);
      expect(texts(await latest(3))).to.deep.equal(['a']);
      expect(store.reads).to.equal(2);
    });

    it('does not keep a failed load, so the next request tries again', async () => {
      const fanout = new RecordingFanout();
      let failures = 1;
      const inner = new InMemoryMessageRepository();
      const flaky: MessageRepository = {
        append: (m) => inner.append(m),
        page: async (query) => {
          if (failures-- > 0) throw new Error('database down');
          return inner.page(query);
        },
        since: (afterId, limit) => inner.since(afterId, limit),
        lastId: () => inner.lastId(),
        find: (id) => inner.find(id),
      };
      const cache = new RecentMessagesCache(flaky, fanout, 3);
      const error = await cache.page({ room: 'general', limit: 1 }).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(Error);
      expect(await cache.page({ room: 'general', limit: 1 })).to.deep.equal([]);
    });

    it('does not let a failed load in one room disturb another', async () => {
      const fanout = new RecordingFanout();
      const inner = new InMemoryMessageRepository();
      let reads = 0;
      const flaky: MessageRepository = {
        append: (m) => inner.append(m),
        page: async (query) => {
          reads += 1;
          if (query.room === 'broken') throw new Error('database down');
          return inner.page(query);
        },
        since: (afterId, limit) => inner.since(afterId, limit),
        lastId: () => inner.lastId(),
        find: (id) => inner.find(id),
      };
      const cache = new RecentMessagesCache(flaky, fanout, 3);
      fanout.publish((await cache.append(draft('a'))).message);
      expect(texts(await cache.page({ room: 'general', limit: 3 }))).to.deep.equal(['a']);
      expect(await cache.page({ room: 'broken', limit: 3 }).catch((e: unknown) => e)).to.be.instanceOf(Error);
      fanout.publish((await cache.append(draft('b'))).message);
      expect(texts(await cache.page({ room: 'general', limit: 3 }))).to.deep.equal(['a', 'b']);
      expect(reads).to.equal(2);
    });
  });
});
