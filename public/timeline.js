// The conversation on screen: one room's messages in id order, in runs by
// author, with a separator before each day and a line above the first unread
// message; the start of the history above them, and a way back to the latest
// while reading back. A message found by search is shown among those around
// it, marked, with a gap where newer messages are not loaded yet. Message
// nodes are made once per room and kept.

import { make, sameName } from './dom.js';
import { TOMBSTONE, editedMark, messageActions } from './message-editor.js';
import { messageNodes } from './message-text.js';
import { dayKey, dayLabel, fullDate, timeOfDay } from './time-format.js';

/** Messages of one author closer than this form one run: the name and time are shown once. */
const RUN_GAP_MS = 5 * 60_000;
const AT_BOTTOM_SLACK_PX = 40;
const NEAR_TOP_PX = 60;
const MESSAGE = '.message[data-id]';

export class Timeline {
  constructor(el) {
    this.el = el;
    /** @type {Map<string, Map<number, HTMLElement>>} message nodes per room */
    this.nodes = new Map();
    /** @type {Map<string, HTMLElement>} sends not yet acknowledged, by clientId */
    this.pendingNodes = new Map();
    /** The room on screen, and where each room was scrolled to when left (null: at the bottom). */
    this.shown = null;
    this.scrollPlaces = new Map();
    this.me = null;
    /** Messages that arrived below while the reader was reading back. */
    this.newBelow = 0;
    /** The message the new-messages line is drawn above, in the room on screen. */
    this.newLineId = null;
    this.today = dayKey(new Date());
    el.timeline.addEventListener('scroll', () => this.renderJump(), { passive: true });
  }

  /** Marks whose messages are "own": on login every message already drawn follows. */
  setMe(name) {
    this.me = name;
    for (const nodes of this.nodes.values()) {
      for (const node of nodes.values()) node.classList.toggle('own', sameName(node.dataset.author, name));
    }
  }

  // ------------------------------------------------------------ a room on screen

  /**
   * Puts a room's messages (and its unsent ones) on screen, with a line above
   * `firstUnreadId` if given. The room already on screen (drawn again when
   * another one is left, say) keeps its line and its count of news below.
   */
  showRoom(room, pending, firstUnreadId = null) {
    const { messages } = this.el;
    const again = room !== null && room.name === this.shown;
    if (this.shown) this.scrollPlaces.set(this.shown, this.atBottom() ? null : this.el.timeline.scrollTop);
    const keptLine = again ? this.newLineId : null;
    this.shown = room ? room.name : null;
    this.newLineId = null;
    if (!again) this.newBelow = 0;
    messages.dataset.room = room ? room.name : '';
    if (!room) {
      messages.replaceChildren(make('li', 'empty', 'Join a room to start chatting.'));
      this.renderOlder(null);
      this.renderJump();
      return;
    }
    const nodes = room.ids.map((id) => this.messageNode(room, id));
    messages.replaceChildren(...nodes, ...pending.map((send) => this.pendingNode(send)));
    for (const node of nodes) this.decorate(node);
    this.renderGap(room);
    this.renderOlder(room);
    const place = this.scrollPlaces.get(room.name);
    if (firstUnreadId !== null && room.has(firstUnreadId)) {
      this.markNew(room, firstUnreadId);
      this.scrollToNewLine();
    } else {
      if (keptLine !== null && room.has(keptLine)) this.markNew(room, keptLine);
      if (place === undefined || place === null) this.scrollToBottom();
      else this.el.timeline.scrollTop = place;
    }
    this.renderJump();
  }

