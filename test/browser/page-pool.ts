import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';

/** The browser window every test page has unless its test asks for another. */
export const DEFAULT_CONTEXT: BrowserContextOptions = { viewport: { width: 1100, height: 760 } };
/** What a new context emulates (Playwright's defaults), put back on a page that a test changed. */
const DEFAULT_MEDIA = { media: null, colorScheme: 'light', reducedMotion: 'no-preference', forcedColors: 'none', contrast: 'no-preference' } as const;
/** Events Playwright itself listens to, to end a page's or a context's life: their listeners stay. */
const LIFECYCLE = new Set(['close', 'crash']);

/**
 * Pages kept open from one test to the next, each in a browser context of its
 * own. Opening a page costs Chromium about 0.7 s of CPU (the context, a
 * renderer process, Playwright's scripts compiled anew), a third of what a
 * whole browser test costs; navigating a kept page costs a fraction of it.
 *
 * A kept page starts its next test as fresh as a new one. It comes back on
 * about:blank, and every test reaches the server through a proxy of its own,
 * on a port of its own: a new origin, so localStorage, sessionStorage,
 * IndexedDB and the HTTP cache are new too. What is kept per host rather than
 * per origin, or per context, is put back: cookies and permissions cleared,
 * the network online, media emulation and the mouse as a new context has
 * them, and every listener of the last test removed.
 */
export class PagePool {
  private readonly idle: Page[] = [];

  constructor(readonly browser: Browser) {}

  /** A page on about:blank, in a context of its own with the default settings. */
  async take(): Promise<Page> {
    const kept = this.idle.pop();
    if (kept) return kept;
    const context = await this.browser.newContext(DEFAULT_CONTEXT);
    return context.newPage();
  }

  /** Takes back a page `take` gave, with its context: kept for the next test when it can be reset, else closed. */
  async giveBack(page: Page): Promise<void> {
    if (await reset(page)) this.idle.push(page);
    else await page.context().close();
  }
}

/** Brings a page and its context back to what a new one is; false when it cannot be. */
async function reset(page: Page): Promise<boolean> {
  const context = page.context();
  for (const other of context.pages()) if (other !== page) await other.close();
  // Closed: its browser restarted by the test. Routed: a WebSocket route cannot be taken back.
  if (page.isClosed() || routed(page) || routed(context)) return false;
  forgetListeners(page);
  forgetListeners(context);
  try {
    await page.goto('about:blank');
    await Promise.all([context.clearCookies(), context.clearPermissions(), context.setOffline(false), page.emulateMedia(DEFAULT_MEDIA), page.mouse.move(0, 0)]);
    return true;
  } catch {
    return false;
  }
}

/** Removes every listener a test added (ChatPage's own among them). */
function forgetListeners(emitter: Page | BrowserContext): void {
  const events = emitter as unknown as { eventNames(): Array<string | symbol> };
  for (const name of events.eventNames()) if (typeof name === 'string' && !LIFECYCLE.has(name)) emitter.removeAllListeners(name);
}

/**
 * Whether a test routed the page's or the context's traffic (Playwright has no
 * unroute for a WebSocket route). Read from Playwright's own lists; should
 * they ever be renamed, no page is kept, which is slower, never wrong.
 */
function routed(owner: Page | BrowserContext): boolean {
  const { _routes: routes, _webSocketRoutes: webSocketRoutes } = owner as unknown as { _routes?: unknown[]; _webSocketRoutes?: unknown[] };
  return !Array.isArray(routes) || !Array.isArray(webSocketRoutes) || routes.length > 0 || webSocketRoutes.length > 0;
}
