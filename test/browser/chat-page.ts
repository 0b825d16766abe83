import { existsSync, readFileSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { TcpProxy } from '../support/tcp-proxy.js';
import { TEST_PASSWORD, type TestServer } from '../support/test-server.js';
import { DEFAULT_CONTEXT, type PagePool } from './page-pool.js';

/** Debian's Chromium; .ci/run installs it. CHROMIUM_PATH points elsewhere. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const WAIT_MS = 15_000;

/** The few DOM names the callbacks run inside the page use: the project compiles without the DOM library. */
interface PageNode {
  textContent: string | null;
  dataset: Record<string, string | undefined>;
  querySelector(selector: string): PageNode | null;
}
declare const document: {
  querySelectorAll(selector: string): Iterable<PageNode> & { length: number };
  getElementById(id: string): PageNode | null;
};

/**
 * Starts headless Chromium. Without it the suite skips, except in CI, where
 * a missing browser fails it: the web client's tests must not vanish quietly.
 */
export async function launchChromium(context: Mocha.Context): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    if (process.env.CI) throw new Error(`Chromium is required in CI but missing at ${CHROMIUM_PATH} (apt-get install -y chromium)`);
    console.warn(`    (skipped: no Chromium at ${CHROMIUM_PATH}; apt-get install -y chromium, or set CHROMIUM_PATH)`);
    context.skip();
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

export interface ChatStats {
  duplicates: number;
  outOfOrder: number;
  resent: number;
  reconnects: number;
}

/** How the browser is set up before the page loads. */
export interface OpenOptions extends BrowserContextOptions {
  /** Appended to the server's address, e.g. '/#/room/dev'. */
  path?: string;
  /** Script source run in the page before any of its own (fakes of browser APIs, recorders). */
  init?: string;
  /** The page's timers on Playwright's clock, which a test moves on (`page.clock.runFor`) instead of waiting. */
  fakeClock?: boolean;
}

/** An accessibility rule broken by the page, as axe-core reports it. */
export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: unknown[]; failureSummary?: string }>;
}

const AXE_SOURCE = readFileSync(new URL('../../node_modules/axe-core/axe.min.js', import.meta.url), 'utf8');
/** WCAG 2.0, 2.1 and 2.2 at levels A and AA: what the issue asks for. */
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/** In-page source of a function telling whether an element is seen on screen (see ChatPage.onScreen). */
const SEEN = `(node) => {
  if (!node || !node.checkVisibility({ opacityProperty: true, visibilityProperty: true })) return false;
  let rect = node.getBoundingClientRect();
  const clip = (r, c) => ({ left: Math.max(r.left, c.left), top: Math.max(r.top, c.top), right: Math.min(r.right, c.right), bottom: Math.min(r.bottom, c.bottom) });
  rect = clip(rect, { left: 0, top: 0, right: innerWidth, bottom: innerHeight });
  for (let up = node.parentElement; up; up = up.parentElement) {
    const style = getComputedStyle(up);
    if (style.overflowX !== 'visible' || style.overflowY !== 'visible') rect = clip(rect, up.getBoundingClientRect());
  }
  return rect.right - rect.left > 1 && rect.bottom - rect.top > 1;
}`;

export interface ShownMessage {
  id: number;
  author: string;
  text: string;
}

/**
 * One person's browser on the web client. Its traffic goes through its own
 * TCP proxy, so a test can cut this browser's network without touching the
 * server or the other browsers.
 */
export class ChatPage {
  /** What went wrong inside the page: uncaught exceptions, console errors, error frames from the server. */
  readonly problems: string[] = [];
  /** The URL of every WebSocket the page opened, in order. */
  readonly socketUrls: string[] = [];
  /** Every frame the page sent, in order, parsed. */
  readonly sent: Array<Record<string, unknown>> = [];
  private closing: Promise<void> | undefined;

