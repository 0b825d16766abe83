// Screenshots of the web client's main states, for the README ("What it looks like").
//
//   npx tsx test/browser/screenshots.ts            writes artifacts/screenshots/*.png
//   npx tsx test/browser/screenshots.ts --docs     writes docs/screenshots/*.png
//
// A real server on a throwaway PostgreSQL schema, a conversation seeded over
// a few days, and headless Chromium, as the browser tests use them.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DATABASE_KINDS } from '../support/databases.js';
import { TestServer } from '../support/test-server.js';
import { ChatPage, launchChromium } from './chat-page.js';
import { PagePool } from './page-pool.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const out = fileURLToPath(new URL(process.argv.includes('--docs') ? '../../docs/screenshots/' : '../../artifacts/screenshots/', import.meta.url));

/** A morning in a small team's chat, yesterday and today. */
function conversation(now: number): Array<{ room: string; username: string; text: string; at: Date }> {
  const yesterday = new Date(now - 24 * HOUR);
  yesterday.setHours(16, 2, 0, 0);
  const today = new Date(now);
  today.setHours(9, 12, 0, 0);
  const at = (base: Date, minutes: number) => new Date(base.getTime() + minutes * MINUTE);
  return [
    { room: 'general', username: 'maria', text: 'Release 2.4 is tagged. Notes: https://example.com/releases/2.4', at: at(yesterday, 0) },
    { room: 'general', username: 'maria', text: 'Thanks everyone for the reviews this week.', at: at(yesterday, 1) },
    { room: 'general', username: 'tomasz', text: 'Nice! I will update the staging servers tonight.', at: at(yesterday, 6) },
    { room: 'general', username: 'alice', text: 'Morning all ☕', at: at(today, 0) },
    { room: 'general', username: 'tomasz', text: 'Staging runs 2.4 since last night, no errors so far.', at: at(today, 3) },
    { room: 'general', username: 'tomasz', text: 'The dashboards are at https://example.com/grafana', at: at(today, 3.5) },
    { room: 'general', username: 'tomasz', text: 'I will watch them until lunch.', at: at(today, 4) },
    { room: 'general', username: 'maria', text: 'Great. Production at 14:00 then?', at: at(today, 9) },
    { room: 'general', username: 'alice', text: 'Works for me. I will write the announcement.', at: at(today, 11) },
    { room: 'general', username: 'alice', text: 'Draft in the usual place, comments welcome.', at: at(today, 11.5) },
    { room: 'dev', username: 'tomasz', text: 'Who broke the nightly build? 🙂', at: at(today, 20) },
    { room: 'dev', username: 'maria', text: 'Looking…', at: at(today, 21) },
  ];
}

