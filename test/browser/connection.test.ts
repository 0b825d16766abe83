import { expect } from 'chai';
import { describeWebClient } from './browser-suite.js';
import { eventually } from '../support/eventually.js';

/** The little of the DOM a callback run in the page reads here: the project compiles without the DOM library. */
interface PageDocument {
  document: { getElementById(id: string): { textContent: string } };
}

describeWebClient('web client: connection state', {}, ({ signedIn }) => {
  it('shows a lost connection in a banner with a "retry now" button that reconnects at once', async () => {
    const alice = await signedIn('alice');
    expect(await alice.onScreen('#connection-banner'), 'no banner while connected').to.equal(false);
    alice.network.cut();
    await alice.waitForState('disconnected');
    await alice.page.waitForSelector('#connection-banner', { state: 'visible' });
    expect(await alice.page.textContent('#connection-banner')).to.match(/connection lost/i);
    expect(await alice.onScreen('#retry-now')).to.equal(true);

    // Wait out a few attempts, until the next one is seconds away.
    await alice.page.waitForFunction(
      () => /in ([3-9]|[1-9][0-9]) s/.test((globalThis as unknown as PageDocument).document.getElementById('connection-banner').textContent),
      undefined,
      { timeout: 20_000 },
    );
    alice.network.restore();
    const started = Date.now();
    await alice.page.click('#retry-now');
    await alice.waitForState('authorized');
    expect(Date.now() - started, 'sooner than the backoff would have').to.be.below(2500);
    await alice.page.waitForSelector('#connection-banner', { state: 'hidden' });
  });

  it('keeps saying the server is restarting while it stays away, not "connection lost" after the first failed retry', async () => {
    const alice = await signedIn('alice');
    let attempts = 0;
    let restart: (() => Promise<void>) | undefined;
    await alice.page.routeWebSocket(/\/ws/, (ws) => {
      attempts += 1;
      const upstream = ws.connectToServer();
      // The first connection is told what a server's graceful stop tells it (docs/protocol.md, Closing).
      // The page's side closes first: a frame it sent meanwhile would meet a closed upstream, and Chromium
      // would log that as an error of the page's.
      if (attempts === 1) {
        restart = async () => {
          await ws.close({ code: 1001, reason: 'server shutting down; messages not acknowledged were not stored' });
          alice.network.cut();
          await upstream.close();
        };
      }
    });
    await alice.page.reload();
    await alice.waitForState('authorized');
    await eventually(() => restart !== undefined, { what: 'the routed connection', timeoutMs: 10_000 });
    await restart!();
    await alice.page.waitForSelector('#connection-banner:has-text("restarting")');
    await eventually(() => attempts >= 3, { what: 'two attempts to reconnect', timeoutMs: 15_000 });
    // The second reconnect under way, then failed too: the page waits for the next.
    await alice.waitForState('disconnected');
    expect(await alice.page.textContent('#connection-banner')).to.match(/restarting/i);

    alice.network.restore();
    await alice.page.click('#retry-now');
    await alice.waitForState('authorized');
  });

  it('does not show who is in the room while it cannot know, and shows them again once back', async () => {
    const alice = await signedIn('alice');
    await signedIn('bob');
    await alice.page.waitForSelector('#presence .user[data-user="bob"]');
    alice.network.cut();
    await alice.waitForState('disconnected');
    expect(await alice.presence()).to.deep.equal([]);
    expect(await alice.page.textContent('#presence-note')).to.match(/connect/i);

    alice.network.restore();
    await alice.page.click('#retry-now');
    await alice.waitForState('authorized');
    await alice.page.waitForSelector('#presence .user[data-user="bob"]');
    expect(await alice.presence()).to.deep.equal(['alice', 'bob']);
  });

  it('announces a lost connection once, not every second of the countdown', async () => {
    const alice = await signedIn('alice', undefined, { init: RECORD_ANNOUNCEMENTS, fakeClock: true });
    await alice.page.evaluate('window.__announced.length = 0');
    alice.network.cut();
    await alice.waitForState('disconnected');
    // Five seconds of the countdown, and of the attempts to reconnect it announces, at once.
    await alice.page.clock.runFor(5000);
    const announced: string[] = await alice.page.evaluate('window.__announced');
    expect(
      announced.filter((text) => /\d\s*s\b/.test(text)),
      'no countdown read out',
    ).to.deep.equal([]);
    expect(announced.length, `announced: ${JSON.stringify(announced)}`).to.be.at.most(2);
  });
});

/**
 * Records what a screen reader would read out: every new text of a live
 * region (aria-live, role status or alert) that is not the message log, whose
 * additions are the messages themselves.
 */
const RECORD_ANNOUNCEMENTS = `
  window.__announced = [];
  const last = new Map();
  const LIVE = '[aria-live]:not([aria-live="off"]), [role="status"], [role="alert"]';
  const observer = new MutationObserver((mutations) => {
    for (const mutation of mutations) {
      const node = mutation.target.nodeType === 1 ? mutation.target : mutation.target.parentElement;
      const region = node?.closest(LIVE);
      if (!region || region.closest('[role="log"]') || region.closest('[hidden]')) continue;
      const text = region.textContent.replace(/\\s+/g, ' ').trim();
      if (text && last.get(region) !== text) window.__announced.push(text);
      last.set(region, text);
    }
  });
  document.addEventListener('DOMContentLoaded', () => observer.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ['hidden'] }));
`;
