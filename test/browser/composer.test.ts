import { expect } from 'chai';
import { describeWebClient } from './browser-suite.js';
import type { ChatPage } from './chat-page.js';

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

// A server with a lower limit than the documented default: the page learns it from the server.
describeWebClient('web client: composer on a server with a lower limit', { MESSAGE_MAX: '300' }, ({ signedIn, storedIn }) => {
  it("takes the limit from the server's refusal, puts the text back in the composer and holds to the limit from then on", async () => {
    const alice = await signedIn('alice');
    const first = text(350);
    await alice.page.fill('#message-input', first);
    await alice.page.press('#message-input', 'Enter');
    await alice.page.waitForSelector('#composer-error:has-text("300")');
    let state = await composerState(alice);
    expect(state.value).to.equal(first);
    expect(state.pending).to.equal(0);
    expect(state.counter).to.match(/350\D+300/);
    // The refusal was expected: it is not one of the page's problems.
    expect(alice.problems.splice(0).filter((p) => !p.includes('"code":"MESSAGE_TOO_LONG"'))).to.deep.equal([]);

    await alice.page.fill('#message-input', text(280));
    expect((await composerState(alice)).counterShown).to.equal(true);
    await alice.page.fill('#message-input', text(301));
    await alice.page.press('#message-input', 'Enter');
    state = await composerState(alice);
    expect(state.value).to.equal(text(301));
    expect(state.pending).to.equal(0);
    expect(state.invalid).to.equal('true');
    expect(alice.problems, 'refused by the page, never sent').to.deep.equal([]);
    expect(await storedIn('general')).to.deep.equal([]);
  });
});
