import { expect } from 'chai';
import { artifactPath, describeWebClient } from './browser-suite.js';
import { eventually } from '../support/eventually.js';
import type { ChatPage } from './chat-page.js';

/** Small pages, so that a catch-up and a scroll-back take several. */
const HISTORY_MAX = 20;
/** general and three more; the other tests need fewer. */
const ROOMS_PER_CONNECTION = 4;

describeWebClient(
  'web client in Chromium',
  {
    HISTORY_MAX: String(HISTORY_MAX),
    ROOMS_PER_CONNECTION: String(ROOMS_PER_CONNECTION),
  },
  ({ server, open, signedIn, storedIn, seed }) => {
    it('lets two people in two browsers chat in a room other than general, each seeing the other in order', async () => {
      const alice = await signedIn('alice', 'team-7');
      const bob = await signedIn('bob', 'team-7');
      await alice.page.waitForSelector('#presence .user[data-user="bob"]');
      expect(await alice.presence()).to.deep.equal(['alice', 'bob']);

      const lines: Array<[ChatPage, string]> = [
        [alice, 'hi bob'],
        [bob, 'hi alice, how are things?'],
        [alice, '<img src=x onerror="window.__owned = 1"> is just text'],
        [bob, 'multi\nline'],
      ];
      for (const [page, text] of lines) {
        await page.post(text);
        await alice.waitForText(text);
        await bob.waitForText(text);
      }

      const stored = await storedIn('team-7');
      expect(stored.map((m) => m.text)).to.deep.equal(lines.map(([, text]) => text));
      expect(await alice.shown()).to.deep.equal(stored);
      expect(await bob.shown()).to.deep.equal(stored);
      expect(await alice.page.locator('#messages img').count(), 'text is never parsed as HTML').to.equal(0);
      expect(await alice.page.evaluate('window.__owned')).to.equal(undefined);
      expect(await storedIn('general')).to.deep.equal([]);

      // The other room keeps its own messages; a message there counts as unread for whoever is elsewhere.
      await bob.openRoom('general');
      await alice.openRoom('general');
      await alice.post('in general');
      await bob.waitForText('in general');
      await alice.openRoom('team-7');
      await bob.post('back in general');
      await alice.page.waitForSelector('.room[data-room="general"] .unread');
      expect(await alice.page.textContent('.room[data-room="general"] .unread')).to.equal('1');

      await alice.page.screenshot({ path: artifactPath('web-client.png') });
      for (const page of [alice, bob]) expect((await page.stats()).duplicates).to.equal(0);

      // bob's network goes away: his last connection closes, and he leaves the room's user list.
      bob.network.cut();
      await alice.page.waitForSelector('#presence .user[data-user="bob"]', { state: 'detached' });
      expect(await alice.presence()).to.deep.equal(['alice']);
    });

    it('keeps the session and the rooms over a reload, and logs out', async () => {
      const alice = await signedIn('alice', 'ops');
      await alice.post('before reload');
      await alice.waitForText('before reload');

      await alice.page.reload();
      await alice.waitForState('authorized');
      await alice.page.waitForSelector('#messages[data-room="ops"]');
      await alice.waitForText('before reload');
      // The most recently active first: ops holds a message, general none.
      expect(await alice.roomNames()).to.deep.equal(['ops', 'general']);

      await alice.page.click('#logout');
      await alice.page.waitForSelector('#auth-panel:not([hidden])');
      await alice.waitForState('connected');
      await alice.page.reload();
      await alice.waitForState('connected');
      expect(await alice.page.isVisible('#auth-panel')).to.equal(true);
    });

    // general resumes through the URL (?after=), every other room with a join frame.
    for (const room of ['ops', 'general']) {
      it(`shows every message of ${room} exactly once, in order, after its connection was cut while the other kept posting`, async () => {
        const alice = await signedIn('alice', room === 'general' ? undefined : room);
        const bob = await signedIn('bob', room === 'general' ? undefined : room);
        await alice.post('before the cut');
        await bob.waitForText('before the cut');

        const connectionsBefore = server().openConnections;
        await alice.goOffline();
        // The page's socket really is gone: the page says so, and the server has one connection less.
        await alice.waitForState('disconnected');
        await eventually(() => server().openConnections === connectionsBefore - 1, { what: 'the server to see the cut', timeoutMs: 10_000 });

        const missed = Array.from({ length: 30 }, (_, i) => `while away ${i + 1}`);
        for (const text of missed) await bob.post(text);
        await bob.waitForCount(31);
        await bob.waitForNoPending();
        // Still cut: nothing of it has reached alice.
        expect(await alice.shownIds()).to.have.length(1);

        await alice.goOnline();
        await alice.waitForState('authorized');
        await alice.waitForCount(31);
        await bob.post('after the return');
        await alice.waitForText('after the return');

        const stored = await storedIn(room);
        expect(stored).to.have.length(32);
        expect(await alice.shown()).to.deep.equal(stored);
        expect(await bob.shown()).to.deep.equal(stored);
        const stats = await alice.stats();
        expect(stats.duplicates).to.equal(0);
        expect(stats.outOfOrder).to.equal(0);
        expect(stats.reconnects).to.be.at.least(1);
        // general came back through the URL, from the last message seen before the cut.
        if (room === 'general') expect(alice.socketUrls.at(-1)).to.match(new RegExp(`/ws\\?after=${stored[0]!.id}$`));
      });
    }

    it('sends a message written while disconnected once the connection is back, exactly once', async () => {
      const alice = await signedIn('alice', 'ops');
      const bob = await signedIn('bob', 'ops');
      await alice.goOffline();
      await alice.waitForState('disconnected');

      await alice.post('written offline');
      const pending = alice.page.locator('#messages .message.pending');
      expect(await pending.count()).to.equal(1);
      expect(await pending.locator('.text').textContent()).to.equal('written offline');
      expect(await pending.locator('.state').textContent()).to.match(/sending/);

      await alice.goOnline();
      await alice.waitForText('written offline');
      await alice.waitForNoPending();
      await bob.waitForText('written offline');

      const stored = await storedIn('ops');
      expect(stored.map((m) => m.text)).to.deep.equal(['written offline']);
      expect(await alice.shown()).to.deep.equal(stored);
      expect(await bob.shown()).to.deep.equal(stored);
    });

    it('shows a message once when the connection dropped after the server stored it but before the acknowledgement came', async () => {
      const alice = await open();
      // Between the page and the network: the first acknowledgement of a send is swallowed and the socket cut.
      let swallowed = 0;
      await alice.page.routeWebSocket(/\/ws$/, (ws) => {
        const upstream = ws.connectToServer();
        upstream.onMessage((data) => {
          const frame = JSON.parse(String(data)) as { type?: string; clientId?: string };
          if (frame.type === 'message' && frame.clientId && swallowed === 0) {
            swallowed += 1;
            void ws.close({ code: 4000, reason: 'test: acknowledgement lost' });
            void upstream.close();
            return;
          }
          ws.send(data);
        });
      });
      await alice.page.reload();
      await alice.register('alice');
      await alice.joinRoom('ops');

      await alice.post('stored once');
      await alice.waitForText('stored once');
      await alice.waitForNoPending();
      expect(swallowed).to.equal(1);
      // The page sent it again under the same clientId; the server stored it once.
      expect((await alice.stats()).resent).to.be.at.least(1);

      const stored = await storedIn('ops');
      expect(stored.map((m) => m.text)).to.deep.equal(['stored once']);
      expect(await alice.shown()).to.deep.equal(stored);
      expect((await alice.stats()).duplicates).to.equal(0);
    });

    it('shows a message the server sends twice once, and counts it, so a server fault is not hidden', async () => {
      const alice = await open();
      let doubled = 0;
      await alice.page.routeWebSocket(/\/ws$/, (ws) => {
        const upstream = ws.connectToServer();
        upstream.onMessage((data) => {
          ws.send(data);
          const frame = JSON.parse(String(data)) as { type?: string; username?: string };
          if (frame.type === 'message' && frame.username === 'bob' && doubled === 0) {
            doubled += 1;
            ws.send(data);
          }
        });
      });
      await alice.page.reload();
      await alice.register('alice');
      await alice.joinRoom('ops');
      const bob = await signedIn('bob', 'ops');
      await bob.post('once');
      await bob.post('twice?');
      await alice.waitForText('twice?');

      expect(doubled).to.equal(1);
      expect((await alice.shown()).map((m) => m.text)).to.deep.equal(['once', 'twice?']);
      expect((await alice.stats()).duplicates).to.equal(1);
    });

    it('reads back through older pages when scrolled to the top, until the beginning', async () => {
      // History from before the test: what is read back is stored, not posted through a page (which other tests do).
      const total = HISTORY_MAX * 3 + 5;
      const from = Date.now() - total * 60_000;
      await seed(
        'archive',
        Array.from({ length: total }, (_, i) => ({ username: 'bob', text: `old ${i + 1}`, at: new Date(from + i * 60_000) })),
      );

      const alice = await signedIn('alice', 'archive');
      expect(await alice.shownIds()).to.have.length(HISTORY_MAX);
      await alice.page.click('#load-older');
      await alice.waitForCount(HISTORY_MAX * 2);
      while ((await alice.shownIds()).length < total) {
        const before = (await alice.shownIds()).length;
        await alice.scrollToTop();
        await alice.waitForCount(before + 1);
      }
      await alice.page.waitForSelector('#history-note:has-text("beginning")');
      expect(await alice.page.isHidden('#load-older')).to.equal(true);
      expect(await alice.shown()).to.deep.equal(await storedIn('archive'));
      expect((await alice.stats()).duplicates).to.equal(0);
    });

    it('refuses a bad room name in words before asking the server', async () => {
      const alice = await signedIn('alice');
      await alice.page.fill('#join-room-input', 'Dev Ops');
      await alice.page.click('#join-room');
      expect(await alice.page.textContent('#join-error')).to.match(/a–z/);
      await alice.page.fill('#join-room-input', 'DEV');
      await alice.page.click('#join-room');
      expect(await alice.page.textContent('#join-error')).to.contain('"dev"');
      expect(await alice.page.locator('.room').count()).to.equal(1);
    });

    it("shows the server's refusal of a join in words, and joins once a room was left", async () => {
      const alice = await signedIn('alice');
      for (const room of ['one', 'two', 'three']) await alice.joinRoom(room);
      await alice.page.fill('#join-room-input', 'four');
      await alice.page.click('#join-room');
      await alice.page.waitForSelector('#join-error:has-text("four")');
      expect(await alice.page.textContent('#join-error')).to.equal('#four: You are in as many rooms as the server allows. Leave one first.');
      expect(await alice.roomNames()).to.deep.equal(['general', 'one', 'two', 'three']);
      // The refusal was expected: it is not one of the page's problems.
      const refusals = alice.problems.splice(0).filter((p) => !p.includes('"code":"TOO_MANY_ROOMS"'));
      expect(refusals).to.deep.equal([]);

      await alice.page.click('.room[data-room="one"] .room-leave');
      expect(await alice.roomNames()).to.deep.equal(['general', 'two', 'three']);
      await alice.joinRoom('four');
      await alice.post('made it');
      await alice.waitForText('made it');
      expect(await storedIn('four')).to.have.length(1);
    });

    it('keeps a conversation past the cap of rooms in the list, and says why it cannot open it', async () => {
      const bob = await signedIn('bob');
      for (const room of ['one', 'two', 'three']) await bob.joinRoom(room);
      const alice = await signedIn('alice');
      const room = await alice.createRoom('Plans');
      await alice.page.fill('#invite-input', 'bob');
      await alice.page.click('#invite');
      await bob.page.waitForSelector(`.room[data-room="${room}"]`, { state: 'attached' });
      await bob.openRoom(room);
      await bob.page.waitForSelector('#join-error:has-text("as many rooms")');
      expect(await bob.page.textContent('#join-error')).to.equal('Plans: You are in as many rooms as the server allows. Leave one first.');
      expect(await bob.roomNames()).to.include(room);
      expect(bob.problems.splice(0).filter((p) => !p.includes('"code":"TOO_MANY_ROOMS"'))).to.deep.equal([]);
    });

    it('fits a phone: the room list folds away, the input and send button stay usable', async () => {
      const phone = await open({ viewport: { width: 375, height: 667 } });
      await phone.register('alice');
      expect(await phone.page.isHidden('#sidebar')).to.equal(true);
      await phone.joinRoom('mobile'); // through the folded room list
      expect(await phone.page.isHidden('#sidebar')).to.equal(true);

      for (const selector of ['#message-input', '#send', '#rooms-toggle', '#status']) {
        const box = await phone.page.locator(selector).boundingBox();
        expect(box, selector).to.not.equal(null);
        expect(box!.x, selector).to.be.at.least(0);
        expect(box!.y, selector).to.be.at.least(0);
        expect(box!.x + box!.width, selector).to.be.at.most(375);
        expect(box!.y + box!.height, selector).to.be.at.most(667);
      }
      const pageWidth = await phone.page.evaluate('document.documentElement.scrollWidth');
      expect(pageWidth, 'no sideways scrolling').to.be.at.most(375);

      await phone.page.fill('#message-input', 'from my phone');
      await phone.page.click('#send');
      await phone.waitForText('from my phone');
      await phone.waitForNoPending();
      await phone.page.screenshot({ path: artifactPath('web-client-phone.png') });
    });
  },
);
