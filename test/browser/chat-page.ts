import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { TcpProxy } from '../support/tcp-proxy.js';
import { TEST_PASSWORD, type TestServer } from '../support/test-server.js';

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

  private constructor(
    readonly context: BrowserContext,
    readonly page: Page,
    readonly network: TcpProxy,
  ) {
    page.on('pageerror', (error) => this.problems.push(`pageerror: ${error.message}`));
    // The page answers error frames in words; a test that expects none must also see none on the wire.
    page.on('websocket', (socket) => {
      this.socketUrls.push(socket.url());
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

  static async open(browser: Browser, server: TestServer, viewport = { width: 1100, height: 760 }): Promise<ChatPage> {
    const network = await TcpProxy.start(Number(new URL(server.baseUrl).port));
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT_MS);
    const chat = new ChatPage(context, page, network);
    await page.goto(network.rewrite(server.baseUrl));
    await chat.waitForState('connected');
    return chat;
  }

  async close(): Promise<void> {
    await this.context.close();
    await this.network.close();
  }

  async register(username: string, password = TEST_PASSWORD): Promise<void> {
    await this.page.fill('#username', username);
    await this.page.fill('#password', password);
    await this.page.click('#register');
    await this.waitForState('authorized');
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
    await this.page.evaluate("document.getElementById('messages').scrollTop = 0");
  }

  async roomNames(): Promise<string[]> {
    return this.page.locator('#rooms .room').evaluateAll((nodes) => (nodes as unknown as PageNode[]).map((node) => node.dataset.room ?? ''));
  }

  async presence(): Promise<string[]> {
    return this.page.locator('#presence .user').allTextContents();
  }

  async stats(): Promise<ChatStats> {
    return this.page.evaluate<ChatStats>('window.__chatStats');
  }
}
