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
});
