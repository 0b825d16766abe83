import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';

const VIEWPORT = { width: 1100, height: 760 };
/** The browser window every test page has unless its test asks for another. */
export const DEFAULT_CONTEXT: BrowserContextOptions = { viewport: VIEWPORT };
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
 * A kept page starts its next test as fresh as a new one. Every test reaches
 * the server through a proxy of its own, on a port of its own, and a page is
 * never given an origin it has been on before: its localStorage,
 * sessionStorage, IndexedDB and HTTP cache there are new. What is kept per
 * host or per context is put back: cookies and permissions cleared, the
 * network online, media emulation, the window's size and the mouse as a new
 * context has them, the last test's listeners removed, its other tabs closed.
 * A page is not kept when its test did not pass (a test that timed out may
 * still be driving it) or routed its traffic (Playwright cannot take a
 * WebSocket route back). What a test can do to a page that nothing here
 * undoes (an init script, an exposed binding, the clock) it asks for when it
 * opens the page (`init`, `fakeClock`), and such pages are never pooled.
 */
export class PagePool {
  private readonly idle: Page[] = [];
  private readonly visited = new WeakMap<Page, Set<string>>();

  constructor(readonly browser: Browser) {}

  /** A page on about:blank, in a context of its own with the default settings, that has never been on `origin`. */
  async take(origin: string): Promise<Page> {
    const index = this.idle.findIndex((page) => !this.visited.get(page)?.has(origin));
    const page = index >= 0 ? this.idle.splice(index, 1)[0]! : await (await this.browser.newContext(DEFAULT_CONTEXT)).newPage();
    const origins = this.visited.get(page) ?? new Set<string>();
    origins.add(origin);
    this.visited.set(page, origins);
    return page;
  }

  /** Takes back a page `take` gave, with its context: kept for another test when `keep` and it can be reset, else closed. */
  async giveBack(page: Page, { keep }: { keep: boolean }): Promise<void> {
    if (keep && (await reset(page))) this.idle.push(page);
    else await page.context().close();
  }
}

/** Brings a page and its context back to what a new one is; false when it cannot be. */
async function reset(page: Page): Promise<boolean> {
  const context = page.context();
  for (const other of context.pages()) if (other !== page) await other.close();
  // Closed: its browser restarted by the test.
  if (page.isClosed() || routed(page) || routed(context)) return false;
  forgetListeners(page);
  forgetListeners(context);
  try {
    await page.goto('about:blank');
    await Promise.all([
      context.clearCookies(),
      context.clearPermissions(),
      context.setOffline(false),
      page.emulateMedia(DEFAULT_MEDIA),
      page.setViewportSize(VIEWPORT),
      page.mouse.move(0, 0),
    ]);
  } catch {
    return false;
  }
  // A tab the page opened meanwhile (a link to a new window, say) would outlive its test.
  return context.pages().length === 1;
}

/** Removes the listeners a test added (ChatPage's among them), but for those of the lifecycle events. */
function forgetListeners(emitter: Page | BrowserContext): void {
  const events = emitter as unknown as {
    eventNames(): Array<string | symbol>;
    listeners(name: string): Array<(...args: unknown[]) => void>;
    off(name: string, listener: (...args: unknown[]) => void): void;
  };
  for (const name of events.eventNames()) {
    if (typeof name !== 'string' || LIFECYCLE.has(name)) continue;
    for (const listener of events.listeners(name)) events.off(name, listener);
  }
}

/**
 * Whether a test routed the page's or the context's traffic. Read from
 * Playwright's own lists; should they ever be renamed, no page is kept, which
 * is slower, never wrong.
 */
function routed(owner: Page | BrowserContext): boolean {
  const { _routes: routes, _webSocketRoutes: webSocketRoutes } = owner as unknown as { _routes?: unknown[]; _webSocketRoutes?: unknown[] };
  return !Array.isArray(routes) || !Array.isArray(webSocketRoutes) || routes.length > 0 || webSocketRoutes.length > 0;
}
