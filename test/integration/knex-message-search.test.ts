import { expect } from 'chai';
import { KnexMessageRepository } from '../../src/adapters/persistence/knex-message-repository.js';
import { KnexMessageSearch } from '../../src/adapters/persistence/knex-message-search.js';
import { SearchIndexer } from '../../src/adapters/persistence/search-indexer.js';
import type { NewMessage } from '../../src/domain/message.js';
import { SilentLogger } from '../fakes/silent-logger.js';
import { describeOnEachKnexDatabase } from '../support/each-knex-database.js';
import { eventually } from '../support/eventually.js';

describeOnEachKnexDatabase('Search and its index after commit', (db) => {
  let messages: KnexMessageRepository;
  // Three newest messages read directly, so that a few dozen exercise the index as millions would.
  let search: KnexMessageSearch;
  let indexer: SearchIndexer;

  beforeEach(() => {
    messages = new KnexMessageRepository(db());
    search = new KnexMessageSearch(db(), 3);
    indexer = new SearchIndexer(db(), new SilentLogger(), { batch: 4 });
  });

  const post = (text: string, extra: Partial<NewMessage> = {}) =>
    messages.append({ room: 'general', username: 'alice', text, createdAt: new Date(), ...extra }).then(({ message }) => message.id);
  const find = async (...terms: string[]) => (await search.search({ username: 'alice', terms, limit: 100 })).map(({ id }) => id);
  const indexedUpTo = async () => Number((await db()('search_log').first<{ indexed_up_to: string | number }>('indexed_up_to'))?.indexed_up_to);

  it('finds what the indexer has not reached, and the same once it has', async () => {
    const ids = [];
    for (let i = 0; i < 10; i++) ids.push(await post(i % 2 ? `deploy number ${i}` : `lunch number ${i}`));
    const deploys = ids.filter((_, i) => i % 2).reverse();
    expect(await find('deploy')).to.deep.equal(deploys);
    expect(await indexer.catchUp()).to.equal(10);
    expect(await indexedUpTo()).to.equal(ids.at(-1));
    expect(await find('deploy')).to.deep.equal(deploys);
    expect(await find('dep', 'number')).to.deep.equal(deploys);
    expect(await find('nothing')).to.deep.equal([]);
  });

  it('pages newest first across the indexed and the unindexed messages, each message once', async () => {
    const ids = [];
    for (let i = 0; i < 15; i++) ids.push(await post(`deploy ${i}`));
    await indexer.catchUp();
    for (let i = 15; i < 30; i++) ids.push(await post(`deploy ${i}`));
    const seen: number[] = [];
    let before: number | undefined;
    for (;;) {
      const page = await search.search({ username: 'alice', terms: ['deploy'], limit: 7, ...(before === undefined ? {} : { before }) });
      seen.push(...page.map(({ id }) => id));
      if (page.length < 7) break;
      before = page.at(-1)!.id;
    }
    expect(seen).to.deep.equal([...ids].reverse());
  });

  it('never finds an edited message by its old words, and finds it by its new ones once indexed', async () => {
    const edited = await post('alpha release');
    for (let i = 0; i < 6; i++) await post(`filler ${i}`);
    await indexer.catchUp();
    await post('omega', { change: { kind: 'edit', target: edited } });
    expect(await find('alpha')).to.deep.equal([]);
    await indexer.catchUp();
    expect(await find('alpha')).to.deep.equal([]);
    expect(await find('omega')).to.deep.equal([edited]);
  });

  it('never finds a deleted message, and its words leave the index', async () => {
    const deleted = await post('secret plans');
    for (let i = 0; i < 6; i++) await post(`filler ${i}`);
    await indexer.catchUp();
    await post('', { change: { kind: 'delete', target: deleted } });
    expect(await find('secret')).to.deep.equal([]);
    await indexer.catchUp();
    const row = await db()('message_search').where('id', deleted).first<{ words: string }>(db().raw('words::text AS words'));
    expect(row?.words).to.equal('');
    expect(await find('secret')).to.deep.equal([]);
  });

  it('indexes each message once when several nodes index at the same time', async () => {
    for (let i = 0; i < 25; i++) await post(`word ${i}`);
    const others = [1, 2, 3].map(() => new SearchIndexer(db(), new SilentLogger(), { batch: 4 }));
    await Promise.all([indexer, ...others].map((each) => each.catchUp()));
    // One more pass: a node that found the row taken left what the other was doing; nothing is left after.
    await indexer.catchUp();
    expect(await indexedUpTo()).to.equal(25);
    expect(Number((await db()('message_search').count({ n: '*' }))[0]?.n)).to.equal(25);
  });

  it('keeps up on its own once started', async () => {
    const running = new SearchIndexer(db(), new SilentLogger(), { everyMs: 5, batch: 4 });
    running.start();
    try {
      let last = 0;
      for (let i = 0; i < 9; i++) last = await post(`word ${i}`);
      await eventually(async () => (await indexedUpTo()) === last, { what: 'the indexer reaches the last message' });
    } finally {
      await running.stop();
    }
  });
});
