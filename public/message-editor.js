// Editing and deleting messages on screen: the Edit and Delete buttons of a
// message (shown by style.css to whoever may use them: the author, and an
// administrator for Delete), the form that edits a message in place, the
// question before a deletion, the "edited" mark and a deleted message's
// tombstone. What is sent and what comes back is message-changes.js's.

import { make } from './dom.js';
import { fullDate } from './time-format.js';

/** The buttons of a message; hidden (display: none) from whoever may not use them, so that they are neither seen nor reached. */
export function messageActions() {
  const actions = make('div', 'msg-actions');
  for (const [action, label] of [
    ['edit', 'Edit'],
    ['delete', 'Delete'],
  ]) {
    const button = make('button', `secondary msg-${action}`, label);
    button.type = 'button';
    button.dataset.action = action;
    button.append(make('span', 'sr-only', ' this message'));
    actions.append(button);
  }
  return actions;
}

/** "(edited)", with when in its tooltip. */
export function editedMark(editedAt) {
  const mark = make('span', 'edited-mark', '(edited)');
  const at = new Date(editedAt);
  if (!Number.isNaN(at.getTime())) mark.title = `Edited ${fullDate(at)}`;
  return mark;
}

export const TOMBSTONE = 'This message was deleted.';

export class MessageEditor {
  /**
   * @param {object} el the page's elements (view.js)
   * @param {{edit(room: string, id: number, text: string): string, remove(room: string, id: number): string, describe(room: string, id: number): object | null}} changes
   * @param {(question: {title: string, text: string, confirm: string}) => Promise<boolean>} confirm
   */
  constructor(el, changes, confirm) {
    this.el = el;
    this.changes = changes;
    this.confirm = confirm;
    el.messages.addEventListener('click', (event) => this.clicked(event));
    el.messages.addEventListener('submit', (event) => {
      const form = event.target.closest('form.editor');
      if (!form) return;
      event.preventDefault();
      this.save(form);
    });
    el.messages.addEventListener('keydown', (event) => {
      const form = event.target.closest('form.editor');
      if (!form) return;
      if (event.key === 'Escape') {
        // The editor's own: the page's Escape (closing a panel) waits.
        event.stopPropagation();
        this.close(form.closest('.message'), { focus: true });
      } else if (event.key === 'Enter' && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
        event.preventDefault();
        this.save(form);
      }
    });
  }

  get room() {
    return this.el.messages.dataset.room ?? '';
  }

  clicked(event) {
    const button = event.target.closest('button[data-action]');
    const node = button?.closest('.message[data-id]');
    if (!node) return;
    const { action } = button.dataset;
    if (action === 'edit') this.open(node);
    else if (action === 'delete') void this.askDelete(node, button);
    else if (action === 'cancel-edit') this.close(node, { focus: true });
  }

  /** The message's text becomes a field holding it, with Save and Cancel. */
  open(node) {
    const about = this.changes.describe(this.room, Number(node.dataset.id));
    if (!about || about.deleted) return;
    let form = node.querySelector(':scope > form.editor');
    if (!form) {
      form = editorForm(node.dataset.id);
      node.append(form);
    }
    node.classList.add('editing');
    const input = form.querySelector('textarea');
    input.value = about.message ?? '';
    this.showError(form, '');
    this.setBusy(form, false);
    input.focus();
    input.setSelectionRange(input.value.length, input.value.length);
  }

  save(form) {
    const node = form.closest('.message[data-id]');
    const text = form.querySelector('textarea').value;
    const about = this.changes.describe(this.room, Number(node.dataset.id));
    if (about && text === about.message) {
      this.close(node, { focus: true }); // nothing changed: nothing to send
      return;
    }
    const problem = this.changes.edit(this.room, Number(node.dataset.id), text);
    if (problem) {
      this.showError(form, problem);
      return;
    }
    this.setBusy(form, true);
  }

  async askDelete(node, button) {
    const about = this.changes.describe(this.room, Number(node.dataset.id));
    if (!about || about.deleted) return;
    const sure = await this.confirm({
      title: 'Delete this message?',
      text: about.mine
        ? 'It is deleted for everyone in the conversation and its text is erased from the server. This cannot be undone.'
        : `You are deleting a message of ${about.username} as an administrator. It is deleted for everyone and its text is erased from the server. This cannot be undone.`,
      confirm: 'Delete message',
    });
    if (!sure) {
      if (button.isConnected) button.focus();
      return;
    }
    const problem = this.changes.remove(this.room, Number(node.dataset.id));
    if (problem) this.changes.tell(problem);
  }

  /** The server took the edit (or the message is gone): the text is shown again, and the focus goes back to the message. */
  close(node, { focus = false } = {}) {
    if (!node) return;
    const form = node.querySelector(':scope > form.editor');
    node.classList.remove('editing');
    const hadFocus = form?.contains(document.activeElement);
    form?.remove();
    if (focus || hadFocus) focusMessage(node);
  }

  /** Whether the message has an edit under way (its field is kept through a redraw). */
  isEditing(node) {
    return node.classList.contains('editing');
  }

  /** The server refused the edit: said beside the field, which keeps the text and takes the focus. */
  failed(node, words) {
    const form = node?.querySelector(':scope > form.editor');
    if (!form) {
      this.changes.tell(words);
      return;
    }
    this.setBusy(form, false);
    this.showError(form, words);
  }

  showError(form, words) {
    const error = form.querySelector('.field-error');
    const input = form.querySelector('textarea');
    error.textContent = words;
    error.hidden = !words;
    if (words) {
      input.setAttribute('aria-invalid', 'true');
      input.focus();
    } else {
      input.removeAttribute('aria-invalid');
    }
  }

  setBusy(form, busy) {
    const save = form.querySelector('button[type="submit"]');
    save.disabled = busy;
    save.textContent = busy ? 'Saving…' : 'Save';
    form.setAttribute('aria-busy', String(busy));
  }
}

/** Focus on the message itself (it is not in the tab order; its buttons are): reading goes on from there. */
export function focusMessage(node) {
  node.tabIndex = -1;
  node.focus({ preventScroll: true });
}

function editorForm(id) {
  const form = make('form', 'editor');
  form.noValidate = true;
  const input = make('textarea', 'editor-input');
  input.rows = 2;
  input.setAttribute('aria-label', 'Edit message');
  input.setAttribute('aria-describedby', `edit-error-${id} edit-hint-${id}`);
  input.setAttribute('enterkeyhint', 'done');
  const save = make('button', '', 'Save');
  save.type = 'submit';
  const cancel = make('button', 'secondary', 'Cancel');
  cancel.type = 'button';
  cancel.dataset.action = 'cancel-edit';
  const hint = make('span', 'editor-hint', 'Enter saves, Escape cancels');
  hint.id = `edit-hint-${id}`;
  const row = make('div', 'editor-actions');
  row.append(save, cancel, hint);
  const error = make('p', 'field-error');
  error.id = `edit-error-${id}`;
  error.setAttribute('role', 'alert');
  error.hidden = true;
  form.append(input, row, error);
  return form;
}
