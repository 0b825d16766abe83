import { expect } from 'chai';
import { settle, setup } from '../support/session-harness.js';

/** Editing and deleting one's messages, as a chat session applies the rules. */
describe('Edits and deletions in a chat session', () => {
  function withUsers() {
    const harness = setup();
    const as = (username: string) => {
      const client = harness.connect();
      client.session.handle(harness.auth(username));
      // A client of the extensions, as the web client is from its first frame.
      client.session.handle({ kind: 'history', room: 'general', limit: 1 });
      return client;
    };
    return { ...harness, as };
  }

  it('lets the author edit a message: everyone of the extensions sees the change, and history shows the new text, marked', async () => {
    const { as, post, connect, store } = withUsers();
    const alice = as('alice');
    const bob = as('bob');
    const original = connect();
    alice.session.handle(post('alice', 'teh plan'));
    await settle();
    alice.session.handle({ kind: 'edit', room: 'general', id: 1, text: 'the plan', clientId: 'e-1' });
    await settle();
    for (const client of [alice, bob]) expect(client.peer.idsOf('general')).to.deep.equal([1, 2]);
    expect(original.peer.idsOf('general'), 'the original protocol has no frame for a change').to.deep.equal([1]);
    const [message, edit] = store.all();
    expect(message).to.include({ text: 'the plan' });
    expect(message?.editedAt).to.be.instanceOf(Date);
    expect(edit).to.deep.include({ change: { kind: 'edit', target: 1 }, text: 'the plan', clientId: 'e-1' });
    const page = await store.page({ room: 'general', limit: 10 });
    expect(page.map(({ id, text }) => [id, text])).to.deep.equal([[1, 'the plan']]);
  });

  it("lets the author delete a message: its text, and its edits' texts, are gone", async () => {
    const { as, post, store } = withUsers();
    const alice = as('alice');
    alice.session.handle(post('alice', 'secret'));
    await settle();
    alice.session.handle({ kind: 'edit', room: 'general', id: 1, text: 'still secret', clientId: undefined });
    alice.session.handle({ kind: 'delete', room: 'general', id: 1, clientId: undefined });
    await settle();
    expect(store.all().map(({ text }) => text)).to.deep.equal(['', '', '']);
    expect(store.all()[0]?.deletedAt).to.be.instanceOf(Date);
    expect(alice.peer.idsOf('general')).to.deep.equal([1, 2, 3]);
  });

  it('refuses anyone but the author, storing nothing', async () => {
    const { as, post, store } = withUsers();
    const alice = as('alice');
    const bob = as('bob');
    alice.session.handle(post('alice', 'mine'));
    await settle();
    bob.session.handle({ kind: 'edit', room: 'general', id: 1, text: 'yours now', clientId: 'c-1' });
    bob.session.handle({ kind: 'delete', room: 'general', id: 1, clientId: undefined });
    await settle();
    expect(bob.peer.lines.filter((line) => line.startsWith('error'))).to.deep.equal(['error NOT_THE_AUTHOR general c-1', 'error NOT_THE_AUTHOR general']);
    expect(store.all()).to.have.length(1);
  });

  it("lets an administrator delete anyone's message, but not edit it", async () => {
    const { as, post, store, users } = withUsers();
    const alice = as('alice');
    const admin = as('root');
    await users.setRole((await users.findByUsername('root'))!.id, 'administrator');
    alice.session.handle(post('alice', 'spam'));
    await settle();
    admin.session.handle({ kind: 'edit', room: 'general', id: 1, text: 'fixed', clientId: undefined });
    admin.session.handle({ kind: 'delete', room: 'general', id: 1, clientId: undefined });
    await settle();
    expect(admin.peer.lines.filter((line) => line.startsWith('error'))).to.deep.equal(['error NOT_THE_AUTHOR general']);
    expect(store.all()[0]?.deletedAt).to.be.instanceOf(Date);
  });

  it('refuses a message that is not there: unknown, in another room, deleted, or a change', async () => {
    const { as, post, seed } = withUsers();
    await seed('dev', 0);
    const alice = as('alice');
    alice.session.handle({ kind: 'join', room: 'dev', after: undefined });
    alice.session.handle(post('alice', 'one'));
    await settle();
    alice.session.handle({ kind: 'edit', room: 'general', id: 1, text: 'one!', clientId: undefined });
    await settle();
    alice.session.handle({ kind: 'delete', room: 'general', id: 1, clientId: undefined });
    await settle();
    for (const [room, id] of [
      ['general', 99],
      ['dev', 1],
      ['general', 1],
      ['general', 2],
    ] as const) {
      alice.session.handle({ kind: 'edit', room, id, text: 'again', clientId: undefined });
      await settle();
      expect(alice.peer.lines.at(-1), `${room} ${id}`).to.equal(`error UNKNOWN_MESSAGE ${room}`);
    }
  });

  it('answers a repeated client id with the stored change, to the sender alone', async () => {
    const { as, post, store } = withUsers();
    const alice = as('alice');
    alice.session.handle(post('alice', 'one'));
    await settle();
    alice.session.handle({ kind: 'edit', room: 'general', id: 1, text: 'uno', clientId: 'e-1' });
    alice.session.handle({ kind: 'edit', room: 'general', id: 1, text: 'uno', clientId: 'e-1' });
    await settle();
    expect(alice.peer.lines.slice(-2)).to.deep.equal(['messages 2', 'duplicate 2']);
    expect(store.all()).to.have.length(2);
  });

  it('sends a client resuming from a cursor every change after it, in id order', async () => {
    const { as, post, connect } = withUsers();
    const alice = as('alice');
    alice.session.handle(post('alice', 'one'));
    alice.session.handle(post('alice', 'two'));
    await settle();
    alice.session.handle({ kind: 'edit', room: 'general', id: 1, text: 'uno', clientId: undefined });
    alice.session.handle({ kind: 'delete', room: 'general', id: 2, clientId: undefined });
    await settle();
    const back = connect();
    back.session.resume(2);
    await settle();
    const page = back.peer.replies.find((reply) => reply.kind === 'catchup');
    expect(page?.kind === 'catchup' && page.messages.map(({ id, change }) => [id, change?.kind, change?.target])).to.deep.equal([
      [3, 'edit', 1],
      [4, 'delete', 2],
    ]);
  });

  it('needs membership of the room, as posting does', async () => {
    const { as, post, seed } = withUsers();
    await seed('dev', 0);
    const alice = as('alice');
    alice.session.handle({ kind: 'join', room: 'dev', after: undefined });
    alice.session.handle(post('alice', 'in dev', 'dev'));
    await settle();
    alice.session.handle({ kind: 'leave', room: 'dev' });
    alice.session.handle({ kind: 'delete', room: 'dev', id: 1, clientId: undefined });
    await settle();
    expect(alice.peer.lines.at(-1)).to.equal('error NOT_A_MEMBER dev');
  });
});
