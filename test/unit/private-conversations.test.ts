import { expect } from 'chai';
import { settle, setup } from '../support/session-harness.js';

/** Private rooms, direct conversations, lists, read markers and search, as a chat session applies their rules. */
describe('Private conversations in a chat session', () => {
  async function withUsers(...names: string[]) {
    const harness = setup();
    await harness.register(...names);
    const as = (username: string) => {
      const client = harness.connect();
      client.session.handle(harness.auth(username));
      // A client of the extensions: what the web client is from its first frame.
      client.session.handle({ kind: 'conversations' });
      return client;
    };
    return { ...harness, as };
  }

  /** Creates a private room as `owner` on `client` and returns its name. */
  async function create(client: ReturnType<Awaited<ReturnType<typeof withUsers>>['as']>, title = 'Plans'): Promise<string> {
    client.session.handle({ kind: 'create', title });
    await settle();
    const created = client.peer.replies.find((reply) => reply.kind === 'created');
    if (created?.kind !== 'created') throw new Error(`not created: ${client.peer.lines.join(' | ')}`);
    return created.room;
  }

  describe('private rooms', () => {
    it("creates one with a name of the server's, the creator its owner and in it", async () => {
      const { as } = await withUsers('alice');
      const alice = as('alice');
      const room = await create(alice);
      expect(room).to.match(/^p-/);
      expect(alice.peer.lines.slice(-2)).to.deep.equal([`created ${room} Plans`, `joined ${room}`]);
      alice.session.handle({ kind: 'members', room });
      await settle();
      expect(alice.peer.lines.at(-1)).to.equal(`members ${room} alice:owner`);
    });

    it('needs a user, and a title', async () => {
      const { connect, as } = await withUsers('alice');
      const anonymous = connect();
      anonymous.session.handle({ kind: 'create', title: 'Plans' });
      const alice = as('alice');
      alice.session.handle({ kind: 'create', title: '   ' });
      await settle();
      expect(anonymous.peer.lines).to.deep.equal(['error NOT_AUTHENTICATED']);
      expect(alice.peer.lines.at(-1)).to.equal('error INVALID_TITLE');
    });

    it('is closed to anyone who is not a member, with the answer a name nobody uses gets', async () => {
      const { as, connect, post } = await withUsers('alice', 'mallory');
      const room = await create(as('alice'));
      const mallory = as('mallory');
      const anonymous = connect();
      for (const client of [mallory, anonymous]) {
        client.session.handle({ kind: 'join', room, after: 0 });
        client.session.handle({ kind: 'history', room, limit: 10 });
        client.session.handle({ kind: 'presence', room });
        client.session.handle({ kind: 'members', room });
      }
      mallory.session.handle(post('mallory', 'let me in', room));
      await settle();
      // Each answers on its own time: the set of answers is the point.
      const refusals = (lines: string[]) => lines.filter((line) => line.startsWith('error')).sort();
      expect(refusals(mallory.peer.lines)).to.deep.equal([
        `error NOT_A_MEMBER ${room}`,
        `error UNKNOWN_ROOM ${room}`,
        `error UNKNOWN_ROOM ${room}`,
        `error UNKNOWN_ROOM ${room}`,
        `error UNKNOWN_ROOM ${room}`,
      ]);
      expect(refusals(anonymous.peer.lines)).to.deep.equal([
        `error NOT_AUTHENTICATED ${room}`,
        `error UNKNOWN_ROOM ${room}`,
        `error UNKNOWN_ROOM ${room}`,
        `error UNKNOWN_ROOM ${room}`,
      ]);
    });

    it("lets an owner invite: the invited user's connections are told, and may then join and read", async () => {
      const { as, post } = await withUsers('alice', 'bob');
      const alice = as('alice');
      const room = await create(alice);
      alice.session.handle(post('alice', 'before bob', room));
      const bob = as('bob');
      await settle();
      alice.session.handle({ kind: 'invite', room, username: 'BOB' });
      await settle();
      expect(alice.peer.lines.at(-1)).to.equal(`invited ${room} bob`);
      expect(bob.peer.lines.at(-1)).to.equal(`added ${room}`);
      bob.session.handle({ kind: 'join', room, after: 0 });
      await settle();
      expect(bob.peer.idsOf(room)).to.deep.equal([1]);
    });

    it('lets a member neither invite, nor remove another, nor promote', async () => {
      const { as, members } = await withUsers('alice', 'bob', 'carol');
      const alice = as('alice');
      const room = await create(alice);
      await members.add(room, 'bob', 'member');
      const bob = as('bob');
      bob.session.handle({ kind: 'invite', room, username: 'carol' });
      bob.session.handle({ kind: 'remove', room, username: 'alice' });
      bob.session.handle({ kind: 'promote', room, username: 'bob' });
      await settle();
      expect(bob.peer.lines.filter((line) => line.startsWith('error'))).to.deep.equal(Array(3).fill(`error NOT_AN_OWNER ${room}`));
      expect(await members.members(room)).to.deep.equal([
        { username: 'alice', role: 'owner' },
        { username: 'bob', role: 'member' },
      ]);
    });

    it('refuses to invite a user that does not exist', async () => {
      const { as } = await withUsers('alice');
      const alice = as('alice');
      const room = await create(alice);
      alice.session.handle({ kind: 'invite', room, username: 'nobody' });
      await settle();
      expect(alice.peer.lines.at(-1)).to.equal(`error UNKNOWN_USER ${room}`);
    });

    it('removes a member at once: out of the room on every connection, nothing more of it, told why', async () => {
      const { as, post, members } = await withUsers('alice', 'bob');
      const alice = as('alice');
      const room = await create(alice);
      await members.add(room, 'bob', 'member');
      const phone = as('bob');
      const laptop = as('bob');
      for (const client of [phone, laptop]) client.session.handle({ kind: 'join', room, after: undefined });
      await settle();
      alice.session.handle({ kind: 'remove', room, username: 'bob' });
      await settle();
      alice.session.handle(post('alice', 'bob is gone', room));
      await settle();
      for (const client of [phone, laptop]) {
        expect(client.peer.lines.at(-1)).to.equal(`removed ${room} bob`);
        expect(client.peer.idsOf(room)).to.deep.equal([]);
      }
      expect(alice.peer.lines).to.include(`removed ${room} bob`);
      phone.session.handle(post('bob', 'still here?', room));
      phone.session.handle({ kind: 'history', room, limit: 5 });
      await settle();
      expect(phone.peer.lines.slice(-2)).to.deep.equal([`error NOT_A_MEMBER ${room}`, `error UNKNOWN_ROOM ${room}`]);
    });

    it('lets a member leave for good by removing itself; the last owner leaving makes the earliest member owner', async () => {
      const { as, members } = await withUsers('alice', 'bob');
      const alice = as('alice');
      const room = await create(alice);
      alice.session.handle({ kind: 'invite', room, username: 'bob' });
      await settle();
      alice.session.handle({ kind: 'remove', room, username: 'alice' });
      await settle();
      expect(alice.peer.lines.filter((line) => line.startsWith('removed'))).to.deep.equal([`removed ${room} alice`]);
      expect(await members.members(room)).to.deep.equal([{ username: 'bob', role: 'owner' }]);
    });

    it("tells the creator's other connections of the new room, as it tells an invited user", async () => {
      const { as } = await withUsers('alice');
      const laptop = as('alice');
      const phone = as('alice');
      const room = await create(laptop);
      expect(phone.peer.lines).to.include(`added ${room}`);
    });

    it('answers a user removing itself from a public room it does not belong to, which changes nothing; general it cannot leave for good', async () => {
      const { as, post } = await withUsers('alice', 'bob');
      const alice = as('alice');
      alice.session.handle({ kind: 'join', room: 'dev', after: 0 });
      alice.session.handle(post('alice', 'hi', 'dev'));
      const bob = as('bob');
      await settle();
      bob.session.handle({ kind: 'remove', room: 'dev', username: 'bob' });
      bob.session.handle({ kind: 'remove', room: 'general', username: 'bob' });
      await settle();
      expect(bob.peer.lines.slice(-2)).to.deep.equal(['removed dev bob', 'error INVALID_COMMAND general']);
    });

    it('lets an owner make an owner', async () => {
      const { as, members } = await withUsers('alice', 'bob');
      const alice = as('alice');
      const room = await create(alice);
      alice.session.handle({ kind: 'invite', room, username: 'bob' });
      alice.session.handle({ kind: 'promote', room, username: 'bob' });
      await settle();
      expect(alice.peer.lines.at(-1)).to.equal(`promoted ${room} bob`);
      expect(await members.roleOf(room, 'bob')).to.equal('owner');
    });
  });

  describe('direct conversations', () => {
    it("opens one per pair, whoever asks first; both users' connections are in it", async () => {
      const { as, post } = await withUsers('alice', 'bob');
      const alice = as('alice');
      const bob = as('bob');
      await settle();
      alice.session.handle({ kind: 'direct', username: 'Bob' });
      await settle();
      const opened = alice.peer.replies.find((reply) => reply.kind === 'direct');
      const room = opened?.kind === 'direct' ? opened.room : '';
      expect(room).to.match(/^d-/);
      expect(bob.peer.lines).to.include(`added ${room}`);
      bob.session.handle({ kind: 'direct', username: 'alice' });
      await settle();
      expect(bob.peer.lines).to.include(`direct ${room} alice`);
      alice.session.handle(post('alice', 'psst', room));
      await settle();
      expect(bob.peer.idsOf(room)).to.deep.equal([1]);
      expect(alice.peer.idsOf(room)).to.deep.equal([1]);
    });

    it("puts the opener's other connections in it too", async () => {
      const { as, post } = await withUsers('alice', 'bob');
      const laptop = as('alice');
      const phone = as('alice');
      await settle();
      laptop.session.handle({ kind: 'direct', username: 'bob' });
      await settle();
      const opened = laptop.peer.replies.find((reply) => reply.kind === 'direct');
      const room = opened?.kind === 'direct' ? opened.room : '';
      expect(phone.peer.lines).to.include(`added ${room}`);
      laptop.session.handle(post('alice', 'from the laptop', room));
      await settle();
      expect(phone.peer.idsOf(room)).to.deep.equal([1]);
    });

    it('brings back both users when it is opened again after one of them left it', async () => {
      const { as, post, members } = await withUsers('alice', 'bob');
      const alice = as('alice');
      const bob = as('bob');
      await settle();
      alice.session.handle({ kind: 'direct', username: 'bob' });
      await settle();
      const opened = alice.peer.replies.find((reply) => reply.kind === 'direct');
      const room = opened?.kind === 'direct' ? opened.room : '';
      bob.session.handle({ kind: 'remove', room, username: 'bob' });
      await settle();
      expect(bob.peer.lines.at(-1)).to.equal(`removed ${room} bob`);
      alice.session.handle({ kind: 'direct', username: 'bob' });
      await settle();
      expect(await members.roleOf(room, 'bob')).to.equal('member');
      expect(bob.peer.lines.filter((line) => line === `added ${room}`)).to.have.length(2);
      alice.session.handle(post('alice', 'still there?', room));
      await settle();
      expect(bob.peer.idsOf(room)).to.deep.equal([1]);
    });

    it("puts a connection in its user's direct conversations when it logs in", async () => {
      const { as, post, rooms } = await withUsers('alice', 'bob');
      const { room } = await rooms.openDirect('alice', 'bob');
      const bob = as('bob');
      await settle();
      const alice = as('alice');
      await settle();
      alice.session.handle(post('alice', 'hello', room));
      await settle();
      expect(bob.peer.idsOf(room)).to.deep.equal([1]);
    });

    it('never puts a client of the original protocol in one, nor tells it of one', async () => {
      const { as, connect, auth, post, rooms } = await withUsers('alice', 'bob');
      const { room } = await rooms.openDirect('alice', 'bob');
      const original = connect();
      original.session.handle(auth('bob'));
      await settle();
      const alice = as('alice');
      alice.session.handle({ kind: 'direct', username: 'bob' });
      alice.session.handle(post('alice', 'hello', room));
      await settle();
      expect(original.peer.lines).to.deep.equal(['authenticated bob']);
    });

    it('is with another existing user', async () => {
      const { as } = await withUsers('alice');
      const alice = as('alice');
      alice.session.handle({ kind: 'direct', username: 'alice' });
      alice.session.handle({ kind: 'direct', username: 'nobody' });
      await settle();
      expect(alice.peer.lines.slice(-2)).to.deep.equal(['error INVALID_COMMAND', 'error UNKNOWN_USER']);
    });

    it('lets nobody else in', async () => {
      const { as, rooms } = await withUsers('alice', 'bob', 'carol');
      const { room } = await rooms.openDirect('alice', 'bob');
      const carol = as('carol');
      carol.session.handle({ kind: 'join', room, after: 0 });
      carol.session.handle({ kind: 'invite', room, username: 'carol' });
      await settle();
      expect(carol.peer.lines.slice(-2)).to.deep.equal([`error UNKNOWN_ROOM ${room}`, `error UNKNOWN_ROOM ${room}`]);
    });
  });

  describe('the conversation list and read markers', () => {
    it('lists general, joined public rooms, private rooms and direct conversations, with what is unread', async () => {
      const { as, post, rooms } = await withUsers('alice', 'bob');
      const bob = as('bob');
      bob.session.handle({ kind: 'join', room: 'dev', after: undefined });
      await settle();
      bob.session.handle(post('bob', 'one', 'dev'));
      bob.session.handle(post('bob', 'two', 'dev'));
      await rooms.openDirect('alice', 'bob');
      const alice = as('alice');
      alice.session.handle({ kind: 'join', room: 'dev', after: undefined });
      await settle();
      alice.session.handle({ kind: 'conversations' });
      await settle();
      const list = alice.peer.replies.filter((reply) => reply.kind === 'conversations').at(-1);
      expect(list?.kind === 'conversations' && list.conversations.map(({ room, kind, unread }) => [room, kind, unread])).to.deep.equal([
        ['dev', 'public', 2],
        [list?.kind === 'conversations' ? (list.conversations[1]?.room as string) : '', 'direct', 0],
        ['general', 'public', 0],
      ]);
    });

    it('moves a read marker forward only, and tells every connection of the user', async () => {
      const { as, post } = await withUsers('alice', 'bob');
      const bob = as('bob');
      for (let i = 0; i < 3; i++) bob.session.handle(post('bob', `m${i}`));
      const phone = as('alice');
      const laptop = as('alice');
      await settle();
      phone.session.handle({ kind: 'read', room: 'general', id: 2 });
      await settle();
      laptop.session.handle({ kind: 'read', room: 'general', id: 1 });
      await settle();
      for (const client of [phone, laptop])
        expect(client.peer.lines.filter((line) => line.startsWith('read'))).to.deep.equal(['read general 2', 'read general 2']);
      laptop.session.handle({ kind: 'conversations' });
      await settle();
      expect(laptop.peer.lines.at(-1)).to.equal('conversations general:1');
    });

    it('marks only rooms the user may read', async () => {
      const { as, rooms } = await withUsers('alice', 'bob');
      const room = await rooms.createPrivate('Plans', 'bob');
      const alice = as('alice');
      alice.session.handle({ kind: 'read', room, id: 5 });
      await settle();
      expect(alice.peer.lines.at(-1)).to.equal(`error UNKNOWN_ROOM ${room}`);
    });
  });

  describe('search', () => {
    it('finds every word, as a word or the start of one, newest first, in pages', async () => {
      const { as, post } = await withUsers('alice');
      const alice = as('alice');
      for (const text of ['deploy done on staging', 'lunch?', 'deploys to staging failed', 'Staging deployment fixed'])
        alice.session.handle(post('alice', text));
      await settle();
      alice.session.handle({ kind: 'search', query: 'STAGING deploy', before: undefined, limit: 2 });
      alice.session.handle({ kind: 'search', query: 'staging deploy', before: 3, limit: 2 });
      await settle();
      expect(alice.peer.lines.slice(-2)).to.deep.equal(['search 4,3 more', 'search 1']);
    });

    it('never finds a message of a conversation the user cannot read now', async () => {
      const { as, post, rooms, members } = await withUsers('alice', 'bob', 'mallory');
      const room = await rooms.createPrivate('Secret', 'alice');
      const { room: direct } = await rooms.openDirect('alice', 'bob');
      await members.add(room, 'mallory', 'member');
      const alice = as('alice');
      alice.session.handle({ kind: 'join', room, after: undefined });
      await settle();
      alice.session.handle(post('alice', 'secret plan', room));
      alice.session.handle(post('alice', 'secret direct', direct));
      alice.session.handle(post('alice', 'public secret'));
      await settle();
      const mallory = as('mallory');
      mallory.session.handle({ kind: 'search', query: 'secret', before: undefined, limit: undefined });
      await settle();
      expect(mallory.peer.lines.at(-1)).to.equal('search 3,1');
      await members.remove(room, 'mallory');
      mallory.session.handle({ kind: 'search', query: 'secret', before: undefined, limit: undefined });
      await settle();
      expect(mallory.peer.lines.at(-1)).to.equal('search 3');
    });

    it('needs a user and a word', async () => {
      const { connect, as } = await withUsers('alice');
      const anonymous = connect();
      anonymous.session.handle({ kind: 'search', query: 'x', before: undefined, limit: undefined });
      const alice = as('alice');
      alice.session.handle({ kind: 'search', query: '!!!', before: undefined, limit: undefined });
      alice.session.handle({ kind: 'search', query: 'x', before: undefined, limit: 51 });
      await settle();
      expect(anonymous.peer.lines).to.deep.equal(['error NOT_AUTHENTICATED']);
      expect(alice.peer.lines.slice(-2)).to.deep.equal(['error INVALID_SEARCH', 'error INVALID_SEARCH']);
    });
  });

  describe('a text that starts with a command word, or holds a token', () => {
    it('posts a typed message as chat whatever it starts with', async () => {
      const { as, store } = await withUsers('alice');
      const alice = as('alice');
      alice.session.handle({ kind: 'post', username: '', text: 'Authentication is broken on staging', room: 'general', clientId: undefined, typed: true });
      await settle();
      expect(store.all().map(({ text, username }) => [username, text])).to.deep.equal([['alice', 'Authentication is broken on staging']]);
    });

    it('refuses a text that holds a token this server issued, in either form, storing nothing', async () => {
      const { as, post, store, tokens } = await withUsers('alice');
      const alice = as('alice');
      const token = tokens.issueFor('alice').token;
      alice.session.handle(post('alice', `auht ${token}`));
      alice.session.handle({ kind: 'post', username: '', text: `oops${token}oops`, room: 'general', clientId: 'c-1', typed: true });
      await settle();
      expect(alice.peer.lines.filter((line) => line.startsWith('error'))).to.deep.equal([
        'error TOKEN_IN_MESSAGE general',
        'error TOKEN_IN_MESSAGE general c-1',
      ]);
      expect(store.all()).to.deep.equal([]);
    });
  });

  describe('after an outage of the events between nodes', () => {
    it('takes a connection out of a private room it no longer belongs to, checking the store', async () => {
      const { as, members, events } = await withUsers('alice', 'bob');
      const alice = as('alice');
      const room = await create(alice);
      await members.add(room, 'bob', 'member');
      const bob = as('bob');
      bob.session.handle({ kind: 'join', room, after: undefined });
      await settle();
      // Removed on another node while this one could not hear it:
      await members.remove(room, 'bob');
      events.hear({ kind: 'resync' });
      await settle();
      expect(bob.peer.lines.at(-1)).to.equal(`removed ${room} bob`);
    });
  });
});
