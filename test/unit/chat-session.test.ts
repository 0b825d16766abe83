import { expect } from 'chai';
import type { MessageRepository } from '../../src/application/ports.js';
import { InMemoryMessageRepository } from '../fakes/in-memory-message-repository.js';
import { settle, setup } from '../support/session-harness.js';

describe('ChatSession', () => {
  describe('membership', () => {
    it('is in general from its first moment, so a client of the original protocol posts and hears there', async () => {
      const { connect, auth, post } = setup();
      const { peer, session } = connect();
      session.handle(auth('alice'));
      session.handle(post('alice', 'hello'));
      await settle();
      expect(peer.lines).to.deep.equal(['authenticated alice', 'messages 1']);
    });

    it('refuses a post to a room it has not joined as NOT_A_MEMBER, naming the room and client id, storing nothing', async () => {
      const { connect, auth, post, store, seed } = setup();
      await seed('dev', 0);
      const { peer, session } = connect();
      session.handle(auth('alice'));
      session.handle(post('alice', 'hi', 'dev', 'c-1'));
      await settle();
      expect(peer.lines).to.deep.equal(['authenticated alice', 'error NOT_A_MEMBER dev c-1']);
      expect(store.all()).to.deep.equal([]);
    });

    it('lets a user create a room by joining it, and then post there', async () => {
      const { connect, auth, post, rooms } = setup();
      const { peer, session } = connect();
      session.handle(auth('alice'));
      session.handle({ kind: 'join', room: 'dev', after: undefined });
      session.handle(post('alice', 'hi', 'dev'));
      await settle();
      expect(peer.lines).to.deep.equal(['authenticated alice', 'joined dev', 'messages 1']);
      expect(await rooms.exists('dev')).to.equal(true);
    });

    it('lets a connection without a user join a room that exists, but not create one', async () => {
      const { connect, seed, rooms } = setup();
      await seed('dev', 0);
      const { peer, session } = connect();
      session.handle({ kind: 'join', room: 'dev', after: undefined });
      session.handle({ kind: 'join', room: 'spam', after: undefined });
      await settle();
      expect(peer.lines).to.deep.equal(['joined dev', 'error UNKNOWN_ROOM spam']);
      expect(await rooms.exists('spam')).to.equal(false);
    });

    it(`refuses a join past the room cap as TOO_MANY_ROOMS, general counting`, async () => {
      const { connect, auth } = setup({ roomsPerConnection: 3 });
      const { peer, session } = connect();
      session.handle(auth('alice'));
      for (const room of ['a', 'b', 'c']) session.handle({ kind: 'join', room, after: undefined });
      session.handle({ kind: 'join', room: 'a', after: undefined });
      await settle();
      expect(peer.lines).to.deep.equal(['authenticated alice', 'joined a', 'joined b', 'error TOO_MANY_ROOMS c', 'joined a']);
    });

    it('leaves a room: no more of its messages, and posting there is refused again', async () => {
      const { connect, auth, post } = setup();
      const alice = connect();
      const bob = connect();
      alice.session.handle(auth('alice'));
      bob.session.handle(auth('bob'));
      for (const { session } of [alice, bob]) session.handle({ kind: 'join', room: 'dev', after: undefined });
      await settle();
      alice.session.handle({ kind: 'leave', room: 'dev' });
      alice.session.handle(post('alice', 'still here?', 'dev'));
      bob.session.handle(post('bob', 'hi', 'dev'));
      await settle();
      expect(alice.peer.lines.slice(-2)).to.deep.equal(['left dev', 'error NOT_A_MEMBER dev']);
      expect(alice.peer.lines).to.include('presence dev +bob');
      expect(alice.peer.idsOf('dev')).to.deep.equal([]);
      expect(bob.peer.idsOf('dev')).to.deep.equal([1]);
    });

    it('refuses to leave a room it is not in as NOT_A_MEMBER', async () => {
      const { connect } = setup();
      const { peer, session } = connect();
      session.handle({ kind: 'leave', room: 'dev' });
      await settle();
      expect(peer.lines).to.deep.equal(['error NOT_A_MEMBER dev']);
    });

    it('takes joins and leaves in the order they came, though a join waits for the store', async () => {
      const { connect, auth } = setup();
      const { peer, session } = connect();
      session.handle(auth('alice'));
      session.handle({ kind: 'join', room: 'dev', after: undefined });
      session.handle({ kind: 'leave', room: 'dev' });
      session.handle({ kind: 'join', room: 'dev', after: undefined });
      await settle();
      expect(peer.lines).to.deep.equal(['authenticated alice', 'joined dev', 'left dev', 'joined dev']);
    });

    it('once closed, is in no room and holds no timer', async () => {
      const { connect, auth, sessions, clock } = setup();
      const { session } = connect();
      session.handle(auth('alice'));
      session.handle({ kind: 'join', room: 'dev', after: undefined });
      await settle();
      sessions.close(session);
      expect(sessions.directory.members('general')).to.equal(undefined);
      expect(sessions.directory.members('dev')).to.equal(undefined);
      expect(clock.pending).to.equal(0);
      expect(sessions.count).to.equal(0);
    });

    it('refuses posts as UNAVAILABLE once the node is shutting down, storing nothing', async () => {
      const { connect, auth, post, sessions, store } = setup();
      const { peer, session } = connect();
      session.handle(auth('alice'));
      sessions.refusePosts();
      session.handle(post('alice', 'too late', 'general', 'c-9'));
      await settle();
      expect(peer.lines).to.deep.equal(['authenticated alice', 'error UNAVAILABLE general c-9']);
      expect(store.all()).to.deep.equal([]);
    });
  });

  describe('posting', () => {
    it('answers a repeated client id with the stored original, to the sender alone', async () => {
      const { connect, auth, post } = setup();
      const { peer, session } = connect();
      session.handle(auth('alice'));
      session.handle(post('alice', 'hello', 'general', 'c-1'));
      session.handle(post('alice', 'hello', 'general', 'c-1'));
      await settle();
      expect(peer.lines).to.deep.equal(['authenticated alice', 'messages 1', 'duplicate 1']);
    });

    it('keeps one budget per user across connections and reconnects', async () => {
      const { connect, auth, post, store } = setup({ messageBurst: 2 });
      const first = connect();
      first.session.handle(auth('alice'));
      first.session.handle(post('alice', 'one'));
      first.session.handle(post('alice', 'two'));
      await settle();
      const second = connect();
      second.session.handle(auth('alice'));
      second.session.handle(post('alice', 'three', 'general', 'c-3'));
      await settle();
      expect(second.peer.lines.at(-1)).to.equal('error RATE_LIMITED general c-3');
      expect(store.all().map(({ text }) => text)).to.deep.equal(['one', 'two']);
    });

    it('answers history with what the connection posted before asking (read your writes)', async () => {
      const { connect, auth, post } = setup();
      const { peer, session } = connect();
      session.handle(auth('alice'));
      session.handle(post('alice', 'one'));
      session.handle({ kind: 'history', room: 'general', limit: 10, original: true });
      await settle();
      expect(peer.lines).to.deep.equal(['authenticated alice', 'messages 1', 'history general 1 original']);
    });
  });

  describe('token expiry', () => {
    it("at the token's expiry, says so and is unauthorized: posts are refused, presence ends", async () => {
      const { connect, auth, post, clock, presence } = setup();
      const { peer, session } = connect();
      session.handle(auth('alice'));
      await settle();
      clock.advance(60_000);
      session.handle(post('alice', 'after'));
      await settle();
      expect(peer.lines).to.deep.equal(['authenticated alice', 'expired', 'error NOT_AUTHENTICATED general']);
      expect(presence.updates).to.deep.equal(['general +alice', 'general -alice']);
    });

    it('a fresh auth before the expiry replaces it: the old one never fires', async () => {
      const { connect, auth, clock } = setup();
      const { peer, session } = connect();
      session.handle(auth('alice'));
      await settle();
      clock.advance(30_000);
      session.handle(auth('alice'));
      clock.advance(40_000);
      expect(peer.lines).to.deep.equal(['authenticated alice', 'authenticated alice']);
      clock.advance(20_000);
      expect(peer.lines.at(-1)).to.equal('expired');
    });

    it('a post that finds the token expired before its timer fired unauthorizes the connection', async () => {
      const { connect, auth, post, clock, sessions } = setup();
      const { peer, session } = connect();
      session.handle(auth('alice'));
      // The clock moves without running timers, as a late timer would.
      (clock as unknown as { millis: number }).millis += 60_000;
      session.handle(post('alice', 'late'));
      await settle();
      expect(peer.lines.at(-1)).to.equal('error TOKEN_EXPIRED general');
      expect(sessions.authorizedCount).to.equal(0);
    });
  });

  describe('presence', () => {
    it('reports a user present in each room of the connection, once however many connections', async () => {
      const { connect, auth, presence } = setup();
      const phone = connect();
      const laptop = connect();
      phone.session.handle(auth('alice'));
      laptop.session.handle(auth('alice'));
      phone.session.handle({ kind: 'join', room: 'dev', after: undefined });
      await settle();
      expect(presence.users('general')).to.deep.equal(['alice']);
      expect(presence.users('dev')).to.deep.equal(['alice']);
      expect(presence.updates).to.deep.equal(['general +alice', 'dev +alice']);
    });

    it('tells arrivals and departures only to members that joined with a frame or asked, never to an original client', async () => {
      const { connect, auth } = setup();
      const original = connect();
      const modern = connect();
      modern.session.handle({ kind: 'presence', room: 'general' });
      await settle();
      const bob = connect();
      bob.session.handle(auth('bob'));
      bob.session.handle({ kind: 'leave', room: 'general' });
      await settle();
      expect(original.peer.lines).to.deep.equal([]);
      expect(modern.peer.lines).to.deep.equal(['presence general ', 'presence general +bob', 'presence general -bob']);
    });

    it('answers presence of a room nobody is in from the store: UNKNOWN_ROOM when it does not exist', async () => {
      const { connect, seed } = setup();
      await seed('quiet', 0);
      const { peer, session } = connect();
      session.handle({ kind: 'presence', room: 'quiet' });
      session.handle({ kind: 'presence', room: 'nowhere' });
      await settle();
      expect(peer.lines).to.deep.equal(['presence quiet ', 'error UNKNOWN_ROOM nowhere']);
    });
  });

  describe('catch-up', () => {
    it('resumes general from a cursor: joined, pages of HISTORY_MAX, then live', async () => {
      const { connect, seed, auth, post } = setup({ historyMax: 3 });
      await seed('general', 5);
      const { peer, session } = connect();
      session.resume(1);
      await settle();
      const other = connect();
      other.session.handle(auth('bob'));
      other.session.handle(post('bob', 'live'));
      await settle();
      expect(peer.lines).to.deep.equal(['joined general', 'catchup general 2,3,4 more', 'catchup general 5', 'presence general +bob', 'messages 6']);
    });

    it('reads the next page only once the client has taken the last one', async () => {
      const { connect, seed } = setup({ historyMax: 2 });
      await seed('general', 4);
      const { peer, session } = connect();
      peer.stall();
      session.resume(0);
      await settle();
      expect(peer.lines).to.deep.equal(['joined general']);
      peer.release();
      await settle();
      expect(peer.idsOf('general')).to.deep.equal([1, 2, 3, 4]);
    });

    it('holds what is posted during a catch-up and sends it after the last page, once', async () => {
      const { connect, seed, auth, post } = setup({ historyMax: 2 });
      await seed('general', 4);
      const { peer, session } = connect();
      const bob = connect();
      bob.session.handle(auth('bob'));
      peer.stall();
      session.resume(0);
      bob.session.handle(post('bob', 'during'));
      await settle();
      peer.release();
      await settle();
      expect(peer.idsOf('general')).to.deep.equal([1, 2, 3, 4, 5]);
    });

    for (const [first, second] of [
      [3, 0],
      [20, 5],
      [0, 0],
      [5, 20],
    ] as const) {
      it(`a second join with a cursor (${first} then ${second}) supersedes the first: every message after ${second} once, none twice`, async () => {
        const { connect, seed, auth } = setup({ historyMax: 3 });
        await seed('dev', 25);
        const { peer, session } = connect();
        session.handle(auth('alice'));
        session.handle({ kind: 'join', room: 'dev', after: first });
        session.handle({ kind: 'join', room: 'dev', after: second });
        await settle();
        const sent = peer.idsOf('dev');
        expect(new Set(sent).size, `twice in ${sent.join(',')}`).to.equal(sent.length);
        for (let id = second + 1; id <= 25; id++) expect(sent, `missing ${id}`).to.include(id);
        expect(peer.lines.filter((l) => l.startsWith('joined'))).to.deep.equal(['joined dev', 'joined dev']);
      });
    }

    it('a join of general with a cursor supersedes the one the URL started', async () => {
      const { connect, seed } = setup({ historyMax: 3 });
      await seed('general', 12);
      const { peer, session } = connect();
      session.resume(9);
      session.handle({ kind: 'join', room: 'general', after: 0 });
      await settle();
      expect([...peer.idsOf('general')].sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 12 }, (_, i) => i + 1));
    });

    it("from a cursor past the store's end (a restore), sends the messages stored next, though their ids are below it", async () => {
      const { connect, seed, auth, post } = setup();
      await seed('general', 2);
      const { peer, session } = connect();
      session.resume(500);
      await settle();
      const bob = connect();
      bob.session.handle(auth('bob'));
      bob.session.handle(post('bob', 'after the restore'));
      await settle();
      expect(peer.lines).to.deep.equal(['joined general', 'catchup general ', 'presence general +bob', 'messages 3']);
    });

    it('when a page cannot be read, says so and leaves the room, so that no live message comes after a hole', async () => {
      const store = new InMemoryMessageRepository();
      const failing: MessageRepository = {
        append: (message) => store.append(message),
        since: (after, limit) => store.since(after, limit),
        lastId: () => store.lastId(),
        find: (id) => store.find(id),
        page: async (query) => (query.after === undefined ? store.page(query) : Promise.reject(new Error('connection lost'))),
      };
      const { connect, auth, sessions } = setup({ messages: failing });
      const { peer, session } = connect();
      session.handle(auth('alice'));
      session.handle({ kind: 'join', room: 'dev', after: 0 });
      await settle();
      expect(peer.lines).to.deep.equal(['authenticated alice', 'joined dev', 'error INTERNAL dev']);
      expect(sessions.directory.members('dev')).to.equal(undefined);
    });

    describe('for connections without a user', () => {
      it('reads at a bounded rate per address: a page waits for the budget, on the clock', async () => {
        const { connect, seed, clock, anonymousReads } = setup({ historyMax: 3, anonymousBurst: 6, anonymousPerSecond: 3 });
        await seed('general', 9);
        const { peer, session } = connect('198.51.100.1');
        session.resume(0);
        await settle();
        expect(peer.idsOf('general')).to.deep.equal([1, 2, 3, 4, 5, 6]);
        clock.advance(999);
        await settle();
        expect(peer.idsOf('general')).to.have.length(6);
        clock.advance(1);
        await settle();
        expect(peer.idsOf('general')).to.have.length(9);
        expect(new Set(anonymousReads.taken.map(({ key }) => key))).to.deep.equal(new Set(['198.51.100.1']));
      });

      it('shares the budget between the connections of one address, and paces history the same way', async () => {
        const { connect, seed, clock } = setup({ historyMax: 3, anonymousBurst: 3, anonymousPerSecond: 3 });
        await seed('general', 3);
        const first = connect('198.51.100.1');
        const second = connect('198.51.100.1');
        first.session.handle({ kind: 'history', room: 'general', limit: 3, original: true });
        second.session.handle({ kind: 'history', room: 'general', limit: 3, original: true });
        await settle();
        expect(first.peer.lines).to.deep.equal(['history general 1,2,3 original']);
        expect(second.peer.lines).to.deep.equal([]);
        clock.advance(1000);
        await settle();
        expect(second.peer.lines).to.deep.equal(['history general 1,2,3 original']);
      });

      it('does not pace a connection with a user', async () => {
        const { connect, seed, auth, anonymousReads } = setup({ historyMax: 3, anonymousBurst: 0, anonymousPerSecond: 1 });
        await seed('general', 9);
        const { peer, session } = connect();
        session.handle(auth('alice'));
        session.handle({ kind: 'join', room: 'general', after: 0 });
        await settle();
        expect(peer.idsOf('general')).to.have.length(9);
        expect(anonymousReads.taken).to.deep.equal([]);
      });
    });
  });

  describe('login sessions', () => {
    it('holds the frames after an auth whose session the store must tell, and takes them in order once it has', async () => {
      const { connect, auth, post, loginSessions } = setup();
      const { peer, session } = connect();
      session.handle(auth('alice'));
      session.handle(post('alice', 'right after auth'));
      session.handle({ kind: 'join', room: 'dev', after: undefined });
      session.handle(post('alice', 'in dev', 'dev'));
      expect(peer.lines).to.deep.equal([]);
      await settle();
      expect(peer.lines).to.deep.equal(['authenticated alice', 'messages 1', 'joined dev', 'messages 2']);
      expect(loginSessions.asked).to.deep.equal([['s-alice']]);
    });

    it('refuses an auth whose session ended as SESSION_REVOKED, leaving the connection as it was for the frames after it', async () => {
      const { connect, auth, post, loginSessions, clock, store } = setup();
      const token = auth('alice');
      await loginSessions.end(1, ['s-alice'], clock.now(), 'revoked');
      const { peer, session } = connect();
      session.handle(token);
      session.handle(post('alice', 'sneaky'));
      await settle();
      expect(peer.lines).to.deep.equal(['error SESSION_REVOKED', 'error NOT_AUTHENTICATED general']);
      expect(store.all()).to.deep.equal([]);
    });

    it("a revocation unauthorizes the connections of that session, says why, and ends their presence; the user's other sessions stay", async () => {
      const { connect, auth, post, revocations, presence, sessions } = setup();
      const phone = connect();
      const laptop = connect();
      phone.session.handle(auth('alice', 'phone'));
      laptop.session.handle(auth('alice', 'laptop'));
      await settle();
      revocations.hear({ sessionIds: ['phone'], reason: 'revoked' });
      phone.session.handle(post('alice', 'from the stolen phone'));
      await settle();
      expect(phone.peer.lines).to.deep.equal(['authenticated alice', 'revoked revoked', 'error NOT_AUTHENTICATED general']);
      expect(laptop.peer.lines).to.deep.equal(['authenticated alice']);
      expect(sessions.authorizedCount).to.equal(1);
      revocations.hear({ sessionIds: ['laptop'], reason: 'password_changed' });
      expect(laptop.peer.lines.at(-1)).to.equal('revoked password_changed');
      expect(presence.updates).to.deep.equal(['general +alice', 'general -alice']);
    });

    it('an auth again after the revocation, with the same token, is refused without asking the store', async () => {
      const { connect, auth, revocations, loginSessions } = setup();
      const { peer, session } = connect();
      const token = auth('alice');
      session.handle(token);
      await settle();
      revocations.hear({ sessionIds: ['s-alice'], reason: 'logged_out_everywhere' });
      session.handle(token);
      expect(peer.lines).to.deep.equal(['authenticated alice', 'revoked logged_out_everywhere', 'error SESSION_REVOKED']);
      expect(loginSessions.asked).to.have.length(1);
    });

    it('a revocation lost on the way is found by the next check of the store, with its reason', async () => {
      const { connect, auth, loginSessions, sessionStates, clock } = setup();
      const { peer, session } = connect();
      session.handle(auth('alice'));
      await settle();
      // Ended on another node; the broadcast never came.
      await loginSessions.end(1, ['s-alice'], clock.now(), 'password_changed');
      expect(peer.lines).to.deep.equal(['authenticated alice']);
      await sessionStates.recheck();
      expect(peer.lines).to.deep.equal(['authenticated alice', 'revoked password_changed']);
    });

    it('a connection closed while its auth waits for the store is not authorized afterwards and holds no timer', async () => {
      const { connect, auth, post, sessions, clock, store } = setup();
      const { peer, session } = connect();
      session.handle(auth('alice'));
      session.handle(post('alice', 'never'));
      sessions.close(session);
      await settle();
      expect(peer.lines).to.deep.equal([]);
      expect(store.all()).to.deep.equal([]);
      expect(clock.pending).to.equal(0);
    });
  });
});
