// The conversations beside the conversation on screen (a drawer on a phone):
// the list with its unread counts, the forms to join a room, create a
// private one and write to someone, who is in the room on screen.

import { lockIcon, make, sameName } from './dom.js';
import { unreadText } from './room.js';

/** Where style.css folds the list into a drawer. */
const NARROW = matchMedia('(max-width: 640px)');

export class Sidebar {
  constructor(el) {
    this.el = el;
    NARROW.addEventListener('change', () => this.setOpen(this.open));
    /** @type {Map<string, HTMLElement>} one item per room, kept, so that focus stays on it across updates */
    this.items = new Map();
    /** @type {Map<string, HTMLElement>} one item per user present, kept likewise */
    this.users = new Map();
    /** The forms that start a conversation: their field, error and <details>. */
    this.forms = {
      create: { input: el.createInput, error: el.createError, details: el.createDetails },
      direct: { input: el.directInput, error: el.directError, details: el.directDetails },
    };
    for (const form of Object.values(this.forms)) form.input.addEventListener('input', () => this.showFieldError(form, ''));
  }

  /** @param {Map<string, import('./room.js').Room>} rooms in the order of the list */
  renderRooms(rooms, current) {
    let unreadElsewhere = 0;
    for (const [name, item] of this.items) {
      if (!rooms.has(name)) {
        item.remove();
        this.items.delete(name);
      }
    }
    const order = [];
    for (const room of rooms.values()) {
      if (room.name !== current) unreadElsewhere += room.unread;
      const item = this.item(room.name);
      this.updateItem(item, room, current);
      order.push(item);
    }
    placeInOrder(this.el.rooms, order);
    const shown = current ? rooms.get(current) : undefined;
    this.el.roomsToggleName.textContent = shown ? shown.label : 'none';
    this.el.roomsToggleUnread.textContent = unreadElsewhere ? unreadText(unreadElsewhere) : '';
    this.el.roomsToggleUnread.hidden = unreadElsewhere === 0;
    this.el.roomsToggleUnreadWords.hidden = unreadElsewhere === 0;
  }

  item(name) {
    let item = this.items.get(name);
    if (item) return item;
    item = make('li', 'room');
    item.dataset.room = name;
    const open = make('button', 'room-open');
    open.type = 'button';
    open.dataset.action = 'open';
    // The words after the name and the count are for screen readers: "Plans, private, 3 unread". An
    // aria-label would hide the visible text from the accessible name, which speech input users say.
    const label = make('span', 'room-name');
    label.append(make('span', 'room-mark'), make('span', 'room-label'), make('span', 'sr-only room-kind'));
    open.append(label, make('span', 'unread'), make('span', 'sr-only unread-words', ' unread'));
    const leave = make('button', 'room-leave secondary', '×');
    leave.type = 'button';
    leave.dataset.action = 'leave';
    item.append(open, leave);
    this.items.set(name, item);
    return item;
  }

  updateItem(item, room, current) {
    const isCurrent = room.name === current;
    item.classList.toggle('current', isCurrent);
    item.dataset.kind = room.kind;
    const open = item.querySelector('.room-open');
    if (isCurrent) open.setAttribute('aria-current', 'true');
    else open.removeAttribute('aria-current');
    const mark = item.querySelector('.room-mark');
    if (mark.dataset.kind !== room.kind) {
      mark.dataset.kind = room.kind;
      mark.replaceChildren(room.kind === 'private' ? lockIcon() : room.kind === 'direct' ? '@' : '');
      mark.setAttribute('aria-hidden', 'true');
    }
    item.querySelector('.room-label').textContent = room.label;
    item.querySelector('.room-kind').textContent = room.kind === 'private' ? ', private room' : room.kind === 'direct' ? ', direct messages' : '';
    const badge = item.querySelector('.unread');
    const unread = isCurrent ? 0 : room.unread;
    badge.hidden = unread === 0;
    badge.textContent = unread ? unreadText(unread) : '';
    item.querySelector('.unread-words').hidden = unread === 0;
    // A direct conversation cannot be left: the server would not let the user back into it.
    const leave = item.querySelector('.room-leave');
    leave.hidden = room.kind === 'direct';
    const words = room.kind === 'private' ? `Leave ${room.label} for good…` : `Leave ${room.label}`;
    leave.title = words;
    leave.setAttribute('aria-label', words);
  }

