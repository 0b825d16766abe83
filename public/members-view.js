// The members of the private room on screen, in a panel beside the
// conversation: who belongs, who owns it; for an owner, a way to invite,
// remove and make owners; for everyone, a way to leave for good.

import { make, sameName } from './dom.js';

export class MembersView {
  constructor(el) {
    this.el = el;
    /** The room whose members are drawn. */
    this.room = null;
    el.inviteInput.addEventListener('input', () => this.showInviteError(''));
  }

  /** @param {import('./room.js').Room} room */
  render(room, me) {
    const { members, membersHeading, inviteForm, membersNote } = this.el;
    if (this.room !== room.name) this.clearNotes();
    this.room = room.name;
    membersHeading.textContent = `Members of ${room.label}`;
    const owner = room.role === 'owner';
    const list = room.members ?? [];
    members.setAttribute('aria-busy', String(room.members === null));
    members.replaceChildren(
      ...list.map(({ username, role }) => {
        const item = make('li', 'member');
        item.dataset.user = username;
        item.dataset.role = role;
        const isMe = sameName(username, me);
        const name = make('span', 'member-name', username);
        if (isMe) name.append(make('span', 'muted', ' (you)'));
        item.append(name);
        if (role === 'owner') item.append(make('span', 'member-role', 'owner'));
        if (owner && !isMe) {
          const actions = make('span', 'member-actions');
          if (role !== 'owner') actions.append(button('Make owner', 'promote', `Make owner: ${username}`));
          actions.append(button('Remove', 'remove', `Remove ${username}`));
          item.append(actions);
        }
        return item;
      }),
    );
    if (room.members === null) members.replaceChildren(make('li', 'member muted', 'Loading…'));
    inviteForm.hidden = !owner;
    membersNote.hidden = owner || room.members === null;
  }

  clearNotes() {
    this.showInviteError('');
    this.showError('');
    this.say('');
    this.el.inviteInput.value = '';
  }

  showInviteError(text) {
    const { inviteInput, inviteError } = this.el;
    inviteError.textContent = text;
    inviteError.hidden = !text;
    if (text) {
      inviteInput.setAttribute('aria-invalid', 'true');
      inviteInput.focus();
    } else {
      inviteInput.removeAttribute('aria-invalid');
    }
    return false;
  }

  inviteDone(words) {
    this.el.inviteInput.value = '';
    this.showInviteError('');
    this.say(words);
  }

  /** A refusal of a removal or a promotion. */
  showError(text) {
    this.el.membersError.textContent = text;
    this.el.membersError.hidden = !text;
    return false;
  }

  /** What changed, said once (the status region reads it out). */
  say(words) {
    this.el.membersStatus.textContent = words;
    if (words) this.showError('');
  }
}

function button(text, action, label) {
  const node = make('button', 'secondary member-action', text);
  node.type = 'button';
  node.dataset.action = action;
  node.setAttribute('aria-label', label);
  return node;
}
