import { expect } from 'chai';
import { eventually } from '../support/eventually.js';
import { describeWebClient } from './browser-suite.js';
import type { ChatPage } from './chat-page.js';

/** The refusals a test provokes on purpose are not the page's problems; any other one still is. */
function expectOnly(page: ChatPage, ...codes: string[]): void {
  const others = page.problems.splice(0).filter((problem) => !codes.some((code) => problem.includes(`"code":"${code}"`)));
  expect(others).to.deep.equal([]);
}

/** The label a room has in the list, and the words a screen reader hears for it. */
async function listed(page: ChatPage, room: string): Promise<{ label: string; kind: string; name: string }> {
  const item = page.page.locator(`.room[data-room="${room}"]`);
  return {
    label: (await item.locator('.room-label').textContent()) ?? '',
    kind: (await item.getAttribute('data-kind')) ?? '',
    name: ((await item.locator('.room-open').textContent()) ?? '').replace(/\s+/g, ' ').trim(),
  };
}

async function invite(page: ChatPage, username: string): Promise<void> {
  await page.page.fill('#invite-input', username);
  await page.page.click('#invite');
}

describeWebClient('web client: private rooms, direct conversations, unread counts', {}, ({ server, open, signedIn, storedIn, seed }) => {
  describe('private rooms', () => {
    it('lets alice create one and invite bob, who finds it in his list and reads it; to carol it does not exist', async () => {
      const alice = await signedIn('alice');
      const bob = await signedIn('bob');
      const carol = await signedIn('carol');

      const room = await alice.createRoom('Release planning');
      expect(room).to.match(/^p-[a-z0-9]{16}$/);
      expect(await listed(alice, room)).to.deep.include({ label: 'Release planning', kind: 'private' });
      // The lock is drawn; a screen reader hears the word.
      expect((await listed(alice, room)).name).to.contain('private');
      expect(await alice.page.textContent('#room-title')).to.contain('Release planning');
      // Next, most likely, an invitation: the members panel is open and its field has the focus.
      expect(await alice.focused()).to.equal('invite-input');
      await invite(alice, 'bob');
      await alice.page.waitForSelector('#members .member[data-user="bob"]');
      expect(await alice.page.textContent('#members-status')).to.contain('bob');
      await alice.post('The date is the 12th.');
      await alice.waitForNoPending();

      // bob was told (added): the room is in his list with what is unread in it, and he reads it.
      await bob.page.waitForSelector(`.room[data-room="${room}"] .unread:text("1")`);
      expect(await listed(bob, room)).to.deep.include({ label: 'Release planning', kind: 'private' });
      await bob.openRoom(room);
      await bob.waitForText('The date is the 12th.');
      await bob.post('Works for me.');
      await alice.waitForText('Works for me.');
      expect((await storedIn(room)).map((m) => [m.author, m.text])).to.deep.equal([
        ['alice', 'The date is the 12th.'],
        ['bob', 'Works for me.'],
      ]);

      // carol: not in her list, and an address to it opens nothing.
      expect(await carol.roomNames()).to.not.include(room);
      await carol.page.evaluate(`location.hash = "#/room/${room}"`);
      await carol.page.waitForSelector('#join-error:not([hidden])');
      expect(await carol.page.textContent('#join-error')).to.match(/does not exist/);
      expect(await carol.roomNames()).to.not.include(room);
      expect(await carol.shown()).to.deep.equal([]);
      expectOnly(carol, 'UNKNOWN_ROOM');
    });

    it('says in its own words why an invitation or a title is refused, beside its field', async () => {
      const alice = await signedIn('alice');
      const bob = await signedIn('bob');
      // A title checked before anything is sent.
      await alice.page.click('#create-details > summary');
      await alice.page.fill('#create-input', '   ');
      await alice.page.click('#create-room');
      expect(await alice.page.textContent('#create-error')).to.equal('Give the room a title.');
      expect(await alice.page.getAttribute('#create-input', 'aria-invalid')).to.equal('true');
      expect(await alice.focused()).to.equal('create-input');
      await alice.page.fill('#create-input', 'x'.repeat(65));
      await alice.page.click('#create-room');
      expect(await alice.page.textContent('#create-error')).to.equal('Titles are at most 64 characters long.');

      const room = await alice.createRoom('Plans');
      await invite(alice, 'nobody-here');
      await alice.page.waitForSelector('#invite-error:not([hidden])');
      expect(await alice.page.textContent('#invite-error')).to.equal('There is no user called “nobody-here”. Check the spelling.');
      expect(await alice.page.getAttribute('#invite-input', 'aria-invalid')).to.equal('true');
      expect(((await alice.page.getAttribute('#invite-input', 'aria-describedby')) ?? '').split(' ')).to.include('invite-error');
      expectOnly(alice, 'UNKNOWN_USER');
      await invite(alice, 'a');
      expect(await alice.page.textContent('#invite-error')).to.match(/at least 3 characters/);
      expect(alice.sent.filter((frame) => frame.type === 'invite').map((frame) => frame.username)).to.deep.equal(['nobody-here']);
      // Typing answers the error.
      await alice.page.fill('#invite-input', 'bo');
      expect(await alice.page.isHidden('#invite-error')).to.equal(true);

      // A member who is not an owner (whose page still offered the form) is refused by the server: said in words.
      await invite(alice, 'bob');
      await alice.page.waitForSelector('#members .member[data-user="bob"]');
      await bob.page.waitForSelector(`.room[data-room="${room}"]`, { state: 'attached' });
      await bob.openRoom(room);
      await bob.page.click('#members-toggle');
      await bob.page.waitForSelector('#members .member[data-user="alice"][data-role="owner"]');
      expect(await bob.page.isHidden('#invite-form'), 'no invitations from a member').to.equal(true);
      expect(await bob.page.isVisible('#members-note')).to.equal(true);
      await bob.page.evaluate('document.getElementById("invite-form").hidden = false');
      await invite(bob, 'alice');
      await bob.page.waitForSelector('#invite-error:not([hidden])');
      expect(await bob.page.textContent('#invite-error')).to.equal('Only an owner of Plans can invite, remove or make owners.');
      expectOnly(bob, 'NOT_AN_OWNER');
    });

    it('lets an owner make an owner and remove a member (with an undo), and a member leave for good after confirming', async () => {
      const alice = await signedIn('alice');
      const bob = await signedIn('bob');
      const carol = await signedIn('carol');
      const room = await alice.createRoom('Plans');
      await invite(alice, 'bob');
      await alice.page.waitForSelector('#members .member[data-user="bob"]');
      await invite(alice, 'carol');
      await alice.page.waitForSelector('#members .member[data-user="carol"]');
      for (const page of [bob, carol]) await page.page.waitForSelector(`.room[data-room="${room}"]`, { state: 'attached' });

      await alice.page.click('#members .member[data-user="bob"] button[data-action="promote"]');
      await alice.page.waitForSelector('#members .member[data-user="bob"][data-role="owner"]');
      expect(await alice.page.textContent('#members-status')).to.equal('bob is an owner now.');

      // carol is removed: out of her list at once, told so; the owner may undo.
      await alice.page.click('#members .member[data-user="carol"] button[data-action="remove"]');
      await alice.page.waitForSelector('#members .member[data-user="carol"]', { state: 'detached' });
      await carol.page.waitForSelector(`.room[data-room="${room}"]`, { state: 'detached' });
      await carol.page.waitForSelector('#toast:has-text("no longer a member of Plans")');
      await alice.page.waitForSelector('#toast:has-text("Removed carol")');
      await alice.page.click('#toast-action');
      await alice.page.waitForSelector('#members .member[data-user="carol"]');
      await carol.page.waitForSelector(`.room[data-room="${room}"]`, { state: 'attached' });

      // bob leaves for good; the page asks first, and "stay" keeps him in.
      await bob.openRoom(room);
      await bob.page.click(`.room[data-room="${room}"] .room-leave`);
      await bob.page.waitForSelector('#confirm[open]');
      expect(await bob.page.textContent('#confirm-title')).to.equal('Leave Plans?');
      await bob.page.click('#confirm-cancel');
      expect(await bob.roomNames()).to.include(room);
      await bob.page.click('#members-toggle');
      await bob.page.click('#leave-private');
      await bob.page.click('#confirm-ok');
      await bob.page.waitForSelector(`.room[data-room="${room}"]`, { state: 'detached' });
      expect(await bob.focused()).to.equal('room-title');
      await eventually(async () => (await server().db('room_members').where({ room, username: 'bob' })).length === 0, { what: 'bob out of the room' });
      // Gone on reconnect too: the server's list no longer has it.
      await bob.page.reload();
      await bob.waitForState('authorized');
      await bob.page.waitForSelector('#messages[data-loaded="true"]');
      expect(await bob.roomNames()).to.not.include(room);
      await alice.page.click('#members-close');
      await alice.page.click('#members-toggle');
      await alice.page.waitForSelector('#members .member[data-user="bob"]', { state: 'detached' });
    });
  });

  describe('direct conversations', () => {
    it('starts one from the list of who is here and one by name; each appears for both users', async () => {
      const alice = await signedIn('alice');
      const bob = await signedIn('bob');
      await alice.page.waitForSelector('#presence .user[data-user="bob"]');
      expect(await alice.page.isHidden('#presence .user[data-user="alice"] .user-direct'), 'not with oneself').to.equal(true);
      expect(await alice.page.getAttribute('#presence .user[data-user="bob"] .user-direct', 'aria-label')).to.equal('Message bob');

      await alice.page.click('#presence .user[data-user="bob"] .user-direct');
      await alice.page.waitForSelector('.room.current[data-kind="direct"]', { state: 'attached' });
      const direct = await alice.currentRoom();
      expect(direct).to.match(/^d-[a-z0-9]{16}$/);
      expect(await listed(alice, direct)).to.deep.include({ label: 'bob', kind: 'direct' });
      expect(await alice.focused(), 'on to writing').to.equal('message-input');
      await alice.post('psst');
      await alice.waitForNoPending();

      // bob's list has it, named after alice, with the message unread.
      await bob.page.waitForSelector(`.room[data-room="${direct}"] .unread:text("1")`);
      expect(await listed(bob, direct)).to.deep.include({ label: 'alice', kind: 'direct' });
      await bob.openRoom(direct);
      await bob.waitForText('psst');
      await bob.post('hi alice');
      await alice.waitForText('hi alice');

      // By name: carol writes to alice.
      const carol = await signedIn('carol');
      await carol.page.click('#direct-details > summary');
      await carol.page.fill('#direct-input', 'nobody-here');
      await carol.page.click('#direct-start');
      await carol.page.waitForSelector('#direct-error:not([hidden])');
      expect(await carol.page.textContent('#direct-error')).to.equal('There is no user called “nobody-here”. Check the spelling.');
      expectOnly(carol, 'UNKNOWN_USER');
      await carol.page.fill('#direct-input', 'Carol');
      await carol.page.click('#direct-start');
      expect(await carol.page.textContent('#direct-error')).to.equal('That is you. Type the name of someone else.');
      await carol.page.fill('#direct-input', 'ALICE');
      await carol.page.click('#direct-start');
      await carol.page.waitForSelector('.room.current[data-kind="direct"]', { state: 'attached' });
      const withAlice = await carol.currentRoom();
      expect(await listed(carol, withAlice)).to.deep.include({ label: 'alice', kind: 'direct' });
      expect(await carol.page.isHidden('#direct-form'), 'the form folds once done').to.equal(true);
      await alice.page.waitForSelector(`.room[data-room="${withAlice}"]`, { state: 'attached' });
      expect(await listed(alice, withAlice)).to.deep.include({ label: 'carol', kind: 'direct' });

      // Opening it again (from either side) finds the same conversation.
      await bob.page.click('#direct-details > summary');
      await bob.page.fill('#direct-input', 'alice');
      await bob.page.click('#direct-start');
      await bob.page.waitForSelector(`.room.current[data-room="${direct}"]`, { state: 'attached' });
      expect((await bob.roomNames()).filter((name) => name.startsWith('d-'))).to.deep.equal([direct]);
    });
  });

  describe('unread counts', () => {
    it("counts what bob has not read from the server's markers, and reading on one tab clears the count on the other", async () => {
      const alice = await signedIn('alice');
      const laptop = await signedIn('bob', 'dev');
      for (const text of ['one', 'two', 'three']) await alice.post(text);
      await alice.waitForNoPending();
      await laptop.page.waitForSelector('.room[data-room="general"] .unread:text("3")');

      // A second tab, opened after (on dev): its count comes from the server's read marker.
      const phone = await open({ path: '/#/room/dev' });
      await phone.login('bob');
      await phone.page.waitForSelector('.room[data-room="general"] .unread:text("3")');
      expect(await phone.currentRoom()).to.equal('dev');
      // The most recently active first.
      expect(await phone.roomNames()).to.deep.equal(['general', 'dev']);

      await laptop.openRoom('general');
      await laptop.waitForText('three');
      expect(await laptop.timeline()).to.deep.equal(['DAY', 'NEW', 'one', 'two', 'three']);
      await phone.page.waitForSelector('.room[data-room="general"] .unread', { state: 'hidden' });
      expect(await phone.unread('general')).to.equal('');
      const [marker] = await server().db('room_members').where({ room: 'general', username: 'bob' }).select('read_up_to');
      expect(Number(marker.read_up_to)).to.equal((await storedIn('general')).at(-1)!.id);

      // Read markers go once for what is read together, not once per message.
      const reads = () => laptop.sent.filter((frame) => frame.type === 'read').length;
      const before = reads();
      for (let i = 1; i <= 5; i += 1) await alice.post(`burst ${i}`);
      await laptop.waitForText('burst 5');
      await eventually(
        async () =>
          (await server().db('room_members').where({ room: 'general', username: 'bob' }).first('read_up_to')).read_up_to >=
          (await storedIn('general')).at(-1)!.id,
        { what: 'the marker at the newest' },
      );
      expect(reads() - before).to.be.at.most(3);
      expect(await phone.unread('general')).to.equal('');
    });

    it('says "999+" for a thousand unread or more', async () => {
      const bob = await signedIn('bob', 'busy');
      await bob.openRoom('general');
      // Written while bob's page was not looking (straight into the store): his page learns of them from the server.
      await seed(
        'busy',
        Array.from({ length: 1005 }, (_, i) => ({ username: 'alice', text: `message ${i}`, at: new Date() })),
      );
      await bob.page.reload();
      await bob.waitForState('authorized');
      await bob.page.waitForSelector('.room[data-room="busy"] .unread:text("999+")');
      expect(await bob.page.title()).to.match(/^\(999\+\) /);
    });
  });
});