  /** New messages of a room, in id order; drawn at their place if the room is on screen. */
  addMessages(room, fresh, { older = false, own = false, live = false } = {}) {
    if (room.name !== this.shown || fresh.length === 0) {
      for (const message of fresh) this.messageNode(room, message.id);
      return;
    }
    const { messages, timeline } = this.el;
    const stick = !older && (own || this.atBottom());
    const fromBottom = timeline.scrollHeight - timeline.scrollTop;
    messages.querySelector(':scope > .empty')?.remove();
    const touched = new Set();
    // Newest first, so that the node each one goes before is already in the list.
    for (const message of [...fresh].reverse()) {
      const next = room.nextAfter(message.id);
      const before = next !== undefined ? firstOfRun(this.messageNode(room, next)) : messages.querySelector(':scope > .pending');
      const node = this.messageNode(room, message.id);
      messages.insertBefore(node, before);
      touched.add(node);
      if (next !== undefined) touched.add(this.messageNode(room, next));
    }
    for (const node of touched) this.decorate(node);
    this.renderGap(room);
    // Prepending must not move what the reader is looking at.
    if (older) timeline.scrollTop = timeline.scrollHeight - fromBottom;
    else if (stick) this.scrollToBottom();
    else if (live) this.newBelow += fresh.filter((m) => !sameName(m.username, this.me)).length;
    this.renderJump();
  }

  forgetRoom(name) {
    this.nodes.delete(name);
    this.scrollPlaces.delete(name);
  }

  /** Messages the room no longer holds (a stretch around a found message that another replaced). */
  forgetMessages(room, ids) {
    const nodes = this.nodes.get(room.name);
    if (!nodes) return;
    for (const id of ids) {
      const node = nodes.get(id);
      if (!node) continue;
      if (node.isConnected) {
        for (let up = node.previousElementSibling; up?.classList.contains('decoration'); up = node.previousElementSibling) up.remove();
        node.remove();
      }
      nodes.delete(id);
    }
    if (room.name === this.shown) {
      this.renderGap(room);
      const first = this.el.messages.querySelector(MESSAGE);
      if (first) this.decorate(first);
    }
  }

  // ------------------------------------------------------------ a message found by search

  /**
   * Between a stretch around a found message and the newest messages, a gap
   * says that messages are missing there, with a way to load them.
   */
  renderGap(room) {
    const { messages } = this.el;
    const old = messages.querySelector(':scope > .gap');
    const last = room.gapAfter !== null && room.name === this.shown ? this.nodes.get(room.name)?.get(room.gapAfter) : undefined;
    if (!last?.isConnected) {
      if (old) {
        old.remove();
        this.redecorateAfter(room, null);
      }
      return;
    }
    const gap = old ?? make('li', 'gap');
    if (!old) {
      const button = make('button', 'secondary', 'Show newer messages');
      button.type = 'button';
      button.dataset.action = 'newer';
      gap.append(make('span', 'gap-words', 'Newer messages are not loaded here.'), button);
    }
    const button = gap.querySelector('button');
    button.disabled = room.loading === 'newer';
    button.textContent = room.loading === 'newer' ? 'Loading newer messages…' : 'Show newer messages';
    if (last.nextElementSibling !== gap) last.after(gap);
    this.redecorateAfter(room, room.gapAfter);
  }

  /** The message after the gap starts a run of its own. */
  redecorateAfter(room, id) {
    const next = id === null ? undefined : room.nextAfter(id);
    if (next !== undefined) this.decorate(this.messageNode(room, next));
    else for (const node of this.el.messages.querySelectorAll(`:scope > ${MESSAGE}`)) this.decorate(node);
  }

  /** Scrolls to a message found by search, marks it and gives it the focus, so that reading goes on from there. */
  showFound(room, id) {
    if (room.name !== this.shown || !room.has(id)) return;
    for (const node of this.el.messages.querySelectorAll(':scope > .found')) node.classList.remove('found');
    const node = this.messageNode(room, id);
    if (!node.isConnected) return;
    node.classList.add('found');
    node.tabIndex = -1;
    node.scrollIntoView({ block: 'center' });
    node.focus({ preventScroll: true });
    this.renderJump();
  }
  // ------------------------------------------------------------ runs, days, the new-messages line

