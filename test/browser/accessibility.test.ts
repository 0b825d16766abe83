import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { MINUTE, artifactPath, describeWebClient, type WebClientSuite } from './browser-suite.js';
import type { AxeViolation, ChatPage } from './chat-page.js';

const SCHEMES = ['light', 'dark'] as const;
type Scheme = (typeof SCHEMES)[number];
const PHONE = { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true };

/**
 * Every text/background pair the style sheet defines, by its custom
 * properties, with what WCAG 2.2 AA asks of it: 4.5:1 for text (1.4.3), 3:1
 * for what is not text but must be seen (1.4.11: field borders, the focus
 * ring, state dots).
 */
const PAIRS: Array<{ use: string; fg: string; bg: string; min: number }> = [
  { use: 'text on the page', fg: '--text', bg: '--bg', min: 4.5 },
  { use: 'text in a panel', fg: '--text', bg: '--panel', min: 4.5 },
  { use: 'text of own messages, current room', fg: '--text', bg: '--own', min: 4.5 },
  { use: 'times, hints, notes on the page', fg: '--muted', bg: '--bg', min: 4.5 },
  { use: 'times, hints, notes in a panel', fg: '--muted', bg: '--panel', min: 4.5 },
  { use: 'time of an own message', fg: '--muted', bg: '--own', min: 4.5 },
  { use: 'secondary buttons on the page', fg: '--accent', bg: '--bg', min: 4.5 },
  { use: 'secondary buttons in a panel', fg: '--accent', bg: '--panel', min: 4.5 },
  { use: 'secondary buttons in own messages', fg: '--accent', bg: '--own', min: 4.5 },
  { use: 'primary buttons, unread badges', fg: '--accent-text', bg: '--accent', min: 4.5 },
  { use: 'links in messages', fg: '--link', bg: '--panel', min: 4.5 },
  { use: 'links in own messages', fg: '--link', bg: '--own', min: 4.5 },
  { use: 'errors in a panel', fg: '--error', bg: '--panel', min: 4.5 },
  { use: 'errors on the page', fg: '--error', bg: '--bg', min: 4.5 },
  { use: 'errors in own messages (not sent)', fg: '--error', bg: '--own', min: 4.5 },
  { use: 'error box', fg: '--error', bg: '--error-bg', min: 4.5 },
  { use: 'connection banner', fg: '--banner-text', bg: '--banner-bg', min: 4.5 },
  { use: 'new-messages line', fg: '--new', bg: '--panel', min: 4.5 },
  { use: 'toast', fg: '--toast-text', bg: '--toast-bg', min: 4.5 },
  { use: 'toast action', fg: '--toast-action', bg: '--toast-bg', min: 4.5 },
  { use: 'words found by search', fg: '--mark-text', bg: '--mark-bg', min: 4.5 },
  { use: 'text of a message opened from search', fg: '--text', bg: '--found', min: 4.5 },
  { use: 'time of a message opened from search', fg: '--muted', bg: '--found', min: 4.5 },
  { use: 'links in a message opened from search', fg: '--link', bg: '--found', min: 4.5 },
  { use: 'field borders in a panel', fg: '--field-border', bg: '--panel', min: 3 },
  { use: 'field borders on the page', fg: '--field-border', bg: '--bg', min: 3 },
  { use: 'focus ring on the page', fg: '--focus', bg: '--bg', min: 3 },
  { use: 'focus ring in a panel', fg: '--focus', bg: '--panel', min: 3 },
  { use: 'focus ring on own messages', fg: '--focus', bg: '--own', min: 3 },
  { use: 'mark of a message opened from search', fg: '--focus', bg: '--found', min: 3 },
  { use: 'state dot: online', fg: '--ok', bg: '--bg', min: 3 },
  { use: 'state dot: connecting', fg: '--warn', bg: '--bg', min: 3 },
  { use: 'state dot: disconnected', fg: '--error', bg: '--bg', min: 3 },
];

/** sRGB relative luminance and contrast ratio, as WCAG defines them. */
function luminance([r, g, b]: number[]): number {
  const linear = (c: number) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  return 0.2126 * linear(r! / 255) + 0.7152 * linear(g! / 255) + 0.0722 * linear(b! / 255);
}

function contrast(a: number[], b: number[]): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (light! + 0.05) / (dark! + 0.05);
}

