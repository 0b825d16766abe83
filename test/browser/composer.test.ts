import { expect } from 'chai';
import { describeWebClient } from './browser-suite.js';
import type { ChatPage } from './chat-page.js';
import { TEST_PASSWORD } from '../support/test-server.js';

/** `count` characters as the server counts them (code points), each two UTF-16 units long after the first `plain`. */
function text(plain: number, emoji = 0): string {
  return 'x'.repeat(plain) + '😀'.repeat(emoji);
}

async function composerState(page: ChatPage) {
  return {
    value: await page.page.inputValue('#message-input'),
    invalid: await page.page.getAttribute('#message-input', 'aria-invalid'),
    counterShown: await page.onScreen('#char-count'),
    counter: (await page.page.textContent('#char-count'))?.trim() ?? '',
    error: (await page.page.textContent('#composer-error'))?.trim() ?? '',
    pending: await page.page.locator('#messages .message.pending').count(),
  };
}

// The server's default: 4,000 characters.
describeWebClient('web client: composer', {}, ({ signedIn, storedIn }) => {
  it('shows a counter near the limit and keeps a text over it in the composer, saying what the limit is', async () => {
    const alice = await signedIn('alice');
    await alice.page.fill('#message-input', text(100));
    expect((await composerState(alice)).counterShown, 'no counter far from the limit').to.equal(false);

    await alice.page.fill('#message-input', text(3700));
    let state = await composerState(alice);
    expect(state.counterShown, 'a counter near the limit').to.equal(true);
    expect(state.counter).to.match(/3,?700\D+4,?000/);

    const tooLong = text(3990, 11); // 4,001 characters
    await alice.page.fill('#message-input', tooLong);
    await alice.page.press('#message-input', 'Enter');
    state = await composerState(alice);
    expect(state.value, 'the text stays where it can be shortened').to.equal(tooLong);
    expect(state.pending, 'no "not sent" bubble').to.equal(0);
    expect(state.invalid).to.equal('true');
    expect(state.error).to.match(/4,?000/);
    expect(state.counter).to.match(/4,?001\D+4,?000/);

    // 4,000 characters, 4,010 UTF-16 units: the limit counts characters, as the server does.
    await alice.page.fill('#message-input', text(3990, 10));
    expect((await composerState(alice)).invalid).to.not.equal('true');
    await alice.page.press('#message-input', 'Enter');
    await alice.waitForNoPending();
    await alice.waitForCount(1);
    expect((await storedIn('general')).map((m) => [...m.text].length)).to.deep.equal([4000]);
    expect(await alice.page.inputValue('#message-input')).to.equal('');
  });
});

describeWebClient('web client: what a chat text may start with', {}, ({ server, signedIn, storedIn }) => {
  it('posts a text that begins with "auth" or "history" as chat, which the original frame would read as a command', async () => {
    const alice = await signedIn('alice');
    const bob = await signedIn('bob');
    const texts = ['auth is broken on staging', 'History of Rome, chapter 2', 'Authentication works again', 'history 5'];
    for (const line of texts) {
      await alice.post(line);
      await bob.waitForText(line);
    }
    await alice.waitForNoPending();
    expect((await storedIn('general')).map((m) => [m.author, m.text])).to.deep.equal(texts.map((line) => ['alice', line]));
    expect((await alice.shown()).map((m) => m.text)).to.deep.equal(texts);
  });

  it('refuses a text holding a login token in plain words, and gives the text back to edit', async () => {
    const alice = await signedIn('alice');
    // Any token the server issued, valid or not: the page keeps its own in memory, out of reach.
    const token = (await server().post('/api/login', { username: 'alice', password: TEST_PASSWORD })).body.token as string;
    const text = `auht ${token}`;
    await alice.post(text);
    await alice.page.waitForSelector('#composer-error:has-text("login token")');
    expect(await alice.page.textContent('#composer-error')).to.not.contain('TOKEN_IN_MESSAGE');
    expect(await alice.page.inputValue('#message-input')).to.equal(text);
    expect(await alice.page.locator('#messages .message.pending').count()).to.equal(0);
    expect(await storedIn('general')).to.deep.equal([]);
    expect(alice.problems.splice(0).filter((p) => !p.includes('"code":"TOKEN_IN_MESSAGE"'))).to.deep.equal([]);
  });
});

// A server with a lower limit than the documented default: the page asks the server (GET /api/limits).
describeWebClient('web client: composer on a server with a lower limit', { MESSAGE_MAX: '300' }, ({ signedIn, storedIn }) => {
  it("states the server's own limit before anything is sent, and keeps a text over it in the composer", async () => {
    const alice = await signedIn('alice');
    await alice.page.fill('#message-input', text(280));
    let state = await composerState(alice);
    expect(state.counterShown, 'near the limit of this server, not the default').to.equal(true);
    expect(state.counter).to.match(/280\D+300/);

    const tooLong = text(350);
    await alice.page.fill('#message-input', tooLong);
    await alice.page.press('#message-input', 'Enter');
    state = await composerState(alice);
    expect(state.value).to.equal(tooLong);
    expect(state.pending).to.equal(0);
    expect(state.invalid).to.equal('true');
    expect(state.error).to.match(/300/);
    expect(alice.problems, 'refused by the page, never sent').to.deep.equal([]);
    expect(await storedIn('general')).to.deep.equal([]);
  });
});