  /** Sets what a message shows given the one before it: a day separator, or only its text in a run. */
  decorate(node) {
    const previous = previousMessage(node);
    const at = Number(node.dataset.time);
    const before = previous ? Number(previous.dataset.time) : NaN;
    const newDay = !previous || (Number.isFinite(at) && Number.isFinite(before) && dayKey(new Date(at)) !== dayKey(new Date(before)));
    let divider = leading(node, 'day-divider');
    if (newDay && Number.isFinite(at)) {
      if (!divider) {
        divider = make('li', 'decoration day-divider');
        divider.append(make('h3', 'day-label'));
        node.parentNode.insertBefore(divider, firstOfRun(node));
      }
      divider.dataset.time = String(at);
      divider.firstChild.textContent = dayLabel(new Date(at));
    } else {
      divider?.remove();
    }
    const afterGap = firstOfRun(node).previousElementSibling?.classList.contains('gap') === true;
    const continued =
      previous !== null &&
      !newDay &&
      !afterGap &&
      !leading(node, 'new-divider') &&
      sameName(previous.dataset.author, node.dataset.author) &&
      at - before < RUN_GAP_MS;
    node.classList.toggle('continued', continued);
  }

  /** Draws the line above the first message the reader has not seen. */
  markNew(room, id) {
    this.el.messages.querySelector(':scope > .new-divider')?.remove();
    const node = this.messageNode(room, id);
    if (!node.isConnected) return;
    const line = make('li', 'decoration new-divider');
    line.append(make('span', 'new-label', 'New messages'));
    node.before(line);
    this.newLineId = id;
    this.decorate(node);
  }

  /** Shows the line near the top when what follows it is taller than the view, else the bottom. */
  scrollToNewLine() {
    const line = this.el.messages.querySelector(':scope > .new-divider');
    this.scrollToBottom();
    if (line && line.offsetTop - 8 < this.el.timeline.scrollTop) this.el.timeline.scrollTop = line.offsetTop - 8;
  }

  /** After midnight "Today" becomes "Yesterday": the separators on screen are named again. */
  refreshDays() {
    const today = dayKey(new Date());
    if (today === this.today) return;
    this.today = today;
    for (const divider of this.el.messages.querySelectorAll(':scope > .day-divider')) {
      divider.firstChild.textContent = dayLabel(new Date(Number(divider.dataset.time)));
    }
  }

  // ------------------------------------------------------------ messages

  messageNode(room, id) {
    let nodes = this.nodes.get(room.name);
    if (!nodes) this.nodes.set(room.name, (nodes = new Map()));
    let node = nodes.get(id);
    if (!node) {
      node = this.renderMessage(room.byId.get(id).message);
      nodes.set(id, node);
    }
    return node;
  }

  renderMessage(m) {
    const author = String(m.username ?? '');
    const item = make('li', 'message');
    item.dataset.id = String(m.id);
    item.dataset.author = author;
    if (typeof m.clientId === 'string') item.dataset.clientId = m.clientId;
    if (sameName(author, this.me)) item.classList.add('own');
    const meta = make('div', 'meta');
    const time = make('time', 'time');
    const at = new Date(m.createdAt);
    if (!Number.isNaN(at.getTime())) {
      item.dataset.time = String(at.getTime());
      time.dateTime = at.toISOString();
      time.textContent = timeOfDay(at);
      time.title = fullDate(at);
    }
    meta.append(make('span', 'author', author), time);
    item.append(meta, make('div', 'text'), messageActions());
    this.fillMessage(item, m);
    return item;
  }

  /** What changes with an edit or a deletion: the text (or the tombstone) and the mark. */
  fillMessage(item, m) {
    const meta = item.querySelector(':scope > .meta');
    meta.querySelector('.edited-mark')?.remove();
    if (m.editedAt && !m.deleted) meta.append(editedMark(m.editedAt));
    const text = item.querySelector(':scope > .text');
    if (m.deleted) text.replaceChildren(make('span', 'tombstone', TOMBSTONE));
    else text.replaceChildren(...messageNodes(String(m.message ?? '')));
    item.classList.toggle('deleted', m.deleted === true);
  }

  /** The node of a message, if it was drawn. */
  nodeOf(room, id) {
    return room ? this.nodes.get(room.name)?.get(id) : undefined;
  }

  /** A message edited or deleted: its node is filled again in place, where it is. */
  redrawMessage(room, id) {
    const node = this.nodeOf(room, id);
    const held = room.byId.get(id);
    if (node && held) this.fillMessage(node, held.message);
  }

  // ------------------------------------------------------------ sends not yet acknowledged