/** The colour a custom property resolves to, in the page's current scheme, as [r, g, b] (NaN if undefined). */
async function resolveColors(page: ChatPage, properties: string[]): Promise<Record<string, number[]>> {
  return page.page.evaluate(`(() => {
    const probe = document.createElement('span');
    document.body.append(probe);
    const colors = {};
    for (const property of ${JSON.stringify(properties)}) {
      probe.style.color = 'rgb(1, 2, 3)';
      probe.style.color = 'var(' + property + ', rgb(1, 2, 3))';
      const value = getComputedStyle(probe).color;
      colors[property] = value === 'rgb(1, 2, 3)' ? [NaN, NaN, NaN] : value.match(/[\\d.]+/g).slice(0, 3).map(Number);
    }
    probe.remove();
    return colors;
  })()`);
}

function describeViolations(violations: AxeViolation[]): string[] {
  return violations.map((v) => `${v.impact}: ${v.id} (${v.help}) at ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`);
}

/** Runs axe-core in both schemes; writes each report to artifacts/; returns the serious and critical violations. */
async function axeInBothSchemes(page: ChatPage, state: string): Promise<string[]> {
  const found: string[] = [];
  for (const scheme of SCHEMES) {
    await page.page.emulateMedia({ colorScheme: scheme, reducedMotion: 'reduce' });
    const violations = await page.axe();
    writeFileSync(artifactPath(`axe-${state}-${scheme}.json`), JSON.stringify(violations, null, 2));
    const blocking = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    found.push(...describeViolations(blocking).map((line) => `${scheme}: ${line}`));
  }
  return found;
}

/** A conversation with what a reader meets: days, runs, links, own messages, an unread room. */
async function conversation({ seed }: WebClientSuite): Promise<void> {
  const start = Date.now() - 2 * 24 * 60 * MINUTE;
  await seed('general', [
    { username: 'bob', text: 'Morning! The deploy notes are at https://example.com/notes', at: new Date(start) },
    { username: 'bob', text: 'Ping me if anything breaks.', at: new Date(start + MINUTE) },
    { username: 'carol', text: 'Will do.', at: new Date(Date.now() - 30 * MINUTE) },
  ]);
}