  private constructor(
    readonly context: BrowserContext,
    readonly page: Page,
    readonly network: TcpProxy,
    /**
     * What closing this page does to the page and its context: a tab closes
     * alone; a pooled page goes back to its pool when `keep`, else closes its context.
     */
    private readonly release: (keep: boolean) => Promise<void>,
    /** Whether closing this page also closes its network: a tab and a restarted browser leave it to the first page. */
    private readonly ownsNetwork = true,
  ) {
    page.on('pageerror', (error) => this.problems.push(`pageerror: ${error.message}`));
    // The page answers error frames in words; a test that expects none must also see none on the wire.
    page.on('websocket', (socket) => {
      this.socketUrls.push(socket.url());
      socket.on('framesent', ({ payload }) => {
        if (typeof payload === 'string') this.sent.push(JSON.parse(payload) as Record<string, unknown>);
      });
      socket.on('framereceived', ({ payload }) => {
        if (typeof payload === 'string' && payload.includes('"type":"error"')) this.problems.push(`error frame: ${payload}`);
      });
    });
    page.on('console', (message) => {
      // A refused connection while the network is cut is the browser's own report, not the page's fault.
      if (message.type() === 'error' && !/WebSocket connection|ERR_CONNECTION|Failed to load resource/.test(message.text())) {
        this.problems.push(`console: ${message.text()}`);
      }
    });
  }

  /** A page on the server, from `pages` when the options leave the browser as it comes (see PagePool), else in a context of its own. */
  static async open(pages: PagePool, server: TestServer, options: OpenOptions = {}): Promise<ChatPage> {
    const { path = '/', init, fakeClock = false, ...contextOptions } = options;
    const network = await TcpProxy.start(Number(new URL(server.baseUrl).port));
    const address = network.rewrite(server.baseUrl);
    const pooled = !init && !fakeClock && Object.keys(contextOptions).length === 0;
    const page = pooled
      ? await pages.take(new URL(address).origin)
      : await (await pages.browser.newContext({ ...DEFAULT_CONTEXT, ...contextOptions })).newPage();
    const context = page.context();
    page.setDefaultTimeout(WAIT_MS);
    if (init) await page.addInitScript(init);
    if (fakeClock) await context.clock.install();
    const chat = new ChatPage(context, page, network, pooled ? (keep) => pages.giveBack(page, { keep }) : () => context.close());
    await page.goto(address.replace(/\/$/, '') + path);
    await chat.waitForState('connected');
    return chat;
  }

  /** The page's address as this browser sees it (through its proxy). */
  get origin(): string {
    return new URL(this.page.url()).origin;
  }

  /**
   * Closes the page, or with `keep` lets its pool keep it for another test
   * (see PagePool); its network goes. Once: a second call waits for the first.
   */
  close({ keep = false } = {}): Promise<void> {
    this.closing ??= (async () => {
      await this.release(keep);
      if (this.ownsNetwork) await this.network.close();
    })();
    return this.closing;
  }

  /** Another tab of this browser (the same cookies and storage), opened on the same address. */
  async newTab(path = '/'): Promise<ChatPage> {
    const page = await this.context.newPage();
    page.setDefaultTimeout(WAIT_MS);
    const tab = new ChatPage(this.context, page, this.network, () => page.close(), false);
    await page.goto(this.origin + path);
    await tab.waitForOpen();
    return tab;
  }