  /** The join form's error sits under its field, which is marked and keeps the focus. */
  showJoinError(text, { focus = false } = {}) {
    const { joinError, joinInput } = this.el;
    this.showFieldError({ input: joinInput, error: joinError }, text);
    if (text && focus) joinInput.focus();
  }

  /** The error of a form that starts a conversation (create, direct), under its field, which takes the focus. */
  showFormError(name, text) {
    const form = this.forms[name];
    if (form.details) form.details.open = true;
    this.showFieldError(form, text);
    if (text) form.input.focus();
    return false;
  }

  /** The request went through: the form is emptied and folded. */
  formDone(name) {
    const form = this.forms[name];
    this.showFieldError(form, '');
    form.input.value = '';
    form.details.open = false;
  }

  showFieldError({ input, error }, text) {
    error.textContent = text;
    error.hidden = !text;
    if (text) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  }

  /** On a narrow screen the list is a drawer over the conversation, which is inert while it is open. */
  setOpen(open) {
    this.el.app.classList.toggle('sidebar-open', open);
    this.el.roomsToggle.setAttribute('aria-expanded', String(open));
    this.el.conversation.inert = open && this.isDrawer;
  }

  get open() {
    return this.el.app.classList.contains('sidebar-open');
  }

  get isDrawer() {
    return NARROW.matches;
  }

  /**
   * Who is in the room; nobody is listed while the page cannot know (no
   * connection). A signed-in user can write to each of the others directly.
   */
  renderPresence(room, { connected, me }) {
    const users = connected ? (room?.users ?? []) : [];
    const { presence, presenceTitle, presenceNote } = this.el;
    presenceTitle.textContent = room ? `In ${room.label}${connected && room.users ? ` (${users.length})` : ''}` : 'In this room';
    presenceNote.textContent = connected ? '' : 'Not connected: who is here shows again once the page reconnects.';
    presenceNote.hidden = connected;
    for (const [name, item] of this.users) {
      if (!users.includes(name)) {
        item.remove();
        this.users.delete(name);
      }
    }
    const order = users.map((name) => {
      let item = this.users.get(name);
      if (!item) {
        item = make('li', 'user');
        item.dataset.user = name;
        item.append(make('span', 'user-name', name));
        const write = make('button', 'user-direct secondary', 'Message');
        write.type = 'button';
        write.dataset.action = 'direct';
        write.setAttribute('aria-label', `Message ${name}`);
        item.append(write);
        this.users.set(name, item);
      }
      const isMe = sameName(name, me);
      item.classList.toggle('me', isMe);
      item.querySelector('.user-direct').hidden = isMe || me === null;
      return item;
    });
    placeInOrder(presence, order);
  }

  /** @param {'unsupported' | 'off' | 'on' | 'blocked'} state */
  renderNotify(state) {
    const { notifyToggle, notifyNote } = this.el;
    notifyToggle.hidden = state === 'unsupported';
    notifyToggle.setAttribute('aria-pressed', String(state === 'on'));
    notifyToggle.disabled = state === 'blocked';
    notifyNote.textContent = state === 'blocked' ? 'Notifications are blocked for this site in the browser’s settings.' : '';
    notifyNote.hidden = state !== 'blocked';
  }
}

/**
 * Puts `items` in `list` in this order. Moving a node takes the focus from
 * it, so the one with the focus stays where it is and the others move around it.
 */
function placeInOrder(list, items) {
  const anchor = items.find((item) => item.contains(document.activeElement));
  const at = anchor ? items.indexOf(anchor) : -1;
  let previous = null;
  items.forEach((item, i) => {
    if (i === at) {
      previous = item;
      return;
    }
    const wanted = previous ? previous.nextElementSibling : list.firstElementChild;
    if (wanted !== item) {
      if (at > i) anchor.before(item);
      else if (previous) previous.after(item);
      else list.prepend(item);
    }
    previous = item;
  });
}
