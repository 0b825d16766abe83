import { expect } from 'chai';
import { describeWebClient } from './browser-suite.js';
import type { ChatPage } from './chat-page.js';

/** The message on screen whose text is `text`. */
const messageWith = (page: ChatPage, text: string) => page.page.locator('#messages .message[data-id]', { has: page.page.locator('.text', { hasText: text }) });

async function edit(page: ChatPage, text: string, newText: string): Promise<void> {
  const message = messageWith(page, text);
  await message.hover();
  await message.locator('.msg-edit').click();
  const field = message.locator('.editor-input');
  expect(await field.inputValue()).to.equal(text);
  await field.fill(newText);
  await field.press('Enter');
  await page.waitForText(newText);
}

async function remove(page: ChatPage, text: string): Promise<void> {
  const message = messageWith(page, text);
  await message.hover();
  await message.locator('.msg-delete').click();
  await page.page.waitForSelector('#confirm[open]');
  await page.page.click('#confirm-ok');
}

/** What the page shows of each message: its text (or the tombstone's words) and whether it is marked edited. */
async function shownWithMarks(page: ChatPage): Promise<Array<{ id: number; text: string; edited: boolean; deleted: boolean }>> {
  return page.mapAll(
    '#messages .message[data-id]',
    `(node) => ({ id: Number(node.dataset.id), text: node.querySelector('.text').textContent, edited: node.querySelector('.edited-mark') !== null, deleted: node.classList.contains('deleted') })`,
  );
}

describeWebClient('web client: editing and deleting messages', {}, ({ open, signedIn, server }) => {
  it("edits and deletes one's own message, seen in place by another page; others' messages offer neither", async () => {
    const alice = await signedIn('alice', 'dev');
    const bob = await signedIn('bob', 'dev');
    await alice.post('deploy done on staging');
    await alice.post('second thought');
    await bob.waitForText('second thought');
    await bob.post('from bob');
    await alice.waitForText('from bob');

    // Not bob's to change: no button is there to reach.
    const aliceOnBob = messageWith(bob, 'deploy done on staging');
    await aliceOnBob.hover();
    expect(await aliceOnBob.locator('.msg-edit').isVisible()).to.equal(false);
    expect(await aliceOnBob.locator('.msg-delete').isVisible()).to.equal(false);

    const before = await alice.shownIds();
    await edit(alice, 'deploy done on staging', 'deploy done on staging (2.4)');
    await bob.waitForText('deploy done on staging (2.4)');
    await bob.page.waitForSelector('#messages .message .edited-mark');
    expect(await alice.shownIds(), 'changed in place, not drawn again').to.deep.equal(before);
    expect(await bob.shownIds()).to.deep.equal(before);
    expect(await alice.page.evaluate('document.activeElement?.dataset?.id')).to.equal(String(before[0]));

    await remove(alice, 'second thought');
    await bob.page.waitForSelector('#messages .message.deleted');
    for (const page of [alice, bob]) {
      expect(await shownWithMarks(page)).to.deep.equal([
        { id: before[0], text: 'deploy done on staging (2.4)', edited: true, deleted: false },
        { id: before[1], text: 'This message was deleted.', edited: false, deleted: true },
        { id: before[2], text: 'from bob', edited: false, deleted: false },
      ]);
    }
    // The text is gone from the server, not hidden.
    const row = await server().db('messages').where({ id: before[1] }).first('text', 'deleted_at');
    expect(row.text).to.equal('');
    expect(row.deleted_at).to.not.equal(null);

    // A page loaded now reads the messages as they are.
    await bob.page.reload();
    await bob.waitForState('authorized');
    await bob.page.waitForSelector('#messages[data-room="dev"] .message.deleted');
    expect(await shownWithMarks(bob)).to.deep.equal(await shownWithMarks(alice));
    for (const page of [alice, bob]) expect((await page.stats()).duplicates).to.equal(0);
  });

  it("lets an administrator delete someone else's message, and only delete it", async () => {
    const bob = await signedIn('bob', 'dev');
    await bob.post('something regrettable');
    await bob.waitForNoPending();
    await server().register('root');
    await server().db('users').where({ username: 'root' }).update({ role: 'administrator' });
    const root = await open();
    await root.login('root');
    await root.page.waitForSelector('body.administrator');
    await root.joinRoom('dev');
    await root.waitForText('something regrettable');

    const message = messageWith(root, 'something regrettable');
    await message.hover();
    expect(await message.locator('.msg-edit').isVisible()).to.equal(false);
    await remove(root, 'something regrettable');
    await bob.page.waitForSelector('#messages .message.deleted');
    await root.page.waitForSelector('#messages .message.deleted');
    expect((await shownWithMarks(bob)).map((m) => m.text)).to.deep.equal(['This message was deleted.']);
  });

  // general resumes through the URL (?after=), every other room with a join frame.
  for (const room of ['dev', 'general']) {
    it(`applies an edit and a deletion made in ${room} while the page was away in place, from the catch-up after the reconnect`, async () => {
      const alice = await signedIn('alice', room === 'general' ? undefined : room);
      const bob = await signedIn('bob', room === 'general' ? undefined : room);
      await bob.post('first words');
      await bob.post('to be taken back');
      await alice.waitForText('to be taken back');
      const before = await alice.shownIds();

      await alice.goOffline();
      await alice.waitForState('disconnected');
      await edit(bob, 'first words', 'better words');
      await remove(bob, 'to be taken back');
      await bob.page.waitForSelector('#messages .message.deleted');
      await bob.post('after the edit');
      await bob.waitForNoPending();

      await alice.goOnline();
      await alice.waitForState('authorized');
      await alice.waitForText('after the edit');
      const shown = await shownWithMarks(alice);
      expect(
        shown.map((m) => m.id),
        'the changes are not drawn as messages',
      ).to.deep.equal([...before, shown[2]!.id]);
      expect(shown.map(({ text, edited, deleted }) => ({ text, edited, deleted }))).to.deep.equal([
        { text: 'better words', edited: true, deleted: false },
        { text: 'This message was deleted.', edited: false, deleted: true },
        { text: 'after the edit', edited: false, deleted: false },
      ]);
      const stats = await alice.stats();
      expect(stats.duplicates).to.equal(0);
      expect(stats.outOfOrder).to.equal(0);
    });
  }

  it('edits with the keyboard: Escape cancels, an empty text is refused beside the field', async () => {
    const alice = await signedIn('alice');
    await alice.post('typo in here');
    await alice.waitForNoPending();
    const message = messageWith(alice, 'typo in here');
    await message.locator('.msg-edit').focus();
    await alice.page.keyboard.press('Enter');
    expect(await alice.page.evaluate('document.activeElement?.classList.contains("editor-input")')).to.equal(true);
    await alice.page.keyboard.press('Escape');
    expect(await message.locator('.editor').count()).to.equal(0);
    expect(await alice.page.evaluate('document.activeElement?.classList.contains("message")')).to.equal(true);

    await message.locator('.msg-edit').focus();
    await alice.page.keyboard.press('Enter');
    await alice.page.keyboard.press('ControlOrMeta+a');
    await alice.page.keyboard.press('Backspace');
    await alice.page.keyboard.press('Enter');
    await alice.page.waitForSelector('.editor-input[aria-invalid="true"]');
    expect(await message.locator('.editor .field-error').textContent()).to.contain('Type the new text');
    await alice.page.keyboard.type('no typo in here');
    await alice.page.keyboard.press('Enter');
    await alice.waitForText('no typo in here');
  });
});
