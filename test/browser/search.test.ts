import { expect } from 'chai';
import { MINUTE, describeWebClient } from './browser-suite.js';
import type { ChatPage } from './chat-page.js';

/** Small history pages, so that a message found far back lies well apart from the newest ones. */
const HISTORY_MAX = 40;

async function search(page: ChatPage, query: string): Promise<void> {
  if (await page.page.isHidden('#search-input')) await page.page.click('#search-toggle');
  await page.page.fill('#search-input', query);
  await page.page.press('#search-input', 'Enter');
}

/** The results drawn: room, author and text of each, top to bottom. */
async function results(page: ChatPage): Promise<Array<{ room: string; author: string; text: string; marked: string[] }>> {
  return page.mapAll(
    '#search-results .result',
    `(node) => ({
      room: node.querySelector('.result-room').textContent,
      author: node.querySelector('.result-author').textContent,
      text: node.querySelector('.result-text').textContent,
      marked: [...node.querySelectorAll('mark')].map((mark) => mark.textContent),
    })`,
  );
}

describeWebClient('web client: search', { HISTORY_MAX: String(HISTORY_MAX) }, ({ signedIn, seed, storedIn }) => {
  it('finds messages newest first, with their room, author and time and the words marked, a page at a time', async () => {
    const start = Date.now() - 300 * MINUTE;
    await seed(
      'ops',
      Array.from({ length: 30 }, (_, i) => ({
        username: i % 2 ? 'bob' : 'carol',
        text: `Deploying build ${i + 1} to staging`,
        at: new Date(start + i * MINUTE),
      })),
    );
    await seed('general', [{ username: 'bob', text: 'nothing to see here', at: new Date(start) }]);
    const alice = await signedIn('alice');
    expect(await alice.page.getAttribute('#search-toggle', 'aria-expanded')).to.equal('false');
    await search(alice, 'deploy STAGING');
    expect(await alice.page.getAttribute('#search-toggle', 'aria-expanded')).to.equal('true');
    await alice.page.waitForSelector('#search-results .result');
    let found = await results(alice);
    expect(found).to.have.length(20);
    expect(found[0]).to.deep.equal({ room: '#ops', author: 'bob', text: 'Deploying build 30 to staging', marked: ['Deploying', 'staging'] });
    expect(found[1]!.text).to.equal('Deploying build 29 to staging');
    // Newest first: the ids go down.
    const ids = await alice.mapAll<number>('#search-results .result-open', '(node) => Number(node.dataset.id)');
    expect([...ids].sort((a, b) => b - a)).to.deep.equal(ids);
    expect(await alice.page.textContent('#search-status')).to.match(/20 messages .*more below/);
    expect(await alice.page.getAttribute('#search-results .result-open time', 'datetime')).to.match(/^\d{4}-/);

    await alice.page.click('#search-more');
    await alice.page.waitForFunction(
      () =>
        (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }).document.querySelectorAll('#search-results .result')
          .length === 30,
    );
    found = await results(alice);
    expect(new Set(found.map((r) => r.text)).size).to.equal(30);
    expect(await alice.page.isHidden('#search-more'), 'nothing more').to.equal(true);
    expect(await alice.page.textContent('#search-status')).to.match(/^30 messages/);

    await search(alice, 'nowhere-to-be-found');
    await alice.page.waitForSelector('#search-status:has-text("No messages")');
    expect(await results(alice)).to.deep.equal([]);
    // A query without a word is refused beside the field, before asking.
    await search(alice, '!!!');
    expect(await alice.page.textContent('#search-error')).to.equal('Search for a word: letters or digits.');
    expect(await alice.page.getAttribute('#search-input', 'aria-invalid')).to.equal('true');
  });

  it('opens a result in its room, among the messages around it, scrolled to and marked; the gap to the newest closes on request', async () => {
    const start = Date.now() - 600 * MINUTE;
    const total = 150;
    await seed(
      'archive',
      Array.from({ length: total }, (_, i) => ({
        username: 'bob',
        text: i === 9 ? 'the release checklist is here' : `line ${i + 1}`,
        at: new Date(start + i * MINUTE),
      })),
    );
    const alice = await signedIn('alice');
    await search(alice, 'checklist');
    await alice.page.click('#search-results .result-open');
    await alice.page.waitForSelector('#messages[data-room="archive"] .message.found');
    const stored = await storedIn('archive');
    const target = stored[9]!;
    expect(await alice.page.getAttribute('#messages .message.found', 'data-id')).to.equal(String(target.id));
    expect(await alice.onScreen('#messages .message.found')).to.equal(true);
    expect(await alice.page.evaluate('document.activeElement?.dataset?.id')).to.equal(String(target.id));
    expect(await alice.roomNames()).to.include('archive');
    // The messages before and after it are there; the newest ones too, with a gap between.
    const shown = await alice.shownIds();
    expect(shown.slice(0, 10)).to.deep.equal(stored.slice(0, 10).map((m) => m.id));
    expect(shown).to.include(stored[20]!.id);
    expect(shown.at(-1)).to.equal(stored.at(-1)!.id);
    expect(await alice.page.locator('#messages .gap').count()).to.equal(1);

    while ((await alice.page.locator('#messages .gap').count()) > 0) {
      const before = (await alice.shownIds()).length;
      await alice.page.click('#messages .gap button');
      await alice.waitForCount(before + 1);
    }
    expect(await alice.shown()).to.deep.equal(stored);
    expect((await alice.stats()).duplicates).to.equal(0);
  });

  it("finds nothing of a private room for a non-member, and its member finds it under the room's title", async () => {
    const alice = await signedIn('alice');
    const room = await alice.createRoom('Secret plans');
    await alice.post('the launch codeword is heron');
    await alice.waitForNoPending();
    await alice.openRoom('general');
    await alice.post('herons are birds');
    await alice.waitForNoPending();

    const mallory = await signedIn('mallory');
    await search(mallory, 'heron');
    await mallory.page.waitForSelector('#search-results .result');
    expect((await results(mallory)).map((r) => r.text)).to.deep.equal(['herons are birds']);

    await search(alice, 'heron');
    await alice.page.waitForSelector('#search-results .result >> nth=1');
    expect((await results(alice)).map((r) => [r.room, r.text])).to.deep.equal([
      ['#general', 'herons are birds'],
      ['Secret plans', 'the launch codeword is heron'],
    ]);
    await alice.page.click('#search-results .result-open >> nth=1');
    await alice.page.waitForSelector(`#messages[data-room="${room}"] .message.found`);
  });
});
