import { expect } from 'chai';
import { DAY, MINUTE, describeWebClient } from './browser-suite.js';

/** The little of the DOM a callback run in the page reads here: the project compiles without the DOM library. */
interface PageWithTimeline {
  document: { getElementById(id: string): { scrollTop: number } };
}

/** Midnight UTC of the day `daysAgo` days before today, plus `hours` and `minutes`; the pages below read in UTC. */
function utcDay(daysAgo: number, hours = 0, minutes = 0): Date {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - daysAgo, hours, minutes));
}

describeWebClient('web client: reading comfort and orientation', {}, ({ open, signedIn, seed }) => {
  describe('grouping', () => {
    it('shows the author and time once for a run of messages, each follow-up on a short line of its own', async () => {
      const alice = await signedIn('alice');
      const bob = await signedIn('bob');
      for (let i = 1; i <= 5; i += 1) await alice.post(`short ${i}`);
      await bob.post('bob breaks the run');
      await alice.post('alice again');
      await alice.waitForText('alice again');
      await alice.waitForNoPending();

      expect(await alice.visibleTexts('#messages .message[data-id] .author')).to.deep.equal(['alice', 'bob', 'alice']);
      // Every message still names its author for a screen reader, and the helpers read it.
      expect((await alice.shown()).map((m) => m.author)).to.deep.equal(['alice', 'alice', 'alice', 'alice', 'alice', 'bob', 'alice']);
      const heights = await alice.mapAll<number>('#messages .message[data-id]', '(node) => node.getBoundingClientRect().height');
      expect(heights[1], 'a follow-up is much shorter than the message that starts the run').to.be.below(heights[0]! * 0.7);
    });

    it('starts a new run after a pause of several minutes and on a new day', async () => {
      const start = utcDay(1, 9, 0);
      await seed('general', [
        { username: 'bob', text: 'first', at: start },
        { username: 'bob', text: 'two minutes later', at: new Date(start.getTime() + 2 * MINUTE) },
        { username: 'bob', text: 'after a coffee', at: new Date(start.getTime() + 20 * MINUTE) },
        { username: 'bob', text: 'the next day', at: new Date(start.getTime() + DAY) },
      ]);
      const reader = await open({ timezoneId: 'UTC' });
      await reader.waitForText('the next day');
      const runs = await reader.mapAll<boolean>('#messages .message[data-id]', "(node) => !node.classList.contains('continued')");
      expect(runs, 'which messages start a run').to.deep.equal([true, false, true, true]);
    });
  });

  describe('dates and times', () => {
    const seedDays = () =>
      seed('general', [
        { username: 'bob', text: 'thirteen months ago', at: new Date(utcDay(396).getTime() + 9 * 60 * MINUTE) },
        { username: 'bob', text: 'early yesterday', at: utcDay(1, 2, 42) },
        { username: 'bob', text: 'yesterday afternoon', at: utcDay(1, 14, 5) },
        { username: 'bob', text: 'just now', at: new Date(Date.now() - 10_000) },
      ]);

    it('puts a separator before each day: Today, Yesterday, and the date with its year when it is from another year', async () => {
      await seedDays();
      const reader = await open({ locale: 'en-US', timezoneId: 'UTC' });
      await reader.waitForText('just now');
      const days = await reader.visibleTexts('#messages .day-divider');
      const old = utcDay(396);
      expect(days).to.have.length(3);
      expect(days[0]).to.contain(String(old.getUTCFullYear()));
      expect(days.slice(1)).to.deep.equal(['Yesterday', 'Today']);
      // The separators sit right before the first message of their day.
      const order = await reader.timeline();
      expect(order).to.deep.equal(['DAY', 'thirteen months ago', 'DAY', 'early yesterday', 'yesterday afternoon', 'DAY', 'just now']);
    });

    it("writes times as the reader's locale does: no leading zero on a 12-hour clock, 24 hours where that is the custom", async () => {
      await seedDays();
      const american = await open({ locale: 'en-US', timezoneId: 'UTC' });
      await american.waitForText('just now');
      const times = await american.page.locator('#messages .message[data-id] .time').allTextContents();
      expect(times[1]).to.match(/^2:42\sAM$/);
      expect(times[2]).to.match(/^2:05\sPM$/);
      // The full date is one hover (or one screen-reader query) away.
      expect(await american.page.locator('#messages .message[data-id] .time').nth(1).getAttribute('title')).to.match(/\d{4}/);

      const british = await open({ locale: 'en-GB', timezoneId: 'UTC' });
      await british.waitForText('just now');
      const britishTimes = await british.page.locator('#messages .message[data-id] .time').allTextContents();
      expect(britishTimes.slice(1, 3)).to.deep.equal(['02:42', '14:05']);
    });
  });

  describe('links', () => {
    it('makes http, https and mailto addresses clickable, opening without the page as opener, and nothing else', async () => {
      const alice = await signedIn('alice');
      const text = [
        'docs at https://example.com/a?b=1&c=2.',
        'mail mailto:ops@example.com,',
        'wiki (https://en.wikipedia.org/wiki/Foo_(bar))',
        'not javascript:alert(1) nor JaVaScRiPt:alert(2) nor data:text/html,<b>x</b> nor ftp://example.com/x',
        'and http://localhost:8080/path#frag',
      ].join('\n');
      await alice.post(text);
      await alice.waitForText(text);
      const message = alice.page.locator('#messages .message[data-id]').last();
      const links = await alice.mapAll<{ href: string; text: string; rel: string | null }>(
        '#messages .message[data-id]:last-of-type .text a',
        "(node) => ({ href: node.getAttribute('href'), text: node.textContent, rel: node.getAttribute('rel') })",
      );
      expect(links.map((link) => link.href)).to.deep.equal([
        'https://example.com/a?b=1&c=2',
        'mailto:ops@example.com',
        'https://en.wikipedia.org/wiki/Foo_(bar)',
        'http://localhost:8080/path#frag',
      ]);
      for (const link of links) {
        expect(link.text).to.equal(link.href);
        expect(link.rel?.split(' ')).to.include.members(['noopener', 'noreferrer']);
      }
      // The text reads exactly as it was written.
      expect(await message.locator('.text').textContent()).to.equal(text);
    });
  });

  describe('orientation in the conversation', () => {
    it('draws a "new messages" line above the first unread message of a room it opens', async () => {
      const alice = await signedIn('alice', 'dev');
      const bob = await signedIn('bob');
      await bob.post('read before');
      await alice.page.waitForSelector('.room[data-room="general"] .unread');
      await alice.openRoom('general');
      await alice.waitForText('read before');
      await alice.openRoom('dev');

      for (let i = 1; i <= 3; i += 1) await bob.post(`unread ${i}`);
      await alice.page.waitForSelector('.room[data-room="general"] .unread:text("3")');
      await alice.openRoom('general');
      await alice.waitForText('unread 3');

      const list = await alice.timeline();
      const line = list.indexOf('NEW');
      expect(line, 'the line is there').to.be.at.least(0);
      expect(list[line + 1]).to.equal('unread 1');
      expect(list.slice(0, line)).to.include('read before');
      expect(await alice.onScreen('#messages .new-divider')).to.equal(true);

      // Leaving another room draws this one again: the line stays.
      await alice.page.click('.room[data-room="dev"] .room-leave');
      expect(await alice.roomNames()).to.deep.equal(['general']);
      expect(await alice.timeline()).to.include('NEW');
    });

    it('says that new messages are below while reading back, and jumps to the latest on request', async () => {
      const start = Date.now() - 60 * MINUTE;
      await seed(
        'general',
        Array.from({ length: 40 }, (_, i) => ({ username: 'bob', text: `old ${i + 1}`, at: new Date(start + i * MINUTE) })),
      );
      const alice = await signedIn('alice');
      const bob = await signedIn('bob');
      await alice.waitForText('old 40');
      expect(await alice.onScreen('#jump-latest'), 'nothing to jump to at the bottom').to.equal(false);

      await alice.scrollToTop();
      await alice.page.waitForSelector('#jump-latest', { state: 'visible' });
      const scrolled = await alice.page.evaluate("document.getElementById('timeline').scrollTop");
      await bob.post('news');
      await alice.waitForText('news');
      expect(await alice.page.textContent('#jump-latest')).to.match(/1 new message\b/);
      expect(await alice.page.evaluate("document.getElementById('timeline').scrollTop"), 'reading back is not interrupted').to.equal(scrolled);

      await alice.page.click('#jump-latest');
      await alice.page.waitForSelector('#jump-latest', { state: 'hidden' });
      expect(await alice.atBottom()).to.equal(true);
    });

    it('keeps "the beginning of #room" at the top of the history, out of sight while reading the newest messages', async () => {
      const start = Date.now() - 60 * MINUTE;
      await seed(
        'general',
        Array.from({ length: 40 }, (_, i) => ({ username: 'bob', text: `line ${i + 1}`, at: new Date(start + i * MINUTE) })),
      );
      const reader = await open();
      await reader.waitForText('line 40');
      await reader.page.waitForSelector('#history-note:has-text("beginning")', { state: 'attached' });
      expect(await reader.onScreen('#history-note')).to.equal(false);
      await reader.scrollToTop();
      await reader.page.waitForFunction(() => (globalThis as unknown as PageWithTimeline).document.getElementById('timeline').scrollTop === 0);
      expect(await reader.onScreen('#history-note')).to.equal(true);
    });
  });
});
