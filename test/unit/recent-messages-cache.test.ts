import { expect } from 'chai';
import { RecentMessagesCache } from '../../src/adapters/persistence/recent-messages-cache.js';
import type { MessageRepository } from '../../src/application/ports.js';
import type { Message, NewMessage } from '../../src/domain/message.js';
import { InMemoryMessageRepository } from '../fakes/in-memory-message-repository.js';
import { RecordingFanout } from '../fakes/recording-fanout.js';

/** Counts reads, so a test can tell a cached answer from a query. */
class CountingRepository implements MessageRepository {
  reads = 0;
  constructor(readonly inner = new InMemoryMessageRepository()) {}
  append(message: NewMessage): Promise<Message> {
    return this.inner.append(message);
  }
  latest(count: number): Promise<Message[]> {
    this.reads += 1;
    return this.inner.latest(count);
  }
}

describe('RecentMessagesCache', () => {
  const draft = (text: string): NewMessage => ({ username: 'alice', text, createdAt: new Date(0) });

  function setup(capacity = 3) {
    const store = new CountingRepository();
    const fanout = new RecordingFanout();
    const cache = new RecentMessagesCache(store, fanout, capacity);
    // What PostMessage does: store, then publish.
    const post = async (text: string) => fanout.publish(await cache.append(draft(text)));
    return { store, fanout, cache, post };
  }

  const texts = (messages: Message[]) => messages.map((m) => m.text);

  it('loads the latest messages from the store once, then answers from memory', async () => {
    const { store, cache, post } = setup();
    for (const text of ['a', 'b', 'c', 'd']) await post(text);
    expect(texts(await cache.latest(2))).to.deep.equal(['c', 'd']);
    expect(texts(await cache.latest(3))).to.deep.equal(['b', 'c', 'd']);
    expect(store.reads).to.equal(1);
  });

  it('follows the fan-out once warm, keeping only its capacity', async () => {
    const { store, cache, post } = setup();
    await post('a');
    await cache.latest(1);
    for (const text of ['b', 'c', 'd', 'e']) await post(text);
    expect(texts(await cache.latest(3))).to.deep.equal(['c', 'd', 'e']);
    expect(store.reads).to.equal(1);
  });

  it('asks the store for more than it keeps', async () => {
    const { store, cache, post } = setup(2);
    for (const text of ['a', 'b', 'c']) await post(text);
    expect(texts(await cache.latest(3))).to.deep.equal(['a', 'b', 'c']);
    expect(store.reads).to.equal(1);
    expect(texts(await cache.latest(3))).to.deep.equal(['a', 'b', 'c']);
    expect(store.reads).to.equal(2);
  });

  it('keeps a message published while the first load is in flight, once', async () => {
    const { cache, fanout, post } = setup();
    await post('a');
    const loading = cache.latest(3);
    // Stored and published before the load's answer is seen.
    await post('b');
    await loading;
    expect(texts(await cache.latest(3))).to.deep.equal(['a', 'b']);
    expect(fanout.published).to.have.length(2);
  });

  it('reloads after being invalidated', async () => {
    const { store, cache, post } = setup();
    await post('a');
    await cache.latest(3);
    cache.invalidate();
    expect(texts(await cache.latest(3))).to.deep.equal(['a']);
    expect(store.reads).to.equal(2);
  });

  it('does not keep a failed load, so the next request tries again', async () => {
    const fanout = new RecordingFanout();
    let failures = 1;
    const flaky: MessageRepository = {
      append: async (m) => ({ id: 1, ...m }),
      latest: async () => {
        if (failures-- > 0) throw new Error('database down');
        return [];
      },
    };
    const cache = new RecentMessagesCache(flaky, fanout, 3);
    const error = await cache.latest(1).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(Error);
    expect(await cache.latest(1)).to.deep.equal([]);
  });
});
