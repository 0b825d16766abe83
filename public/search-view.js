// Search results, in a panel beside the conversation: newest first, each
// with its room, author and time and the words searched for marked; a click
// opens the message in its room. Text is only ever written with textContent.

import { make } from './dom.js';
import { fullDate, shortDateTime } from './time-format.js';

/** Around the first word found, this much of a long message is shown. */
const EXCERPT = 220;
const BEFORE_MATCH = 60;
const WORD = /[\p{L}\p{N}]+/gu;

export class SearchView {
  constructor(el) {
    this.el = el;
    el.searchInput.addEventListener('input', () => this.showError(''));
  }

  /**
   * @param {null | {query: string, terms: string[], results: Array<{room: string, id: number, username: string, message: string, createdAt: string}>, more: boolean, loading: boolean, problem: string}} state
   * @param {(room: string) => string | undefined} labelOf what the user's list calls a room
   */
  render(state, labelOf) {
    const { searchResults, searchStatus, searchMore } = this.el;
    if (!state) {
      searchResults.replaceChildren();
      searchStatus.textContent = '';
      searchMore.hidden = true;
      return;
    }
    const held = new Set([...searchResults.children].map((item) => item.dataset.key));
    const items = state.results.map((result) => {
      const key = `${result.room}:${result.id}`;
      const existing = held.has(key) ? searchResults.querySelector(`[data-key="${CSS.escape(key)}"]`) : null;
      return existing ?? this.item(result, key, state.terms, labelOf);
    });
    // Results already drawn stay (a page more only adds): the focus on one is kept.
    const kept = new Set(items);
    for (const child of [...searchResults.children]) if (!kept.has(child)) child.remove();
    searchResults.append(...items.filter((item) => !item.isConnected));
    searchStatus.textContent = statusWords(state);
    searchMore.hidden = !state.more;
    searchMore.disabled = state.loading;
  }

  item(result, key, terms, labelOf) {
    const item = make('li', 'result');
    item.dataset.key = key;
    const open = make('button', 'result-open');
    open.type = 'button';
    open.dataset.room = result.room;
    open.dataset.id = String(result.id);
    const meta = make('span', 'result-meta');
    const at = new Date(result.createdAt);
    const time = make('time', 'time');
    if (!Number.isNaN(at.getTime())) {
      time.dateTime = at.toISOString();
      time.textContent = shortDateTime(at);
      time.title = fullDate(at);
    }
    meta.append(make('span', 'result-room', labelOf(result.room) ?? roomName(result.room)), make('span', 'result-author', String(result.username ?? '')), time);
    const text = make('span', 'result-text');
    text.append(...highlighted(excerpt(String(result.message ?? ''), terms), terms));
    open.append(meta, text);
    item.append(open);
    return item;
  }

  showError(text) {
    const { searchInput, searchError } = this.el;
    searchError.textContent = text;
    searchError.hidden = !text;
    if (text) {
      searchInput.setAttribute('aria-invalid', 'true');
      searchInput.focus();
    } else {
      searchInput.removeAttribute('aria-invalid');
    }
  }
}

function statusWords({ query, results, more, loading, problem }) {
  if (problem) return problem;
  if (loading && results.length === 0) return `Searching for “${query}”…`;
  if (results.length === 0) return `No messages with “${query}”.`;
  const count = `${results.length} message${results.length === 1 ? '' : 's'} with “${query}”, newest first`;
  return loading ? `${count}; loading more…` : `${count}${more ? '; more below' : ''}.`;
}

function roomName(name) {
  return name.startsWith('p-') || name.startsWith('d-') ? 'a private conversation' : `#${name}`;
}

/** Whether a word of the text is one searched for: the server finds words that begin with a term. */
function matches(word, terms) {
  const lower = word.toLowerCase();
  return terms.some((term) => lower.startsWith(term));
}

/** A long text cut around its first match, with an ellipsis where it was cut. */
export function excerpt(text, terms) {
  if (text.length <= EXCERPT) return text;
  let first = 0;
  for (const match of text.matchAll(WORD)) {
    if (matches(match[0], terms)) {
      first = match.index;
      break;
    }
  }
  const start = Math.max(0, Math.min(first - BEFORE_MATCH, text.length - EXCERPT));
  const end = Math.min(text.length, start + EXCERPT);
  return `${start > 0 ? '…' : ''}${text.slice(start, end)}${end < text.length ? '…' : ''}`;
}

/** The text as nodes, each word searched for inside a <mark>. */
export function highlighted(text, terms) {
  const nodes = [];
  let from = 0;
  for (const match of text.matchAll(WORD)) {
    if (!matches(match[0], terms)) continue;
    if (match.index > from) nodes.push(document.createTextNode(text.slice(from, match.index)));
    nodes.push(make('mark', '', match[0]));
    from = match.index + match[0].length;
  }
  if (from < text.length) nodes.push(document.createTextNode(text.slice(from)));
  return nodes;
}
