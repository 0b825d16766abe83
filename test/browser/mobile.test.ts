import { expect } from 'chai';
import { describeWebClient } from './browser-suite.js';

const PHONE = { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true };

describeWebClient('web client: on a phone', {}, ({ open, signedIn }) => {
  it('shows who is signed in', async () => {
    const phone = await signedIn('alice', undefined, PHONE);
    expect(await phone.onScreen('#current-user')).to.equal(true);
    expect(await phone.page.textContent('#current-user')).to.equal('alice');
  });

  it("folds a visitor's login into one line until asked for, so the conversation keeps the screen", async () => {
    const phone = await open(PHONE);
    const panel = await phone.page.locator('#auth-panel').boundingBox();
    expect(panel).to.not.equal(null);
    expect(panel!.height, 'the login takes at most an eighth of the screen').to.be.at.most(844 / 8);
    await phone.page.tap('#auth-open');
    expect(await phone.onScreen('#username')).to.equal(true);
    expect(await phone.focused()).to.equal('username');
    await phone.register('alice');
    expect(await phone.onScreen('#auth-open')).to.equal(false);
  });

  it('opens a tapped room without putting the focus in the composer, which would raise the keyboard', async () => {
    const phone = await signedIn('alice', 'dev', PHONE);
    await phone.page.tap('#rooms-toggle');
    await phone.page.tap('.room[data-room="general"] .room-open');
    await phone.page.waitForSelector('#messages[data-room="general"]');
    expect(await phone.page.isHidden('#sidebar'), 'the room list folds away').to.equal(true);
    expect(await phone.focused()).to.not.equal('message-input');
  });

  it('keeps the top bar on one line, and lays members and search over the conversation, a result making way for its message', async () => {
    const phone = await signedIn('alice', undefined, PHONE);
    const boxes = await phone.mapAll<{ top: number; bottom: number }>(
      '.topbar > :not([hidden]):not(.title)',
      '(node) => node.getBoundingClientRect().toJSON()',
    );
    // One line: every item crosses the same horizontal line.
    expect(Math.max(...boxes.map((b) => b.top)), 'one line').to.be.below(Math.min(...boxes.map((b) => b.bottom)));
    const room = await phone.createRoom('Plans');
    expect(await phone.onScreen('#members-panel')).to.equal(true);
    expect(await phone.page.evaluate('document.querySelector(".conversation").inert'), 'the conversation waits under the panel').to.equal(true);
    await phone.page.tap('#members-close');
    expect(await phone.onScreen('#members-toggle'), 'the way back to the members').to.equal(true);
    await phone.post('plans for the launch');
    await phone.waitForNoPending();

    await phone.page.tap('#search-toggle');
    expect(await phone.focused()).to.equal('search-input');
    await phone.page.fill('#search-input', 'launch');
    await phone.page.press('#search-input', 'Enter');
    await phone.page.waitForSelector('#search-results .result');
    const box = await phone.page.locator('#search-panel').boundingBox();
    expect(box!.width).to.be.at.least(360);
    await phone.page.tap('#search-results .result-open');
    await phone.page.waitForSelector(`#messages[data-room="${room}"] .message.found`);
    expect(await phone.onScreen('#search-panel')).to.equal(false);
    expect(await phone.onScreen('#messages .message.found')).to.equal(true);
    expect(await phone.page.evaluate('document.documentElement.scrollWidth'), 'no sideways scrolling').to.be.at.most(390);
  });
});
