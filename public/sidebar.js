// The rooms beside the conversation (a drawer on a phone): the list with its
// unread counts, the form to join one, who is in the room on screen.

import { make, sameName } from './dom.js';

/** Where style.css folds the list into a drawer. */
const NARROW = matchMedia('(max-width: 640px)');

export class Sidebar {
  constructor(el) {
    this.el = el;
    NARROW.addEventListener('change', () => this.setOpen(this.open));
    /** @type {Map<string, HTMLElement>} one item per room, kept, so that focus stays on it across updates */
    this.items = new Map();
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
    let previous = null;
    for (const room of rooms.values()) {
      if (room.name !== current) unreadElsewhere += room.unread;
      const item = this.item(room.name);
      this.updateItem(item, room, current);
      // Moved only when out of place: moving a node takes the focus from it.
      const wanted = previous ? previous.nextElementSibling : this.el.rooms.firstElementChild;
      if (wanted !== item) this.el.rooms.insertBefore(item, wanted);
      previous = item;
    }
    this.el.roomsToggleName.textContent = current ? `#${current}` : 'none';
    this.el.roomsToggleUnread.textContent = unreadElsewhere ? String(unreadElsewhere) : '';
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
    // The words after the count are for screen readers: "#dev 3 unread". An aria-label would
    // hide the visible text from the accessible name, which speech input users say.
    open.append(make('span', 'room-name', `#${name}`), make('span', 'unread'), make('span', 'sr-only unread-words', ' unread'));
    const leave = make('button', 'room-leave secondary', '×');
    leave.type = 'button';
    leave.dataset.action = 'leave';
    leave.title = `Leave #${name}`;
    leave.setAttribute('aria-label', `Leave #${name}`);
    item.append(open, leave);
    this.items.set(name, item);
    return item;
  }

  updateItem(item, room, current) {
    const isCurrent = room.name === current;
    item.classList.toggle('current', isCurrent);
    const open = item.querySelector('.room-open');
    if (isCurrent) open.setAttribute('aria-current', 'true');
    else open.removeAttribute('aria-current');
    const badge = item.querySelector('.unread');
    const unread = isCurrent ? 0 : room.unread;
    badge.hidden = unread === 0;
    badge.textContent = unread ? String(unread) : '';
    item.querySelector('.unread-words').hidden = unread === 0;
  }

  /** The join form's error sits under its field, which is marked and keeps the focus. */
  showJoinError(text, { focus = false } = {}) {
    const { joinError, joinInput } = this.el;
    joinError.textContent = text;
    joinError.hidden = !text;
    if (text) joinInput.setAttribute('aria-invalid', 'true');
    else joinInput.removeAttribute('aria-invalid');
    if (text && focus) joinInput.focus();
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

  /** Who is in the room; nobody is listed while the page cannot know (no connection). */
  renderPresence(room, { connected, me }) {
    const users = connected ? (room?.users ?? []) : [];
    const { presence, presenceTitle, presenceNote } = this.el;
    presenceTitle.textContent = room ? `In #${room.name}${connected && room.users ? ` (${users.length})` : ''}` : 'In this room';
    presenceNote.textContent = connected ? '' : 'Not connected: who is here shows again once the page reconnects.';
    presenceNote.hidden = connected;
    presence.replaceChildren(
      ...users.map((name) => {
        const item = make('li', 'user', name);
        item.dataset.user = name;
        if (sameName(name, me)) item.classList.add('me');
        return item;
      }),
    );
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
