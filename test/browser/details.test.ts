import { expect } from 'chai';
import { describeWebClient } from './browser-suite.js';

describeWebClient('web client: details', {}, ({ server, open, signedIn }) => {
  it('marks the messages of the person who logs in as their own, also those loaded before', async () => {
    const alice = await signedIn('alice');
    await alice.post('from alice earlier');
    await alice.waitForNoPending();

    const later = await open();
    await later.waitForText('from alice earlier');
    expect(await later.page.locator('#messages .message.own').count()).to.equal(0);
    await later.login('alice');
    expect(await later.page.locator('#messages .message.own').count()).to.equal(1);

    await later.page.click('#logout');
    await later.waitForState('connected');
    await later.waitForText('from alice earlier');
    expect(await later.page.locator('#messages .message.own').count()).to.equal(0);
  });

  it('has an icon, and loads in one round trip after the page, without a failed or third-party request', async () => {
    const icon = await fetch(`${server().baseUrl}/favicon.ico`);
    expect(icon.status).to.equal(200);
    expect(icon.headers.get('content-type')).to.match(/^image\//);

    const requests: Array<{ url: string; status: number }> = [];
    const page = await open();
    page.page.on('response', (response) => requests.push({ url: response.url(), status: response.status() }));
    await page.page.reload();
    await page.waitForState('connected');
    await page.page.waitForLoadState('networkidle');
    const origin = page.origin;
    expect(requests.length).to.be.at.least(3);
    expect(
      requests.filter((r) => !r.url.startsWith(origin)).map((r) => r.url),
      'third-party requests',
    ).to.deep.equal([]);
    expect(
      requests.filter((r) => r.status >= 400).map((r) => `${r.status} ${r.url}`),
      'failed requests',
    ).to.deep.equal([]);
    const iconHref = await page.page.getAttribute('link[rel="icon"]', 'href');
    expect(iconHref).to.be.a('string');
    expect((await fetch(new URL(iconHref!, server().baseUrl))).status).to.equal(200);

    // Every module the page runs is named in the page itself, so that the browser fetches them all at
    // once instead of discovering them import by import.
    const declared = await page.mapAll<string>(
      'script[type="module"][src], link[rel="modulepreload"]',
      '(node) => new URL(node.getAttribute("src") ?? node.getAttribute("href"), location.href).href',
    );
    const scripts = requests.filter((r) => r.url.endsWith('.js')).map((r) => r.url);
    expect(scripts.length).to.be.at.least(2);
    expect(
      scripts.filter((url) => !declared.includes(url)),
      'modules found only by importing',
    ).to.deep.equal([]);
  });

  it('offers to undo leaving a room, general included', async () => {
    const alice = await signedIn('alice', 'dev');
    await alice.post('kept in dev');
    await alice.waitForNoPending();

    await alice.page.click('.room[data-room="dev"] .room-leave');
    expect(await alice.roomNames()).to.deep.equal(['general']);
    await alice.page.waitForSelector('#toast:has-text("#dev")');
    await alice.page.click('#toast-action');
    await alice.page.waitForSelector('.room.current[data-room="dev"]', { state: 'attached' });
    await alice.waitForText('kept in dev');
    // The most recently active first: dev holds a message, general none.
    expect(await alice.roomNames()).to.deep.equal(['dev', 'general']);

    await alice.page.click('.room[data-room="general"] .room-leave');
    expect(await alice.roomNames()).to.deep.equal(['dev']);
    await alice.page.click('#toast-action');
    await alice.page.waitForSelector('.room[data-room="general"]', { state: 'attached' });
    expect((await alice.roomNames()).sort()).to.deep.equal(['dev', 'general']);
  });

  it('gives each room an address to share: /#/room/<name> opens it', async () => {
    const bob = await signedIn('bob', 'dev');
    await bob.post('welcome to dev');
    await bob.waitForNoPending();
    expect(new URL(bob.page.url()).hash).to.equal('#/room/dev');
    await bob.openRoom('general');
    expect(new URL(bob.page.url()).hash).to.equal('#/room/general');

    const visitor = await open({ path: '/#/room/dev' });
    await visitor.page.waitForSelector('#messages[data-room="dev"][data-loaded="true"]');
    await visitor.waitForText('welcome to dev');
    expect(await visitor.roomNames()).to.deep.equal(['dev', 'general']);

    // A link followed inside the page works too.
    await bob.page.evaluate('location.hash = "#/room/ops"');
    await bob.page.waitForSelector('#messages[data-room="ops"][data-loaded="true"]');
    expect(await bob.roomNames()).to.deep.equal(['dev', 'general', 'ops']);
  });

  it('says so when a link names a room that does not exist, which a visitor cannot create', async () => {
    const visitor = await open({ path: '/#/room/nowhere' });
    await visitor.page.waitForSelector('#join-error:has-text("nowhere")');
    expect(await visitor.page.textContent('#join-error')).to.equal('#nowhere: That room does not exist yet.');
    expect(await visitor.roomNames()).to.deep.equal(['general']);
    expect(visitor.problems.splice(0).filter((p) => !p.includes('"code":"UNKNOWN_ROOM"'))).to.deep.equal([]);
  });
});