describeWebClient('web client: accessibility', {}, (suite) => {
  const { open, signedIn } = suite;

  describe('axe-core finds no serious or critical violation of WCAG 2.2 A/AA, in the light and the dark scheme', () => {
    it('for a visitor', async () => {
      await conversation(suite);
      const visitor = await open();
      await visitor.waitForText('Will do.');
      expect(await axeInBothSchemes(visitor, 'visitor')).to.deep.equal([]);
    });

    it('for a signed-in user in a conversation, with an unread room', async () => {
      await conversation(suite);
      const alice = await signedIn('alice', 'dev');
      const bob = await signedIn('bob', 'dev');
      await alice.openRoom('general');
      await alice.post('Back from lunch, see mailto:alice@example.com');
      await bob.post('News in dev');
      await alice.page.waitForSelector('.room[data-room="dev"] .unread');
      expect(await axeInBothSchemes(alice, 'signed-in')).to.deep.equal([]);
    });

    it('on a phone with the room list open', async () => {
      await conversation(suite);
      const phone = await signedIn('alice', undefined, PHONE);
      await phone.page.click('#rooms-toggle');
      await phone.page.waitForSelector('#sidebar', { state: 'visible' });
      expect(await axeInBothSchemes(phone, 'phone-rooms')).to.deep.equal([]);
    });

    it('on a phone for a visitor', async () => {
      await conversation(suite);
      const phone = await open(PHONE);
      expect(await axeInBothSchemes(phone, 'phone-visitor')).to.deep.equal([]);
    });

    it('with errors shown in the forms and the composer', async () => {
      const visitor = await open();
      await visitor.page.click('#login');
      await visitor.page.waitForSelector('#username[aria-invalid="true"]');
      expect(await axeInBothSchemes(visitor, 'form-error')).to.deep.equal([]);

      const alice = await signedIn('alice');
      await alice.page.fill('#message-input', 'x'.repeat(4001));
      await alice.page.press('#message-input', 'Enter');
      await alice.page.fill('#join-room-input', 'Not A Room');
      await alice.page.click('#join-room');
      expect(await axeInBothSchemes(alice, 'composer-error')).to.deep.equal([]);
    });

    it('with the conversation list, a private room and its members panel', async () => {
      await conversation(suite);
      const alice = await signedIn('alice');
      const bob = await signedIn('bob');
      const room = await alice.createRoom('Release planning');
      await alice.page.fill('#invite-input', 'bob');
      await alice.page.click('#invite');
      await alice.page.waitForSelector('#members .member[data-user="bob"]');
      await bob.page.click('#presence .user[data-user="alice"] .user-direct');
      await bob.page.waitForSelector('.room.current[data-kind="direct"]', { state: 'attached' });
      await bob.post('a direct word');
      await alice.page.waitForSelector('.room[data-kind="direct"] .unread');
      await alice.page.click('#create-details > summary');
      await alice.page.click('#direct-details > summary');
      expect(await alice.roomNames()).to.include(room);
      expect(await axeInBothSchemes(alice, 'private-members')).to.deep.equal([]);
      await alice.page.click('#leave-private');
      await alice.page.waitForSelector('#confirm[open]');
      expect(await axeInBothSchemes(alice, 'confirm-leave')).to.deep.equal([]);
    });

    it('with search results, and a message opened from them', async () => {
      await conversation(suite);
      const alice = await signedIn('alice');
      await alice.page.click('#search-toggle');
      await alice.page.fill('#search-input', 'deploy notes');
      await alice.page.press('#search-input', 'Enter');
      await alice.page.waitForSelector('#search-results .result mark');
      expect(await axeInBothSchemes(alice, 'search')).to.deep.equal([]);
      await alice.page.click('#search-results .result-open');
      await alice.page.waitForSelector('#messages .message.found');
      expect(await axeInBothSchemes(alice, 'search-found')).to.deep.equal([]);
    });

    it('on a phone, with the members panel and with search results', async () => {
      await conversation(suite);
      const phone = await signedIn('alice', undefined, PHONE);
      await phone.createRoom('Plans');
      await phone.page.waitForSelector('#members-panel', { state: 'visible' });
      expect(await axeInBothSchemes(phone, 'phone-members')).to.deep.equal([]);
      await phone.page.click('#search-toggle');
      await phone.page.fill('#search-input', 'deploy');
      await phone.page.press('#search-input', 'Enter');
      await phone.page.waitForSelector('#search-results .result');
      expect(await axeInBothSchemes(phone, 'phone-search')).to.deep.equal([]);
    });

    it('with the account panel, its errors, and on a phone', async () => {
      const alice = await signedIn('alice');
      await alice.page.click('#account-toggle');
      await alice.page.waitForSelector('#sessions .session');
      await alice.page.click('#change-password');
      await alice.page.waitForSelector('#current-password[aria-invalid="true"]');
      expect(await axeInBothSchemes(alice, 'account')).to.deep.equal([]);
      await alice.page.fill('#delete-password', 'correct horse battery');
      await alice.page.click('#delete-account');
      await alice.page.waitForSelector('#confirm[open]');
      expect(await axeInBothSchemes(alice, 'confirm-delete-account')).to.deep.equal([]);

      const phone = await signedIn('bob', undefined, PHONE);
      await phone.page.tap('#account-toggle');
      await phone.page.waitForSelector('#sessions .session');
      expect(await axeInBothSchemes(phone, 'phone-account')).to.deep.equal([]);
    });

    it('with messages edited, deleted, and one being edited', async () => {
      const alice = await signedIn('alice');
      for (const text of ['first', 'second', 'third']) await alice.post(text);
      await alice.waitForNoPending();
      const message = (text: string) => alice.page.locator('#messages .message[data-id]', { has: alice.page.locator('.text', { hasText: text }) });
      await message('first').hover();
      await message('first').locator('.msg-edit').click();
      await message('first').locator('.editor-input').fill('first, edited');
      await message('first').locator('.editor-input').press('Enter');
      await alice.waitForText('first, edited');
      await message('second').hover();
      await message('second').locator('.msg-delete').click();
      await alice.page.click('#confirm-ok');
      await alice.page.waitForSelector('#messages .message.deleted');
      await message('third').hover();
      await message('third').locator('.msg-edit').click();
      await message('third').locator('.editor-input').fill('');
      await message('third').locator('.editor-input').press('Enter');
      await alice.page.waitForSelector('.editor-input[aria-invalid="true"]');
      expect(await axeInBothSchemes(alice, 'message-changes')).to.deep.equal([]);
    });

    it('while the connection is lost', async () => {
      const alice = await signedIn('alice');
      alice.network.cut();
      await alice.waitForState('disconnected');
      expect(await axeInBothSchemes(alice, 'disconnected')).to.deep.equal([]);
    });
  });

  it('gives every text/background pair it defines the contrast WCAG 2.2 AA asks for, in both schemes', async () => {
    const page = await open();
    const properties = [...new Set(PAIRS.flatMap((pair) => [pair.fg, pair.bg]))];
    const rows: string[] = [];
    const failures: string[] = [];
    const ratios: Record<Scheme, number[]> = { light: [], dark: [] };
    for (const scheme of SCHEMES) {
      await page.page.emulateMedia({ colorScheme: scheme });
      const colors = await resolveColors(page, properties);
      for (const pair of PAIRS) {
        const ratio = contrast(colors[pair.fg]!, colors[pair.bg]!);
        ratios[scheme].push(ratio);
        if (!(ratio >= pair.min)) failures.push(`${scheme}: ${pair.use} (${pair.fg} on ${pair.bg}) is ${ratio.toFixed(2)}:1, needs ${pair.min}:1`);
      }
    }
    PAIRS.forEach((pair, i) => {
      rows.push(`| ${pair.use} | \`${pair.fg}\` on \`${pair.bg}\` | ${ratios.light[i]!.toFixed(2)}:1 | ${ratios.dark[i]!.toFixed(2)}:1 | ${pair.min}:1 |`);
    });
    writeFileSync(artifactPath('contrast.md'), ['| use | pair | light | dark | needs |', '|---|---|---|---|---|', ...rows, ''].join('\n'));
    expect(failures).to.deep.equal([]);
  });

  it('moves the focus to the composer after a room is joined with the keyboard', async () => {
    const alice = await signedIn('alice');
    await alice.page.focus('#join-room-input');
    await alice.page.keyboard.type('dev');
    await alice.page.keyboard.press('Enter');
    await alice.page.waitForSelector('#messages[data-room="dev"]');
    expect(await alice.focused()).to.equal('message-input');
  });

  it('creates a private room, invites and searches with the keyboard alone; Escape closes a panel, back to its button', async () => {
    const alice = await signedIn('alice');
    await signedIn('bob');
    const keys = alice.page.keyboard;
    await alice.page.focus('#create-details > summary');
    await keys.press('Enter');
    await keys.press('Tab');
    expect(await alice.focused()).to.equal('create-input');
    await keys.type('Plans');
    await keys.press('Enter');
    await alice.page.waitForSelector('.room.current[data-kind="private"]');
    expect(await alice.focused()).to.equal('invite-input');
    await keys.type('bob');
    await keys.press('Enter');
    await alice.page.waitForSelector('#members .member[data-user="bob"]');
    await keys.press('Escape');
    expect(await alice.page.isHidden('#members-panel')).to.equal(true);
    expect(await alice.focused()).to.equal('members-toggle');

    await alice.post('plans for the launch');
    await alice.waitForNoPending();
    await alice.page.focus('#search-toggle');
    await keys.press('Enter');
    expect(await alice.focused()).to.equal('search-input');
    await keys.type('launch');
    await keys.press('Enter');
    await alice.page.waitForSelector('#search-results .result');
    await alice.page.focus('#search-results .result-open');
    await keys.press('Enter');
    await alice.page.waitForSelector('#messages .message.found');
    expect(await alice.page.evaluate('document.activeElement?.classList.contains("found")'), 'on the message found').to.equal(true);
    await keys.press('Escape');
    expect(await alice.page.isHidden('#search-panel')).to.equal(true);
    expect(await alice.focused()).to.equal('search-toggle');
  });

  it('keeps the focus on a room of the list while the counts of the list change', async () => {
    const alice = await signedIn('alice', 'dev');
    const bob = await signedIn('bob');
    await alice.page.focus('.room[data-room="general"] .room-open');
    await bob.post('news for general');
    await alice.page.waitForSelector('.room[data-room="general"] .unread:text("1")');
    expect(await alice.page.evaluate('document.activeElement?.closest(".room")?.dataset.room')).to.equal('general');
  });
});
