// The sends the server has not acknowledged yet, oldest first: shown as
// pending until then, kept across a reload of the tab (session.js), and sent
// again under the same clientId until the server answers (chat.js decides
// when). Each belongs to one user, and outlives a session that expired, for
// when the same user logs in again.

import * as memory from './session.js';

/** @typedef {{ clientId: string, room: string, text: string, state: 'queued' | 'sent' | 'failed', error: string, tries: number, sentAt: number }} Send */

/** @returns {Send[]} */
function stored(username) {
  return memory.loadOutbox(username).map((s) => ({ ...s, state: 'queued', error: '', tries: 0, sentAt: 0 }));
}

export class Outbox {
  /** @param {import('./view.js').View} view */
  constructor(view, owner) {
    this.view = view;
    /** Whose the sends are (null: a visitor's page, which has none). */
    this.owner = owner;
    /** @type {Send[]} */
    this.sends = owner ? stored(owner) : [];
  }

  [Symbol.iterator]() {
    return this.sends[Symbol.iterator]();
  }

  /** A new send of `text` to `room`, queued and shown as pending. */
  add(room, text) {
    const send = { clientId: crypto.randomUUID(), room, text, state: 'queued', error: '', tries: 0, sentAt: 0 };
    this.sends.push(send);
    this.save();
    this.view.addPending(send);
    return send;
  }

  find(clientId) {
    return this.sends.find((s) => s.clientId === clientId);
  }

  has(send) {
    return this.sends.includes(send);
  }

  inRoom(name) {
    return this.sends.filter((s) => s.room === name);
  }

  /** Sent and still unanswered since before `since` (a time in ms). */
  unansweredSince(since) {
    return this.sends.filter((s) => s.state === 'sent' && s.sentAt < since);
  }

  setState(send, state) {
    send.state = state;
    this.view.updatePending(send);
  }

  /** The connection that carried them is gone: what was sent on it goes again on the next. */
  requeueSent() {
    for (const send of this.sends) if (send.state === 'sent') this.setState(send, 'queued');
  }

  /** Stored by the server (acknowledged) or given up by the person: no longer pending. */
  remove(clientId) {
    const index = this.sends.findIndex((s) => s.clientId === clientId);
    if (index < 0) return;
    const [send] = this.sends.splice(index, 1);
    this.view.removePending(send);
    this.save();
  }

  /** `username` signed in: another user's sends are dropped, and this user's, kept from before, come back. */
  adopt(username) {
    if (this.sends.length && this.owner !== username) this.drop();
    if (!this.sends.length) {
      this.sends = stored(username);
      for (const send of this.sends) this.view.addPending(send);
    }
    this.owner = username;
  }

  /** Logged out: nothing is kept for anyone. */
  forget() {
    this.drop();
    this.owner = null;
  }

  drop() {
    for (const send of this.sends) this.view.removePending(send);
    this.sends = [];
    this.save();
  }

  save() {
    memory.saveOutbox(
      this.owner,
      this.sends.map(({ clientId, room, text }) => ({ clientId, room, text })),
    );
  }
}