async function main(): Promise<void> {
  const kind = DATABASE_KINDS[0]!;
  const target = await kind.prepare({ skip: () => process.exit(1) } as unknown as Mocha.Context);
  const server = await TestServer.start(target);
  const browser = await launchChromium({ skip: () => process.exit(1) } as unknown as Mocha.Context);
  const pages = new PagePool(browser);
  try {
    const messages = conversation(Date.now());
    for (const name of new Set(messages.map((m) => m.room))) await server.db.raw('INSERT INTO rooms (name) VALUES (?) ON CONFLICT DO NOTHING', [name]);
    for (const m of messages) {
      await server.db.raw('SELECT * FROM append_messages(?::text[], ?::text[], ?::text[], ?::timestamptz[], ?::text[])', [
        [m.room],
        [m.username],
        [m.text],
        [m.at.toISOString()],
        [null] as unknown as string[],
      ]);
    }
    await server.register('tomasz');
    await server.register('alice');
    await server.register('maria');
    mkdirSync(out, { recursive: true });

    // alice's own conversations: a private room with maria and tomasz, and a direct one with maria.
    const setup = await ChatPage.open(pages, server, { locale: 'en-US' });
    await setup.login('alice');
    const planning = await setup.createRoom('Release planning');
    for (const name of ['maria', 'tomasz']) {
      await setup.page.fill('#invite-input', name);
      await setup.page.click('#invite');
      await setup.page.waitForSelector(`#members .member[data-user="${name}"]`);
    }
    await setup.post('Checklist for 2.4: announcement, dashboards, rollback plan.');
    await setup.waitForNoPending();
    await setup.close();
    const maria = await ChatPage.open(pages, server, { locale: 'en-US' });
    await maria.login('maria');
    await maria.page.waitForSelector(`.room[data-room="${planning}"]`, { state: 'attached' });
    await maria.openRoom(planning);
    await maria.post('I will take the rollback plan.');
    await maria.page.click('#direct-details > summary');
    await maria.page.fill('#direct-input', 'alice');
    await maria.page.click('#direct-start');
    await maria.page.waitForSelector('.room.current[data-kind="direct"]', { state: 'attached' });
    await maria.post('Do you have a minute after lunch?');
    await maria.waitForNoPending();
    await maria.close();

    for (const scheme of ['light', 'dark'] as const) {
      const page = await ChatPage.open(pages, server, { viewport: { width: 1100, height: 700 }, colorScheme: scheme, locale: 'en-US' });
      await page.login('alice');
      await page.joinRoom('dev');
      await page.openRoom('general');
      await page.waitForText('Draft in the usual place, comments welcome.');
      // A second person online, and news in the other room.
      const tomasz = await ChatPage.open(pages, server);
      await tomasz.login('tomasz');
      await tomasz.joinRoom('dev');
      await tomasz.post('Found it: a flaky test, fix on the way.');
      await page.page.waitForSelector('.room[data-room="dev"] .unread');
      await page.page.waitForSelector('#presence .user[data-user="tomasz"]');
      await page.page.click('#message-input');
      await page.page.screenshot({ path: `${out}desktop-${scheme}.png` });
      await tomasz.close();
      await page.close();
    }

    // A private room with its members, and search results, in the light scheme.
    const desktop = await ChatPage.open(pages, server, { viewport: { width: 1100, height: 700 }, colorScheme: 'light', locale: 'en-US' });
    await desktop.login('alice');
    await desktop.openRoom(planning);
    await desktop.page.click('#members-toggle');
    await desktop.page.waitForSelector('#members .member[data-user="tomasz"]');
    await desktop.page.screenshot({ path: `${out}desktop-private.png` });
    await desktop.page.click('#search-toggle');
    await desktop.page.fill('#search-input', 'staging');
    await desktop.page.press('#search-input', 'Enter');
    await desktop.page.waitForSelector('#search-results .result');
    await desktop.page.click('#search-results .result-open >> nth=0');
    await desktop.page.waitForSelector('#messages .message.found');
    await desktop.page.screenshot({ path: `${out}desktop-search.png` });
    await desktop.page.click('#search-close');

    // An edited message, and the account panel: where alice is logged in (a phone, besides this browser).
    const elsewhere = await ChatPage.open(pages, server, {
      userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
    });
    await elsewhere.login('alice');
    await elsewhere.close();
    await desktop.openRoom('general');
    const announcement = desktop.page.locator('#messages .message[data-id]', {
      has: desktop.page.locator('.text', { hasText: 'I will write the announcement' }),
    });
    await announcement.hover();
    await announcement.locator('.msg-edit').click();
    await announcement.locator('.editor-input').fill('Works for me. I will write the announcement and post it at 13:30.');
    await announcement.locator('.editor-input').press('Enter');
    await desktop.waitForText('Works for me. I will write the announcement and post it at 13:30.');
    await desktop.page.click('#account-toggle');
    await desktop.page.waitForSelector('#sessions .session:not(.current)');
    await desktop.page.mouse.move(0, 0);
    await desktop.page.screenshot({ path: `${out}desktop-account.png` });
    await desktop.close();

    const phone = await ChatPage.open(pages, server, {
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 1,
      hasTouch: true,
      isMobile: true,
      locale: 'en-US',
    });
    await phone.waitForText('Draft in the usual place, comments welcome.');
    await phone.page.screenshot({ path: `${out}mobile-visitor.png` });
    await phone.login('alice');
    await phone.page.waitForSelector('#messages[data-room="general"][data-loaded="true"]');
    await phone.page.screenshot({ path: `${out}mobile.png` });
    await phone.page.click('#rooms-toggle');
    await phone.page.screenshot({ path: `${out}mobile-rooms.png` });
    await phone.close();
    console.log(`screenshots in ${out}`);
  } finally {
    await browser.close();
    await server.stop();
    await kind.dispose(target);
  }
}

await main();
