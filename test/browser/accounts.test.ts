import { expect } from 'chai';
import { describeWebClient } from './browser-suite.js';
import type { ChatPage } from './chat-page.js';
import { TEST_PASSWORD } from '../support/test-server.js';

const NEW_PASSWORD = 'battery staple horse';

/** What the page keeps in storage a script could read: never a token (JWTs start with eyJ). */
async function storedTokens(page: ChatPage): Promise<string> {
  const kept: string = await page.page.evaluate('JSON.stringify([{ ...localStorage }, { ...sessionStorage }])');
  return kept.includes('eyJ') ? kept : '';
}

async function openAccount(page: ChatPage): Promise<void> {
  await page.page.click('#account-toggle');
  await page.page.waitForSelector('#account-panel:not([hidden]) #sessions .session');
}

describeWebClient('web client: staying logged in', {}, ({ open, signedIn, tab, restart, server }) => {
  it('keeps the login in a new tab, with the access token in memory only', async () => {
    const alice = await signedIn('alice');
    expect(await storedTokens(alice)).to.equal('');
    const second = await tab(alice);
    await second.waitForState('authorized');
    expect(await second.page.textContent('#current-user')).to.equal('alice');
    await second.post('from the second tab');
    await alice.waitForText('from the second tab');
    expect(await storedTokens(second)).to.equal('');
  });

  it('keeps two tabs opened at the same moment logged in: their refreshes take turns, none spends a retired credential', async () => {
    const alice = await signedIn('alice');
    const refreshes: Array<{ start: number; end: number; status: number }> = [];
    alice.context.on('request', (request) => {
      if (!request.url().endsWith('/api/sessions/refresh')) return;
      const start = Date.now();
      void request.response().then((response) => refreshes.push({ start, end: Date.now(), status: response?.status() ?? 0 }));
    });
    const [one, two] = await Promise.all([tab(alice), tab(alice)]);
    await one.waitForState('authorized');
    await two.waitForState('authorized');
    expect(refreshes.map((r) => r.status).filter((status) => status !== 200)).to.deep.equal([]);
    const sorted = [...refreshes].sort((a, b) => a.start - b.start);
    for (let i = 1; i < sorted.length; i += 1) expect(sorted[i]!.start, 'one refresh at a time').to.be.at.least(sorted[i - 1]!.end - 5);
    // The session is alive for all three: a reload refreshes once more, and each tab posts.
    await alice.page.reload();
    await alice.waitForState('authorized');
    for (const [page, text] of [
      [alice, 'from the first'],
      [one, 'from one'],
      [two, 'from two'],
    ] as const) {
      await page.post(text);
      await page.waitForText(text);
      await page.waitForNoPending();
    }
    // alice's one session, never ended for a credential presented twice.
    const sessions = await server().db('sessions').select('ended_at', 'end_reason');
    expect(sessions).to.deep.equal([{ ended_at: null, end_reason: null }]);
  });

  it('keeps the login over a browser restart', async () => {
    const alice = await signedIn('alice');
    const again = await restart(alice);
    await again.waitForState('authorized');
    expect(await again.page.textContent('#current-user')).to.equal('alice');
  });

  it('logs out every tab of the browser, and the session ends on the server', async () => {
    const alice = await signedIn('alice');
    const second = await tab(alice);
    await second.waitForState('authorized');
    await alice.page.click('#logout');
    await alice.waitForState('connected');
    await second.page.waitForSelector('#auth-error:has-text("logged out in another tab")');
    await second.waitForState('connected');
    const again = await tab(alice);
    expect(await again.page.isVisible('#auth-panel')).to.equal(true);
    expect(await again.page.textContent('#status-detail')).to.equal('reading as a visitor');
    const visitor = await open();
    expect(await visitor.page.isVisible('#auth-panel')).to.equal(true);
  });
});

describeWebClient('web client: access tokens that expire', { ACCESS_TOKEN_TTL: '3s' }, ({ signedIn, storedIn }) => {
  it('renews the access token before it runs out, and the connection stays signed in', async () => {
    const alice = await signedIn('alice');
    // Two renewals: by the second, the token the page logged in with has expired, and the connection
    // is still signed in only because the page authorized it again with a renewed one.
    const renewal = () => alice.page.waitForResponse((response) => response.url().endsWith('/api/sessions/refresh') && response.status() === 200);
    await renewal();
    await renewal();
    expect(await alice.page.getAttribute('#status', 'data-state')).to.equal('authorized');
    await alice.post('still here');
    await alice.waitForNoPending();
    expect((await storedIn('general')).map((m) => m.text)).to.deep.equal(['still here']);
  });
});

