import { expect } from 'chai';
import { KnexSessionRepository } from '../../src/adapters/persistence/knex-session-repository.js';
import { KnexUserRepository } from '../../src/adapters/persistence/knex-user-repository.js';
import { isSessionActive, type LoginSession } from '../../src/domain/session.js';
import type { User } from '../../src/domain/user.js';
import { describeOnEachKnexDatabase } from '../support/each-knex-database.js';
import { expectRejectsCode } from '../support/expect-domain-error.js';

const T0 = new Date('2026-01-01T00:00:00.000Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

describeOnEachKnexDatabase('Knex accounts and sessions', (db) => {
  const setup = async () => {
    const users = new KnexUserRepository(db());
    const sessions = new KnexSessionRepository(db());
    const alice = await users.create({ username: 'Alice', passwordHash: 'hash-a' });
    const bob = await users.create({ username: 'bob', passwordHash: 'hash-b' });
    const open = (user: User, extra: Partial<Omit<LoginSession, 'id'>> = {}, refreshDigest?: string) =>
      sessions.create(
        {
          userId: user.id,
          kind: 'token',
          createdAt: at(0),
          lastSeenAt: at(0),
          expiresAt: at(3600),
          device: { userAgent: 'Phone/1.0', address: '203.0.113.7' },
          ...extra,
        },
        refreshDigest,
      );
    return { users, sessions, alice, bob, open };
  };

  describe('KnexUserRepository', () => {
    it('creates members who may log in, with no suspension or deletion', async () => {
      const { alice } = await setup();
      expect(alice).to.deep.equal({ id: alice.id, username: 'Alice', passwordHash: 'hash-a', role: 'member' });
    });

    it('finds a user by id, and changes its password hash, role and suspension', async () => {
      const { users, alice } = await setup();
      await users.setPasswordHash(alice.id, 'hash-2');
      await users.setRole(alice.id, 'administrator');
      await users.setSuspended(alice.id, at(5));
      expect(await users.findById(alice.id)).to.deep.equal({ ...alice, passwordHash: 'hash-2', role: 'administrator', suspendedAt: at(5) });
      await users.setSuspended(alice.id, undefined);
      expect((await users.findById(alice.id))?.suspendedAt).to.equal(undefined);
      expect(await users.findById(999)).to.equal(undefined);
    });

    it('keeps a deleted account as a tombstone: no password, the name still taken in any case', async () => {
      const { users, alice } = await setup();
      await users.markDeleted(alice.id, at(9));
      expect(await users.findByUsername('alice')).to.deep.equal({
        id: alice.id,
        username: 'Alice',
        passwordHash: undefined,
        role: 'member',
        deletedAt: at(9),
      });
      await expectRejectsCode(users.create({ username: 'ALICE', passwordHash: 'x' }), 'USERNAME_TAKEN');
    });
  });

  describe('KnexSessionRepository', () => {
    it('stores a session under a random id and reads it back', async () => {
      const { sessions, alice, open } = await setup();
      const session = await open(alice);
      expect(session.id).to.match(/^[A-Za-z0-9_-]{22}$/);
      expect(await sessions.find(session.id)).to.deep.equal(session);
      expect(await sessions.find('missing')).to.equal(undefined);
    });

    it("lists a user's open sessions, the latest seen first, leaving out ended, expired and other users' ones", async () => {
      const { sessions, alice, bob, open } = await setup();
      const older = await open(alice, { lastSeenAt: at(1) });
      const newer = await open(alice, { lastSeenAt: at(2) });
      const ended = await open(alice);
      await open(alice, { expiresAt: at(10) });
      await open(bob);
      await sessions.end(alice.id, [ended.id], at(3), 'revoked');
      expect((await sessions.listOpen(alice.id, at(10))).map(({ id }) => id)).to.deep.equal([newer.id, older.id]);
    });

    it('writes "last seen" only when the stored one is over a minute old', async () => {
      const { sessions, alice, open } = await setup();
      const session = await open(alice);
      await sessions.touch(session.id, at(59));
      expect((await sessions.find(session.id))?.lastSeenAt).to.deep.equal(at(0));
      await sessions.touch(session.id, at(61));
      expect((await sessions.find(session.id))?.lastSeenAt).to.deep.equal(at(61));
    });

    it('ends the given sessions of a user once, with the reason, and says which it ended', async () => {
      const { sessions, alice, bob, open } = await setup();
      const a = await open(alice);
      const b = await open(bob);
      expect(await sessions.end(alice.id, [a.id, b.id], at(5), 'revoked')).to.deep.equal([a.id]);
      expect(await sessions.end(alice.id, [a.id], at(6), 'revoked')).to.deep.equal([]);
      expect(await sessions.find(a.id)).to.deep.include({ endedAt: at(5), endReason: 'revoked' });
      expect((await sessions.find(b.id))?.endedAt).to.equal(undefined);
    });

    it('ends all sessions of a user but one, and none that already expired', async () => {
      const { sessions, alice, open } = await setup();
      const keep = await open(alice);
      const other = await open(alice);
      await open(alice, { expiresAt: at(1) });
      expect(await sessions.end(alice.id, 'all', at(5), 'password_changed', keep.id)).to.deep.equal([other.id]);
    });

    it('says which ids name no active session, with why, agreeing with isSessionActive', async () => {
      const { sessions, users, alice, bob, open } = await setup();
      const active = await open(alice);
      const ended = await open(alice);
      const expired = await open(alice, { expiresAt: at(10) });
      const suspended = await open(bob);
      await sessions.end(alice.id, [ended.id], at(5), 'password_changed');
      await users.setSuspended(bob.id, at(5));
      const inactive = await sessions.inactiveAmong([active.id, ended.id, expired.id, suspended.id, 'unknown'], at(10));
      expect(inactive).to.have.deep.members([
        { id: ended.id, reason: 'password_changed' },
        { id: expired.id, reason: 'revoked' },
        { id: suspended.id, reason: 'suspended' },
        { id: 'unknown', reason: 'revoked' },
      ]);
      for (const session of [active, ended, expired, suspended]) {
        const stored = (await sessions.find(session.id))!;
        const owner = await users.findById(stored.userId);
        expect(isSessionActive(stored, owner, at(10)), session.id).to.equal(!inactive.some(({ id }) => id === session.id));
      }
      expect(await sessions.inactiveAmong([], at(10))).to.deep.equal([]);
    });

    it("finds a refresh credential by digest, with the session's current one", async () => {
      const { sessions, alice, open } = await setup();
      const session = await open(alice, { kind: 'refresh' }, 'd1');
      expect(await sessions.findRefresh('d1')).to.deep.equal({ digest: 'd1', sessionId: session.id, current: 'd1' });
      expect(await sessions.findRefresh('nope')).to.equal(undefined);
    });

    it('rotates a credential once: the old one keeps when it was replaced, the session its new end', async () => {
      const { sessions, alice, open } = await setup();
      const session = await open(alice, { kind: 'refresh' }, 'd1');
      expect(await sessions.replaceRefresh('d1', 'd2', at(30), at(7200))).to.equal(true);
      expect(await sessions.replaceRefresh('d1', 'd3', at(31), at(7200))).to.equal(false);
      expect(await sessions.findRefresh('d1')).to.deep.equal({ digest: 'd1', sessionId: session.id, replacedAt: at(30), current: 'd2' });
      expect(await sessions.find(session.id)).to.deep.include({ expiresAt: at(7200), lastSeenAt: at(30) });
    });

    it('lets exactly one of many simultaneous rotations of one credential through', async () => {
      const { sessions, alice, open } = await setup();
      await open(alice, { kind: 'refresh' }, 'd1');
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => sessions.replaceRefresh('d1', `n${i}`, at(30), at(7200))));
      expect(results.filter(Boolean)).to.have.length(1);
      expect(await db()('refresh_credentials').whereNull('replaced_at').select('digest')).to.have.length(1);
    });

    it('prunes sessions a while over, with their credentials, and keeps the rest', async () => {
      const { sessions, alice, open } = await setup();
      const old = await open(alice, { kind: 'refresh', expiresAt: at(10) }, 'd-old');
      const endedEarly = await open(alice, { expiresAt: at(100_000) });
      const live = await open(alice, { expiresAt: at(100_000) });
      await sessions.end(alice.id, [endedEarly.id], at(20), 'revoked');
      expect(await sessions.prune(at(50))).to.equal(2);
      expect(await sessions.find(old.id)).to.equal(undefined);
      expect(await sessions.find(endedEarly.id)).to.equal(undefined);
      expect(await sessions.find(live.id)).to.not.equal(undefined);
      expect(await sessions.findRefresh('d-old')).to.equal(undefined);
    });
  });
});
