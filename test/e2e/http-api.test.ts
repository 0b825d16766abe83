import { rawHttp } from '../support/raw-http.js';
import { expect } from 'chai';
import http from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import jwt from 'jsonwebtoken';
import { describeOnEachDatabase } from '../support/each-database.js';
import { TEST_JWT_SECRET, TEST_PASSWORD } from '../support/test-server.js';

describeOnEachDatabase('HTTP API', {}, (server) => {
  const expectError = (reply: { status: number; body: any }, status: number, code: string) => {
    expect(reply.status, JSON.stringify(reply.body)).to.equal(status);
    expect(reply.body.error.code).to.equal(code);
    expect(reply.body.error.message)
      .to.be.a('string')
      .and.not.match(/\bat .*\.(ts|js):\d+/);
  };

  describe('POST /api/reg', () => {
    it('registers and answers 201 with an HS256 token whose subject is the user', async () => {
      const reply = await server().post('/api/reg', { username: 'alice', password: TEST_PASSWORD });
      expect(reply.status).to.equal(201);
      expect(reply.body.username).to.equal('alice');
      const decoded = jwt.verify(reply.body.token, TEST_JWT_SECRET, { algorithms: ['HS256'], complete: true });
      expect(decoded.header.alg).to.equal('HS256');
      expect(decoded.payload).to.include({ sub: 'alice' });
      expect((decoded.payload as jwt.JwtPayload).exp).to.be.a('number');
      expect(new Date(reply.body.expiresAt).getTime()).to.equal((decoded.payload as jwt.JwtPayload).exp! * 1000);
    });

    it('stores a bcrypt hash, never the password', async () => {
      await server().register('alice');
      const [row] = await server().db('users').select('password_hash');
      expect(row.password_hash).to.match(/^\$2[aby]\$/);
      expect(row.password_hash).not.to.include(TEST_PASSWORD);
    });

    it('refuses a name taken in any case with 409 USERNAME_TAKEN', async () => {
      await server().register('alice');
      expectError(await server().post('/api/reg', { username: 'ALICE', password: TEST_PASSWORD }), 409, 'USERNAME_TAKEN');
    });

    it('gives exactly one account to 20 simultaneous registrations of one name', async () => {
      const replies = await Promise.all(Array.from({ length: 20 }, () => server().post('/api/reg', { username: 'racer', password: TEST_PASSWORD })));
      expect(replies.filter((r) => r.status === 201)).to.have.length(1);
      expect(replies.filter((r) => r.status === 409)).to.have.length(19);
      expect(await server().db('users').select('id')).to.have.length(1);
    });

    for (const [username, why] of [
      ['ab', 'too short'],
      ['a'.repeat(33), 'too long'],
      ['has space', 'a space'],
      ['nul\u0000name', 'U+0000'],
      ['аlice', 'a Cyrillic homoglyph'],
    ] as const) {
      it(`refuses a username with ${why} as 400 INVALID_USERNAME`, async () => {
        expectError(await server().post('/api/reg', { username, password: TEST_PASSWORD }), 400, 'INVALID_USERNAME');
      });
    }

    for (const [password, why] of [
      ['short', 'under 8 bytes'],
      ['x'.repeat(73), 'over 72 bytes'],
      ['é'.repeat(37), 'over 72 bytes of UTF-8 in 37 characters'],
    ] as const) {
      it(`refuses a password ${why} as 400 INVALID_PASSWORD`, async () => {
        expectError(await server().post('/api/reg', { username: 'alice', password }), 400, 'INVALID_PASSWORD');
      });
    }

    it('accepts a password of exactly 72 bytes', async () => {
      expect((await server().post('/api/reg', { username: 'alice', password: 'x'.repeat(72) })).status).to.equal(201);
    });
  });

  describe('POST /api/login', () => {
    it('answers 200 with a token for the right password, in any case of the name', async () => {
      await server().register('Alice');
      const reply = await server().post('/api/login', { username: 'alice', password: TEST_PASSWORD });
      expect(reply.status).to.equal(200);
      expect(reply.body.username).to.equal('Alice');
      expect(jwt.verify(reply.body.token, TEST_JWT_SECRET)).to.include({ sub: 'Alice' });
    });

    it('answers an unknown user and a wrong password with the same 401 body', async () => {
      await server().register('alice');
      const wrong = await server().post('/api/login', { username: 'alice', password: 'wrong password' });
      const unknown = await server().post('/api/login', { username: 'nobody', password: TEST_PASSWORD });
      expectError(wrong, 401, 'INVALID_CREDENTIALS');
      expect(unknown.status).to.equal(401);
      expect(unknown.body).to.deep.equal(wrong.body);
    });

    it('refuses a password that only matches on its first 72 bytes', async () => {
      await server().register('alice', 'y'.repeat(72));
      expectError(await server().post('/api/login', { username: 'alice', password: 'y'.repeat(80) }), 401, 'INVALID_CREDENTIALS');
    });
  });

  describe('bad requests', () => {
    for (const path of ['/api/reg', '/api/login']) {
      it(`${path}: invalid JSON is 400 INVALID_JSON`, async () => {
        expectError(await server().post(path, '{"username": "alice",'), 400, 'INVALID_JSON');
      });

      it(`${path}: missing or wrong-typed fields are 400 INVALID_FORMAT`, async () => {
        for (const body of [{}, { username: 'alice' }, { username: 42, password: TEST_PASSWORD }, { username: 'alice', password: null }, []]) {
          expectError(await server().post(path, body), 400, 'INVALID_FORMAT');
        }
      });

      it(`${path}: a body over 16 KiB is 413`, async () => {
        const reply = await server().post(path, { username: 'alice', password: 'x'.repeat(17 * 1024) });
        expectError(reply, 413, 'PAYLOAD_TOO_LARGE');
      });

      it(`${path}: a body that is not JSON by its Content-Type is 415`, async () => {
        const reply = await server().post(path, 'username=alice&password=x', { 'content-type': 'application/x-www-form-urlencoded' });
        expectError(reply, 415, 'UNSUPPORTED_MEDIA_TYPE');
      });
    }

    it('answers unknown routes with a JSON 404', async () => {
      expectError(await server().post('/api/nothing', {}), 404, 'NOT_FOUND');
    });
  });

  describe('the web client', () => {
    it('is served at / as HTML', async () => {
      const response = await fetch(`${server().baseUrl}/`);
      expect(response.status).to.equal(200);
      expect(response.headers.get('content-type')).to.match(/^text\/html/);
      expect(await response.text()).to.match(/<html/i);
    });

    it('goes compressed to a browser that takes it, and a reload costs a 304', async () => {
      const url = `${server().baseUrl}/chat.js`;
      const compressed = await rawHttp(server().baseUrl, `GET /chat.js HTTP/1.1\r\nHost: x\r\nAccept-Encoding: br, gzip\r\nConnection: close\r\n\r\n`);
      expect(compressed.headers['content-encoding']).to.equal('br');
      expect(compressed.headers.vary).to.equal('Accept-Encoding');
      const plain = await rawHttp(server().baseUrl, 'GET /chat.js HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      expect(plain.headers['content-encoding']).to.equal(undefined);
      expect(Number(compressed.headers['content-length'])).to.be.below(Number(plain.headers['content-length']) / 2);
      const first = await fetch(url);
      const etag = first.headers.get('etag') as string;
      expect(etag).to.match(/^"[A-Za-z0-9_-]+"$/);
      const again = await fetch(url, { headers: { 'If-None-Match': etag } });
      expect(again.status).to.equal(304);
    });

    it('answers requests at once in each encoding with bytes that decode to the file', async () => {
      const get = (acceptEncoding: string) =>
        new Promise<{ encoding: string | undefined; body: Buffer }>((resolve, reject) => {
          http
            .get(`${server().baseUrl}/chat.js`, { headers: { 'Accept-Encoding': acceptEncoding } }, (response) => {
              const chunks: Buffer[] = [];
              response.on('data', (chunk: Buffer) => chunks.push(chunk));
              response.on('end', () => resolve({ encoding: response.headers['content-encoding'], body: Buffer.concat(chunks) }));
            })
            .on('error', reject);
        });
      const [first, second, third, gzipped, plain] = await Promise.all([get('br'), get('br'), get('br, gzip'), get('gzip'), get('identity')]);
      expect([first.encoding, second.encoding, third.encoding, gzipped.encoding, plain.encoding]).to.deep.equal(['br', 'br', 'br', 'gzip', undefined]);
      expect(second.body.equals(first.body) && third.body.equals(first.body), 'the same brotli bytes').to.equal(true);
      expect(brotliDecompressSync(first.body).equals(plain.body), 'brotli decodes to the file').to.equal(true);
      expect(gunzipSync(gzipped.body).equals(plain.body), 'gzip decodes to the file').to.equal(true);
    });
  });

  describe('GET /api/limits', () => {
    it('tells a client the limits it should state before the server refuses', async () => {
      const response = await fetch(`${server().baseUrl}/api/limits`);
      expect(await response.json()).to.deep.equal({
        messageMax: 4000,
        historyMax: 100,
        roomsPerConnection: 50,
        titleMax: 64,
        searchQueryMax: 200,
        searchPageMax: 50,
      });
    });
  });
});