describeWebClient('web client: sessions and the account', {}, ({ open, signedIn, server }) => {
  it('lists the sessions and logs another device out, which is told so on its login form', async () => {
    const phone = await signedIn('alice');
    const laptop = await open();
    await laptop.login('alice');
    await openAccount(laptop);
    expect(await laptop.page.locator('#sessions .session').count()).to.equal(2);
    expect(await laptop.page.textContent('#sessions .session.current')).to.contain('This device');
    expect(await laptop.page.textContent('#sessions .session.current')).to.match(/Chrome on Linux/);
    await laptop.page.click('#sessions .session:not(.current) .session-end');
    await laptop.page.waitForSelector('#sessions-status:has-text("logged out")');
    expect(await laptop.page.locator('#sessions .session').count()).to.equal(1);
    expect(await laptop.focused()).to.equal('sessions-heading');

    await phone.page.waitForSelector('#auth-error:has-text("logged out from another")');
    await phone.waitForState('connected');
    expect(await phone.page.isVisible('#username')).to.equal(true);
    // The page reloaded is not logged in again: its cookie was refused and forgotten.
    await phone.page.reload();
    await phone.waitForState('connected');
    expect(await phone.page.textContent('#status-detail')).to.equal('reading as a visitor');
  });

  it('changes the password, with errors beside their fields, and logs the other devices out', async () => {
    const other = await signedIn('alice');
    const alice = await open();
    await alice.login('alice');
    await openAccount(alice);

    await alice.page.fill('#current-password', 'not my password');
    await alice.page.fill('#new-password', NEW_PASSWORD);
    await alice.page.click('#change-password');
    await alice.page.waitForSelector('#current-password[aria-invalid="true"]');
    expect(await alice.page.textContent('#current-password-error')).to.contain('not your current password');
    expect(await alice.focused()).to.equal('current-password');

    await alice.page.fill('#current-password', TEST_PASSWORD);
    await alice.page.fill('#new-password', 'short');
    await alice.page.click('#change-password');
    await alice.page.waitForSelector('#new-password[aria-invalid="true"]');
    expect(await alice.focused()).to.equal('new-password');

    await alice.page.fill('#new-password', NEW_PASSWORD);
    await alice.page.click('#change-password');
    await alice.page.waitForSelector('#password-form-status:has-text("Password changed")');
    expect(await alice.page.getAttribute('#current-password', 'aria-invalid')).to.equal(null);
    await other.page.waitForSelector('#auth-error:has-text("password was changed")');
    await alice.page.waitForSelector('#sessions .session >> nth=0');
    expect(await alice.page.locator('#sessions .session').count()).to.equal(1);
    expect(await alice.page.getAttribute('#status', 'data-state')).to.equal('authorized');
    await other.login('alice', NEW_PASSWORD);
    expect((await server().post('/api/login', { username: 'alice', password: TEST_PASSWORD })).status).to.equal(401);
  });

  it('deletes the account after asking, saying what happens; the name cannot be taken again', async () => {
    const alice = await signedIn('alice');
    await openAccount(alice);
    await alice.page.click('#delete-account');
    await alice.page.waitForSelector('#delete-password[aria-invalid="true"]');
    await alice.page.fill('#delete-password', TEST_PASSWORD);
    await alice.page.click('#delete-account');
    await alice.page.waitForSelector('#confirm[open]');
    const question = await alice.page.textContent('#confirm');
    expect(question).to.contain('name stays reserved');
    expect(question).to.contain('messages stay');
    await alice.page.click('#confirm-ok');
    await alice.page.waitForSelector('#auth-error:has-text("account was deleted")');
    await alice.waitForState('connected');
    expect(await alice.page.isHidden('#account-panel')).to.equal(true);

    await alice.page.fill('#username', 'alice');
    await alice.page.fill('#password', TEST_PASSWORD);
    await alice.page.click('#register');
    await alice.page.waitForSelector('#username[aria-invalid="true"]');
    expect(await alice.page.textContent('#username-error')).to.contain('taken');
  });

  it('opens, works and closes with the keyboard alone, on a phone too', async () => {
    const phone = await signedIn('alice', undefined, { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
    await phone.page.focus('#account-toggle');
    await phone.page.keyboard.press('Enter');
    await phone.page.waitForSelector('#account-panel:not([hidden]) #sessions .session');
    expect(await phone.focused()).to.equal('account-heading');
    expect(await phone.onScreen('#account-panel')).to.equal(true);
    expect(await phone.page.evaluate('document.documentElement.scrollWidth'), 'no sideways scrolling').to.be.at.most(390);
    await phone.page.keyboard.press('Escape');
    expect(await phone.page.isHidden('#account-panel')).to.equal(true);
    expect(await phone.focused()).to.equal('account-toggle');
  });
});