  pendingNode(send) {
    let node = this.pendingNodes.get(send.clientId);
    if (!node) {
      node = make('li', 'message pending own');
      node.dataset.clientId = send.clientId;
      const meta = make('div', 'meta');
      const discard = make('button', 'discard secondary', 'Discard');
      discard.type = 'button';
      discard.dataset.action = 'discard';
      meta.append(make('span', 'author', this.me ?? ''), make('span', 'time state'), discard);
      node.append(meta, make('div', 'text', send.text));
      this.pendingNodes.set(send.clientId, node);
    }
    this.updatePendingNode(node, send);
    return node;
  }

  addPending(send) {
    const node = this.pendingNode(send);
    if (send.room !== this.shown) return;
    this.el.messages.querySelector(':scope > .empty')?.remove();
    this.el.messages.append(node);
    this.scrollToBottom();
  }

  updatePending(send) {
    const node = this.pendingNodes.get(send.clientId);
    if (node) this.updatePendingNode(node, send);
  }

  updatePendingNode(node, send) {
    node.dataset.state = send.state;
    node.classList.toggle('failed', send.state === 'failed');
    const words = send.state === 'failed' ? `not sent: ${send.error}` : send.state === 'sent' ? 'sending…' : 'sending… (waiting for the connection)';
    node.querySelector('.state').textContent = words;
    node.querySelector('.discard').hidden = send.state !== 'failed';
  }

  removePending(send) {
    this.pendingNodes.get(send.clientId)?.remove();
    this.pendingNodes.delete(send.clientId);
  }

  // ------------------------------------------------------------ the top: older pages, the beginning

  renderOlder(room) {
    const { messages, loadOlder, historyNote } = this.el;
    messages.dataset.loaded = String(Boolean(room?.loaded));
    loadOlder.hidden = !(room && room.loaded && room.more && room.ids.length > 0);
    loadOlder.disabled = Boolean(room && room.loading);
    let note = '';
    if (room && !room.loaded) note = room.loading ? 'Loading…' : '';
    else if (room && room.loading === 'older') note = 'Loading older messages…';
    else if (room && !room.more) note = beginning(room);
    historyNote.textContent = note;
  }

  // ------------------------------------------------------------ scrolling

  /** The way back down: shown while reading back, with how many messages came meanwhile. */
  renderJump() {
    const away = this.shown !== null && !this.atBottom();
    if (!away) this.newBelow = 0;
    this.el.jumpLatest.hidden = !away;
    const n = this.newBelow;
    this.el.jumpLatestText.textContent = n ? `${n} new message${n === 1 ? '' : 's'}` : 'Jump to latest';
  }

  /** The newest message of the room is on screen (the reader may not be looking, see view.js). */
  seesNewest(room) {
    return room.name === this.shown && this.atBottom();
  }

  atBottom() {
    const { timeline } = this.el;
    return timeline.scrollHeight - timeline.scrollTop - timeline.clientHeight <= AT_BOTTOM_SLACK_PX;
  }

  nearTop() {
    return this.el.timeline.scrollTop <= NEAR_TOP_PX;
  }

  scrollToBottom() {
    this.el.timeline.scrollTop = this.el.timeline.scrollHeight;
  }
}

function beginning(room) {
  if (room.ids.length === 0) return room.kind === 'direct' ? `No messages with ${room.label} yet. Say hello!` : `No messages in ${room.label} yet. Say hello!`;
  return room.kind === 'direct' ? `This is the beginning of your conversation with ${room.label}.` : `This is the beginning of ${room.label}.`;
}

/** The message drawn before this one, skipping separators and lines. */
function previousMessage(node) {
  for (let up = node.previousElementSibling; up; up = up.previousElementSibling) if (up.matches(MESSAGE)) return up;
  return null;
}

/** The separator or line of this class right above a message, if any. */
function leading(node, className) {
  for (let up = node.previousElementSibling; up?.classList.contains('decoration'); up = up.previousElementSibling) {
    if (up.classList.contains(className)) return up;
  }
  return null;
}

/** The topmost of the separators and lines that belong to a message (they stay above it), or the message. */
function firstOfRun(node) {
  let first = node;
  while (first.previousElementSibling?.classList.contains('decoration')) first = first.previousElementSibling;
  return first;
}
