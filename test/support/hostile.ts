import { expect } from 'chai';
import type { TestServer } from './test-server.js';
import type { TestClient } from './ws-client.js';

/** docs/protocol.md: every HTTP error code a client may see here, with its status. */
export const HTTP_ERROR_STATUS: Readonly<Record<string, number>> = {
  INVALID_JSON: 400,
  INVALID_FORMAT: 400,
  INVALID_USERNAME: 400,
  INVALID_PASSWORD: 400,
  INVALID_CREDENTIALS: 401,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  USERNAME_TAKEN: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
};

/** docs/protocol.md: the WebSocket error codes a frame may earn (INTERNAL and UNAVAILABLE are faults, not answers). */
export const WS_ERROR_CODES: ReadonlySet<string> = new Set([
  'INVALID_JSON',
  'INVALID_FORMAT',
  'INVALID_COMMAND',
  'INVALID_HISTORY_COUNT',
  'INVALID_TOKEN',
  'USERNAME_MISMATCH',
  'NOT_AUTHENTICATED',
  'TOKEN_EXPIRED',
  'EMPTY_MESSAGE',
  'MESSAGE_TOO_LONG',
]);

/** Asserts the documented error body: {"error": {"code", "message"}} with the code's own status, nothing else in it. */
export function expectHttpError(reply: { status: number | undefined; body?: unknown; json?: unknown }, status: number, code: string): void {
  const body = (reply.body !== undefined && typeof reply.body === 'object' ? reply.body : reply.json) as any;
  expect(reply.status, JSON.stringify(body)).to.equal(status);
  expect(body, 'error body').to.be.an('object').with.all.keys('error');
  expect(body.error).to.have.all.keys('code', 'message');
  expect(body.error.code).to.equal(code);
  expect(body.error.message)
    .to.be.a('string')
    .and.not.be.empty.and.not.match(/\bat .*\.(ts|js):\d+/);
}

export const storedUsernames = async (server: TestServer): Promise<string[]> =>
  (await server.db('users').orderBy('id').select('username')).map((row) => row.username as string);

/**
 * The stored texts, read as UTF-8 bytes and decoded here: PGlite's own text
 * decoding drops a leading U+FEFF, which would hide what is really stored.
 */
export const storedTexts = async (server: TestServer): Promise<string[]> =>
  (await server.db('messages').orderBy('id').select(server.db.raw("convert_to(text, 'UTF8') as bytes"))).map((row) =>
    Buffer.from(row.bytes as Uint8Array).toString('utf8'),
  );

/**
 * An authorized client that was connected before the hostile input arrived
 * and must not notice it.
 */
export class Bystander {
  private posts = 0;

  private constructor(
    readonly client: TestClient,
    readonly username: string,
  ) {}

  static async join(server: TestServer, username = 'bystander'): Promise<Bystander> {
    return new Bystander(await server.connectAs(username), username);
  }

  /**
   * Posts a new line and expects it back as its very next frame: the server
   * still stores and delivers, and delivered nothing of the hostile input in
   * between. Returns the text, to compare with what is stored.
   */
  async stillChats(): Promise<string> {
    this.posts += 1;
    const text = `${this.username} is still here (${this.posts})`;
    this.client.send(this.username, text);
    const frame = await this.client.next();
    expect(frame, "the bystander's next frame").to.include({ type: 'message', username: this.username, message: text });
    return text;
  }
}

export interface Scene {
  bystander: Bystander;
  /** Nothing was stored since the scene was set, and the bystander still chats. */
  expectUnharmed: () => Promise<void>;
}

/**
 * The scene of a hostile case: a bystander connected and authorized first,
 * then the accounts the case needs. Afterwards no new account and no message
 * but the bystander's may be stored.
 */
export async function setScene(server: TestServer, ...accounts: string[]): Promise<Scene> {
  const bystander = await Bystander.join(server);
  for (const name of accounts) await server.register(name);
  const users = await storedUsernames(server);
  return {
    bystander,
    async expectUnharmed() {
      expect(await storedUsernames(server), 'accounts').to.deep.equal(users);
      const text = await bystander.stillChats();
      expect(await storedTexts(server), 'messages').to.deep.equal([text]);
    },
  };
}

/** Fails when something has written to Object.prototype (a "__proto__" key that got through). */
export function expectPrototypeUntouched(): void {
  expect(({} as Record<string, unknown>).polluted, 'Object.prototype.polluted').to.equal(undefined);
}