  /**
   * This browser closed and started again: its pages (and what sessionStorage
   * held) are gone, its cookies and localStorage kept; the page is opened anew
   * on the same address.
   */
  async restart(browser: Browser): Promise<ChatPage> {
    const origin = this.origin;
    // This origin's only: a pooled context also remembers the origins of the tests it served before.
    const { cookies, origins } = await this.context.storageState();
    await this.context.close();
    const context = await browser.newContext({ ...DEFAULT_CONTEXT, storageState: { cookies, origins: origins.filter((o) => o.origin === origin) } });
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT_MS);
    const again = new ChatPage(context, page, this.network, () => context.close(), false);
    await page.goto(origin + '/');
    await again.waitForOpen();
    return again;
  }

  /**
   * This browser loses its network as a laptop loses its Wi-Fi: its
   * connections are cut and the browser knows it is offline. A cut the
   * browser does not notice is `network.cut()`.
   */
  async goOffline(): Promise<void> {
    this.network.cut();
    await this.context.setOffline(true);
  }

  /** ...and gets it back: the browser says it is online, and the page reconnects at once instead of at its next retry. */
  async goOnline(): Promise<void> {
    this.network.restore();
    await this.context.setOffline(false);
  }

  async register(username: string, password = TEST_PASSWORD): Promise<void> {
    // On a phone a visitor's login form is folded into one line until asked for.
    if (await this.page.isHidden('#username')) await this.page.click('#auth-open');
    await this.page.fill('#username', username);
    await this.page.fill('#password', password);
    await this.page.click('#register');
    await this.waitForState('authorized');
  }

  async login(username: string, password = TEST_PASSWORD): Promise<void> {
    if (await this.page.isHidden('#username')) await this.page.click('#auth-open');
    await this.page.fill('#username', username);
    await this.page.fill('#password', password);
    await this.page.click('#login');
    await this.waitForState('authorized');
  }

  /**
   * Connected, and perhaps signed in already: a page that stays logged in
   * passes through "connected" within a frame or two, which a wait for that
   * state alone can miss.
   */
  async waitForOpen(): Promise<void> {
    await this.page.waitForSelector('#status:is([data-state="connected"], [data-state="authorized"])');
  }

  async waitForState(state: 'connecting' | 'connected' | 'authorized' | 'disconnected'): Promise<void> {
    await this.page.waitForSelector(`#status[data-state="${state}"]`);
  }

  /** Joins through the form and waits until the room is on screen and its first page is in. */
  async joinRoom(room: string): Promise<void> {
    if (await this.page.isHidden('#join-room-input')) await this.page.click('#rooms-toggle');
    await this.page.fill('#join-room-input', room);
    await this.page.click('#join-room');
    // On a phone the room list folds away again once the room is open: attached is enough.
    await this.page.waitForSelector(`.room.current[data-room="${room}"]`, { state: 'attached' });
    await this.page.waitForSelector(`#messages[data-room="${room}"][data-loaded="true"]`);
  }

  /** The room on screen, by the name the server knows it by (a private room's is p-...). */
  async currentRoom(): Promise<string> {
    return (await this.page.getAttribute('#messages', 'data-room')) ?? '';
  }

  /** Creates a private room through the form; resolves to its name once it is on screen. */
  async createRoom(title: string): Promise<string> {
    if (await this.page.isHidden('#create-details')) await this.page.click('#rooms-toggle');
    if (await this.page.isHidden('#create-input')) await this.page.click('#create-details > summary');
    await this.page.fill('#create-input', title);
    await this.page.click('#create-room');
    await this.page.waitForSelector('.room.current[data-kind="private"]', { state: 'attached' });
    return this.currentRoom();
  }

  /** The unread count a room shows in the list ('' when none). */
  async unread(room: string): Promise<string> {
    const badge = this.page.locator(`.room[data-room="${room}"] .unread`);
    return (await badge.isVisible()) ? ((await badge.textContent()) ?? '') : '';
  }

  async openRoom(room: string): Promise<void> {
    await this.page.click(`.room[data-room="${room}"] .room-open`);
    await this.page.waitForSelector(`#messages[data-room="${room}"]`);
  }

  /** Types a message and sends it with Enter. */
  async post(text: string): Promise<void> {
    await this.page.fill('#message-input', text);
    await this.page.press('#message-input', 'Enter');
  }

  /** The messages of the room on screen, top to bottom (sends not yet acknowledged excluded). */
  async shown(): Promise<ShownMessage[]> {
    return this.page.locator('#messages .message[data-id]').evaluateAll((nodes) =>
      (nodes as unknown as PageNode[]).map((node) => ({
        id: Number(node.dataset.id),
        author: node.querySelector('.author')?.textContent ?? '',
        text: node.querySelector('.text')?.textContent ?? '',
      })),
    );
  }

  async shownIds(): Promise<number[]> {
    return (await this.shown()).map((m) => m.id);
  }

  /** Waits until the room on screen shows (at least) this many stored messages. */
  async waitForCount(count: number, timeout = WAIT_MS): Promise<void> {
    await this.page.waitForFunction((n) => document.querySelectorAll('#messages .message[data-id]').length >= n, count, { timeout });
  }

  async waitForText(text: string): Promise<void> {
    await this.page.waitForFunction((t) => [...document.querySelectorAll('#messages .message[data-id] .text')].some((node) => node.textContent === t), text);
  }

  /** Waits until every send has its acknowledgement. */
  async waitForNoPending(): Promise<void> {
    await this.page.waitForFunction(() => document.querySelectorAll('#messages .message.pending').length === 0);
  }

  /** Scrolls the message list to its top, where the page asks for older messages. */
  async scrollToTop(): Promise<void> {
    await this.page.evaluate("(document.getElementById('timeline') ?? document.getElementById('messages')).scrollTop = 0");
  }

  /** Scrolled to the newest message (within a few pixels). */
  async atBottom(): Promise<boolean> {
    return this.page.evaluate(`(() => {
      const list = document.getElementById('timeline') ?? document.getElementById('messages');
      return list.scrollHeight - list.scrollTop - list.clientHeight <= 4;
    })()`);
  }

  /**
   * Whether a person sees the element: it is rendered, larger than the one
   * pixel of a text kept for screen readers only, and not clipped away by the
   * window or by an ancestor that hides its overflow (a scrolled list, a
   * one-pixel box).
   */
  async onScreen(selector: string): Promise<boolean> {
    return this.page.evaluate(`(${SEEN})(document.querySelector(${JSON.stringify(selector)}))`);
  }

  /** The text of every element matching `selector` that a person sees (see onScreen), in document order. */
  async visibleTexts(selector: string): Promise<string[]> {
    return this.page.evaluate(`[...document.querySelectorAll(${JSON.stringify(selector)})].filter(${SEEN}).map((node) => node.textContent.trim())`);
  }

  /** `map` (JavaScript source of a function of one element) applied to every element matching `selector`, in the page. */
  async mapAll<T>(selector: string, map: string): Promise<T[]> {
    return this.page.evaluate(`[...document.querySelectorAll(${JSON.stringify(selector)})].map(${map})`);
  }

  /** The list on screen, top to bottom: 'DAY' for a day's separator, 'NEW' for the new-messages line, else the message's text. */
  async timeline(): Promise<string[]> {
    return this.mapAll(
      '#messages > li',
      `(node) => node.classList.contains('day-divider') ? 'DAY' : node.classList.contains('new-divider') ? 'NEW' : (node.querySelector('.text')?.textContent ?? '')`,
    );
  }

  /** The id of the focused element, or its tag when it has none. */
  async focused(): Promise<string> {
    return this.page.evaluate('document.activeElement ? document.activeElement.id || document.activeElement.tagName.toLowerCase() : ""');
  }

  /** Puts the tab in the background (or brings it back), as far as the page can tell. */
  async setHidden(hidden: boolean): Promise<void> {
    await this.page.evaluate(`(() => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => ${hidden ? "'hidden'" : "'visible'"} });
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => ${hidden} });
      document.dispatchEvent(new Event('visibilitychange'));
    })()`);
  }

  /** Runs axe-core (from node_modules, not the network) on the page as it is, for WCAG 2.2 A and AA. */
  async axe(): Promise<AxeViolation[]> {
    if (!(await this.page.evaluate('typeof window.axe === "object"'))) await this.page.evaluate(AXE_SOURCE);
    return this.page.evaluate(`axe.run(document, { runOnly: { type: 'tag', values: ${JSON.stringify(AXE_TAGS)} }, resultTypes: ['violations'] })
      .then((result) => result.violations.map(({ id, impact, help, nodes }) => ({ id, impact, help, nodes: nodes.map(({ target, failureSummary }) => ({ target, failureSummary })) })))`);
  }

  async roomNames(): Promise<string[]> {
    return this.page.locator('#rooms .room').evaluateAll((nodes) => (nodes as unknown as PageNode[]).map((node) => node.dataset.room ?? ''));
  }

  /** Who the room on screen lists as present, by name. */
  async presence(): Promise<string[]> {
    return this.page.locator('#presence .user .user-name').allTextContents();
  }

  async stats(): Promise<ChatStats> {
    return this.page.evaluate<ChatStats>('window.__chatStats');
  }
}
