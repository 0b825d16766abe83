import { expect } from 'chai';
import { TEST_PASSWORD } from '../support/test-server.js';
import { describeWebClient } from './browser-suite.js';
import type { ChatPage } from './chat-page.js';

/** What a person and a screen reader learn about one field. */
async function field(page: ChatPage, id: string) {
  return {
    invalid: await page.page.getAttribute(`#${id}`, 'aria-invalid'),
    describedBy: ((await page.page.getAttribute(`#${id}`, 'aria-describedby')) ?? '').split(/\s+/),
    error: (await page.page.textContent(`#${id}-error`))?.trim() ?? '',
    errorShown: await page.onScreen(`#${id}-error`),
  };
}

describeWebClient('web client: forms', {}, ({ server, open, signedIn }) => {
  it('puts each error next to its field, marks the field invalid and moves the focus to it', async () => {
    const visitor = await open();
    await visitor.page.click('#login');
    let username = await field(visitor, 'username');
    expect(username.invalid).to.equal('true');
    expect(username.errorShown).to.equal(true);
    expect(username.describedBy).to.include('username-error');
    expect(await visitor.focused()).to.equal('username');

    await visitor.page.fill('#username', 'alice');
    await visitor.page.fill('#password', 'short');
    await visitor.page.click('#register');
    const password = await field(visitor, 'password');
    expect(password.invalid).to.equal('true');
    expect(password.error).to.match(/at least 8 characters/i);
    expect(password.describedBy).to.include('password-error');
    expect(await visitor.focused()).to.equal('password');
    username = await field(visitor, 'username');
    expect(username.invalid, 'the username is fine now').to.not.equal('true');
    expect(username.errorShown).to.equal(false);
  });

  it('explains the rules in plain words, without bytes', async () => {
    const visitor = await open();
    const words = (await visitor.page.textContent('#auth-panel')) ?? '';
    expect(words).to.not.match(/byte/i);
    await visitor.page.fill('#username', 'alice');
    await visitor.page.fill('#password', 'ü'.repeat(40)); // 40 characters, 80 bytes
    await visitor.page.click('#register');
    const password = await field(visitor, 'password');
    expect(password.invalid).to.equal('true');
    expect(password.error).to.not.match(/byte/i);
  });

  it("says in its own words what the server refused, beside the field it is about, never the server's wording", async () => {
    await server().register('taken');
    const visitor = await open();
    await visitor.page.fill('#username', 'Taken');
    await visitor.page.fill('#password', TEST_PASSWORD);
    await visitor.page.click('#register');
    await visitor.page.waitForSelector('#username[aria-invalid="true"]');
    const username = await field(visitor, 'username');
    expect(username.error).to.match(/taken/i);
    expect(username.error).to.not.contain('username "Taken" is taken'); // the server's sentence
    expect(await visitor.focused()).to.equal('username');
    expect(visitor.problems).to.deep.equal([]);
  });

  it('after a failed login, suggests registering those details, and does it in one click', async () => {
    const visitor = await open();
    await visitor.page.fill('#username', 'newcomer');
    await visitor.page.fill('#password', TEST_PASSWORD);
    await visitor.page.click('#login');
    await visitor.page.waitForSelector('#suggest-register', { state: 'visible' });
    const words = (await visitor.page.textContent('#auth-panel')) ?? '';
    expect(words).to.not.contain('unknown username or wrong password'); // the server's sentence
    expect(words).to.match(/register/i);
    await visitor.page.click('#suggest-register');
    await visitor.waitForState('authorized');
    expect(await visitor.page.textContent('#current-user')).to.equal('newcomer');
  });

  it('shows the password on request, and hides it again', async () => {
    const visitor = await open();
    await visitor.page.fill('#password', 'secret words');
    expect(await visitor.page.getAttribute('#password', 'type')).to.equal('password');
    await visitor.page.click('#show-password');
    expect(await visitor.page.getAttribute('#password', 'type')).to.equal('text');
    expect(await visitor.page.getAttribute('#show-password', 'aria-pressed')).to.equal('true');
    await visitor.page.click('#show-password');
    expect(await visitor.page.getAttribute('#password', 'type')).to.equal('password');
    expect(await visitor.page.getAttribute('#show-password', 'aria-pressed')).to.equal('false');
    expect(await visitor.page.inputValue('#password')).to.equal('secret words');
  });

  it('marks a refused room name on its field, and keeps the focus there to correct it', async () => {
    const alice = await signedIn('alice');
    await alice.page.fill('#join-room-input', 'Dev Ops');
    await alice.page.click('#join-room');
    expect(await alice.page.getAttribute('#join-room-input', 'aria-invalid')).to.equal('true');
    expect(((await alice.page.getAttribute('#join-room-input', 'aria-describedby')) ?? '').split(/\s+/)).to.include('join-error');
    expect(await alice.focused()).to.equal('join-room-input');
    await alice.page.fill('#join-room-input', 'dev-ops');
    expect(await alice.page.getAttribute('#join-room-input', 'aria-invalid')).to.equal(null);
  });
});
