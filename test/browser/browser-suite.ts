import { expect } from 'chai';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { POSTGRESQL_ONLY } from '../support/databases.js';
import { describeOnEachDatabase } from '../support/each-database.js';
import type { TestServer } from '../support/test-server.js';
import { ChatPage, launchChromium, type OpenOptions } from './chat-page.js';
import { PagePool } from './page-pool.js';

/** Where the browser tests leave what a person may want to look at: screenshots, axe reports, the contrast table. */
export const ARTIFACTS = fileURLToPath(new URL('../../artifacts/', import.meta.url));

export function artifactPath(name: string): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  return ARTIFACTS + name;
}

export interface StoredMessage {
  id: number;
  author: string;
  text: string;
}

export interface SeedMessage {
  username: string;
  text: string;
  at: Date;
}

/** What a browser test of the web client works with. */
export interface WebClientSuite {
  server: () => TestServer;
  /** A fresh browser (its own storage and network) on the client; closed after the test, or reset for another (see PagePool). */
  open: (options?: OpenOptions) => Promise<ChatPage>;
  /** A new user, registered through the page, with `room` joined and on screen (else general, loaded). */
  signedIn: (username: string, room?: string, options?: OpenOptions) => Promise<ChatPage>;
  /** Another tab of the browser `of` is (its cookies and storage); closed after the test. */
  tab: (of: ChatPage, path?: string) => Promise<ChatPage>;
  /** The browser `of` is, closed and started again with its cookies and localStorage. */
  restart: (of: ChatPage) => Promise<ChatPage>;
  /** What the database holds for a room, oldest first. */
  storedIn: (room: string) => Promise<StoredMessage[]>;
  /** Writes messages straight into the store, with the times given: history from before the test. */
  seed: (room: string, messages: SeedMessage[]) => Promise<void>;
}

/**
 * One browser suite: a real server on PostgreSQL, one Chromium, pages that
 * are closed (or reset for the next test, see PagePool) after each test,
 * which fails if anything went wrong inside a page that the test did not
 * expect (see ChatPage.problems).
 */
export function describeWebClient(title: string, env: Record<string, string>, body: (suite: WebClientSuite) => void): void {
  describeOnEachDatabase(
    title,
    env,
    (server) => {
      let browser: Browser | undefined;
      let pool: PagePool | undefined;
      let pages: ChatPage[] = [];

      before(async function () {
        this.timeout(60_000);
        browser = await launchChromium(this);
        pool = new PagePool(browser);
      });
      after(async () => {
        await browser?.close();
      });

      // Nested, so that the pages close before the server's own afterEach empties the tables.
      describe('in the browser', function () {
        this.timeout(90_000);

        afterEach(async function () {
          const problems = pages.flatMap((page) => page.problems);
          // A test that did not pass may still be driving its pages (one that timed out runs on): they are not kept.
          const keep = this.currentTest?.state === 'passed';
          await Promise.all(pages.map((page) => page.close({ keep })));
          pages = [];
          expect(problems, 'errors inside the page').to.deep.equal([]);
        });

        const suite: WebClientSuite = {
          server,
          async open(options) {
            const page = await ChatPage.open(pool!, server(), options);
            pages.push(page);
            return page;
          },
          async tab(of, path) {
            const page = await of.newTab(path);
            pages.push(page);
            return page;
          },
          async restart(of) {
            const page = await of.restart(browser!);
            pages.push(page);
            return page;
          },
          async signedIn(username, room, options) {
            const page = await suite.open(options);
            await page.register(username);
            if (room) await page.joinRoom(room);
            else await page.page.waitForSelector('#messages[data-room="general"][data-loaded="true"]');
            return page;
          },
          async storedIn(room) {
            const rows = await server().db('messages').where({ room }).orderBy('id').select('id', 'username', 'text');
            return rows.map((row) => ({ id: Number(row.id), author: row.username as string, text: row.text as string }));
          },
          async seed(room, messages) {
            const db = server().db;
            await db.raw('INSERT INTO rooms (name) VALUES (?) ON CONFLICT DO NOTHING', [room]);
            // The store's own numbering, so that ids stay dense and in order, as the protocol promises.
            const noClientIds = messages.map(() => null) as unknown as string[];
            await db.raw('SELECT * FROM append_messages(?::text[], ?::text[], ?::text[], ?::timestamptz[], ?::text[])', [
              messages.map(() => room),
              messages.map((m) => m.username),
              messages.map((m) => m.text),
              messages.map((m) => m.at.toISOString()),
              noClientIds,
            ]);
          },
        };
        body(suite);
      });
    },
    POSTGRESQL_ONLY,
  );
}

export const MINUTE = 60_000;
export const DAY = 24 * 60 * MINUTE;
