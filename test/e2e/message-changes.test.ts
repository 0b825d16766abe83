import { expect } from 'chai';
import { describeOnEachDatabase } from '../support/each-database.js';
import type { Frame, TestClient } from '../support/ws-client.js';

/** The next frame of `type`, skipping others (presence...); an error frame is returned whatever the type asked. */
async function frameOf(client: TestClient, type: string): Promise<Frame> {
  for (;;) {
    const frame = await client.next(5000);
    if (frame.type === type || frame.type === 'error') return frame;
  }
}

describeOnEachDatabase("Editing and deleting one's messages", {}, (server) => {
  /** An authorized connection of the extensions (a typed frame first). */
  async function userOn(username: string): Promise<TestClient> {
    const client = await server().connectAs(username);
    client.sendJson({ type: 'history', room: 'general', limit: 1 });
    await frameOf(client, 'history');
    return client;
  }

  async function say(client: TestClient, message: string): Promise<number> {
    client.sendJson({ type: 'message', message });
    return (await frameOf(client, 'message')).id as number;
  }

  it('broadcasts an edit, shows the message as it is now in history, and an original client sees only messages', async () => {
    const alice = await userOn('alice');
    const original = await server().connect();
    const id = await say(alice, 'teh plan');
    expect((await original.next()).id).to.equal(id);
    alice.sendJson({ type: 'edit', id, message: 'the plan', clientId: 'e-1' });
    const edited = await frameOf(alice, 'edited');
    expect(Object.keys(edited)).to.deep.equal(['type', 'room', 'id', 'target', 'username', 'message', 'createdAt', 'clientId']);
    expect(edited).to.include({ room: 'general', id: id + 1, target: id, username: 'alice', message: 'the plan', clientId: 'e-1' });
    await original.expectNothing(200);

    alice.sendJson({ type: 'history', room: 'general' });
    const page = await frameOf(alice, 'history');
    expect(page.messages).to.have.length(1);
    expect(page.messages![0]).to.include({ id, message: 'the plan', editedAt: edited.createdAt });
    original.send('nobody', 'history 5');
    expect((await original.next()).messages).to.deep.equal([{ id, username: 'alice', message: 'the plan', createdAt: page.messages![0]!.createdAt }]);
  });

  it("deletes a message: its text and its edits' texts are gone from the database, history shows a tombstone", async () => {
    const alice = await userOn('alice');
    const id = await say(alice, 'a secret');
    alice.sendJson({ type: 'edit', id, message: 'still a secret' });
    await frameOf(alice, 'edited');
    alice.sendJson({ type: 'delete', id });
    const deleted = await frameOf(alice, 'deleted');
    expect(deleted).to.include({ room: 'general', target: id, username: 'alice' });
    expect(deleted).to.not.have.property('message');
    const texts = await server().db('messages').select('text');
    expect(texts.map((row: { text: string }) => row.text)).to.deep.equal(['', '', '']);

    alice.sendJson({ type: 'history', room: 'general' });
    const tombstone = (await frameOf(alice, 'history')).messages![0] as Record<string, unknown>;
    expect(tombstone).to.include({ id, username: 'alice', deleted: true });
    expect(tombstone).to.not.have.property('message');
    const original = await server().connect();
    original.send('nobody', 'history 5');
    expect((await original.next()).messages, 'the original protocol: a deleted message is not there').to.deep.equal([]);
    alice.sendJson({ type: 'search', query: 'secret' });
    expect((await frameOf(alice, 'search')).results).to.deep.equal([]);
  });

  it("refuses an edit of someone else's message, and lets an administrator delete it", async () => {
    const alice = await userOn('alice');
    const id = await say(alice, 'spam spam');
    const bob = await userOn('bob');
    bob.sendJson({ type: 'edit', id, message: 'mine now', clientId: 'c-9' });
    expect(await frameOf(bob, 'error')).to.include({ code: 'NOT_THE_AUTHOR', clientId: 'c-9' });
    await server().db('users').whereRaw('lower(username) = ?', ['bob']).update({ role: 'administrator' });
    bob.sendJson({ type: 'delete', id });
    expect(await frameOf(bob, 'deleted')).to.include({ target: id, username: 'bob' });
  });

  it('tells a client resuming from a cursor every change after it', async () => {
    const alice = await userOn('alice');
    const first = await say(alice, 'one');
    const second = await say(alice, 'two');
    alice.sendJson({ type: 'edit', id: first, message: 'uno' });
    await frameOf(alice, 'edited');
    alice.sendJson({ type: 'delete', id: second });
    await frameOf(alice, 'deleted');
    const back = await server().connect(`/ws?after=${second}`);
    await frameOf(back, 'joined');
    const page = await frameOf(back, 'catchup');
    expect(page.messages!.map((m) => [m.id, (m as Record<string, unknown>).change, (m as Record<string, unknown>).target])).to.deep.equal([
      [second + 1, 'edit', first],
      [second + 2, 'delete', second],
    ]);
  });
});
