// Edits and deletions of messages (docs/protocol.md, "Editing and deleting
// messages"): the frames sent, and the changes that come back — live
// (`edited`, `deleted`) or in a catch-up after a reconnect — applied to the
// messages already on screen, never drawn as new ones. Whether the user is an
// administrator (who may delete anyone's message) is asked on every login.

import { MessageEditor } from './message-editor.js';
import { messageProblem } from './rules.js';

const NOT_CONNECTED = 'Not connected to the server. Try again once the page has reconnected.';

export class MessageChanges {
  /**
   * @param {import('./chat.js').Chat} chat
   * @param {import('./view.js').View} view
   */
  constructor(chat, view) {
    this.chat = chat;
    this.view = view;
    this.administrator = false;
    this.editor = new MessageEditor(view.el, this, (question) => view.confirm(question));
  }

  /** On every login: may this user delete the messages of others? */
  async signedIn() {
    const answer = await this.chat.auth.keeper.call('GET', '/api/account');
    if (answer.code || !this.chat.session) return;
    this.setAdministrator(answer.body?.role === 'administrator');
  }

  reset() {
    this.setAdministrator(false);
  }

  setAdministrator(administrator) {
    this.administrator = administrator;
    document.body.classList.toggle('administrator', administrator);
  }

  /** What the editor needs to know of a message on screen, or null. */
  describe(roomName, id) {
    const message = this.chat.rooms.get(roomName)?.byId.get(id)?.message;
    if (!message) return null;
    return { message: message.message, username: message.username, deleted: message.deleted === true, mine: this.chat.isMine(message.username) };
  }

  /** Sends an edit; returns why it cannot go, or ''. */
  edit(roomName, id, text) {
    if (text.trim() === '') return 'Type the new text, or delete the message instead.';
    const problem = this.view.composer.lengthProblem(text) || messageProblem(text);
    if (problem) return problem;
    return this.send({ type: 'edit', room: roomName, id, message: text });
  }

  /** Sends a deletion; returns why it cannot go, or ''. */
  remove(roomName, id) {
    return this.send({ type: 'delete', room: roomName, id });
  }

  send(frame) {
    if (!this.chat.authorized) return NOT_CONNECTED;
    const clientId = crypto.randomUUID();
    if (!this.chat.request('change', { ...frame, clientId }, { clientId, room: frame.room, target: frame.id, action: frame.type })) return NOT_CONNECTED;
    return '';
  }

  /** Says something about a change that has no field to say it beside (a deletion). */
  tell(words) {
    this.view.toast.show(words);
  }

  /** A live `edited` or `deleted` frame: to every member of the room, the author's own answer included. */
  onChange(frame) {
    const mine = typeof frame.clientId === 'string' && this.chat.isMine(frame.username);
    const asked = mine ? this.chat.requests.settle('change', (r) => r.clientId === frame.clientId) : undefined;
    const room = this.chat.rooms.get(frame.room ?? 'general');
    if (!room) return;
    const change = frame.type === 'edited' ? 'edit' : 'delete';
    this.apply(room, { id: frame.id, change, target: frame.target, message: frame.message, createdAt: frame.createdAt }, asked !== undefined);
  }

  /** Changes a catch-up page carries, in id order. */
  applyAll(room, entries) {
    for (const entry of entries) this.apply(room, entry, false);
  }

  apply(room, entry, own) {
    const changed = room.applyChange(entry);
    const node = this.view.timeline.nodeOf(room, entry.target);
    if (changed) this.view.timeline.redrawMessage(room, entry.target);
    // The author's editor closes once the server has the change (also when the message is gone meanwhile).
    if (node && (own || (changed?.deleted && this.editor.isEditing(node)))) this.editor.close(node, { focus: own });
  }

  failed(asked, code, words) {
    const node = this.view.timeline.nodeOf(this.chat.rooms.get(asked.room), asked.target);
    if (asked.action === 'edit') this.editor.failed(node, words);
    else this.tell(`Not deleted. ${words}`);
  }

  /** A new connection: answers to changes asked on the lost one will not come. */
  connectionOpened() {
    for (const node of this.view.el.messages.querySelectorAll(':scope > .message.editing')) {
      const form = node.querySelector(':scope > form.editor');
      if (form?.getAttribute('aria-busy') === 'true') this.editor.failed(node, 'The connection was lost before the server answered. Save again.');
    }
  }
}
