import { expect } from 'chai';
import { describeWebClient } from './browser-suite.js';

/**
 * A stand-in for the browser's Notification: records what the page asks for
 * and shows, and grants permission when asked (as a person clicking "Allow").
 */
const FAKE_NOTIFICATIONS = `
  window.__notifications = [];
  window.__permissionRequests = 0;
  class FakeNotification {
    static permission = 'default';
    static async requestPermission() {
      window.__permissionRequests += 1;
      FakeNotification.permission = 'granted';
      return 'granted';
    }
    constructor(title, options = {}) {
      this.title = title;
      this.body = options.body;
      this.onclick = null;
      window.__notifications.push(this);
    }
    close() {}
  }
  window.Notification = FakeNotification;
`;

describeWebClient('web client: attention from the background', {}, ({ signedIn }) => {
  it("counts the current room's new messages in the tab's title while the tab is in the background", async () => {
    const alice = await signedIn('alice');
    const bob = await signedIn('bob');
    await alice.setHidden(true);
    await bob.post('one');
    await bob.post('two');
    await alice.waitForText('two');
    expect(await alice.page.title()).to.match(/^\(2\) /);
    await alice.setHidden(false);
    expect(await alice.page.title()).to.not.match(/^\(/);
  });

  it('shows desktop notifications only after the person asked for them, and only while the tab is in the background', async () => {
    const alice = await signedIn('alice', 'dev', { init: FAKE_NOTIFICATIONS });
    const bob = await signedIn('bob');
    expect(await alice.page.evaluate('window.__permissionRequests'), 'no unasked permission prompt').to.equal(0);

    await alice.page.click('#notify-toggle');
    expect(await alice.page.evaluate('window.__permissionRequests')).to.equal(1);
    expect(await alice.page.getAttribute('#notify-toggle', 'aria-pressed')).to.equal('true');

    await bob.post('while alice looks');
    await alice.page.waitForSelector('.room[data-room="general"] .unread');
    await alice.setHidden(true);
    await bob.post('while alice is away');
    await alice.page.waitForFunction(() => (globalThis as unknown as { __notifications: unknown[] }).__notifications.length > 0);
    const shown = await alice.page.evaluate('window.__notifications.map((n) => ({ title: n.title, body: n.body }))');
    expect(shown).to.deep.equal([{ title: 'bob in #general', body: 'while alice is away' }]);

    // A click on the notification brings the room to the screen.
    await alice.page.evaluate('window.__notifications[0].onclick(new Event("click"))');
    await alice.page.waitForSelector('#messages[data-room="general"]');
  });
});
