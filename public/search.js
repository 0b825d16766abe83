// Search (docs/protocol.md, "Search"): the messages holding every word of a
// query, in the rooms the user may read, newest first, a page at a time. An
// answer that comes for a search since replaced is dropped.

import { PASSING } from './requests.js';
import { searchProblem } from './rules.js';

const PAGE = 20;

/** The words a query is made of, as the server reads them: lower case, letters and digits, at most 8. */
export function searchTerms(query) {
  return [...new Set(query.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])].slice(0, 8);
}

export class Search {
  /**
   * @param {import('./chat.js').Chat} chat
   * @param {import('./view.js').View} view
   */
  constructor(chat, view) {
    this.chat = chat;
    this.view = view;
    /** @type {null | {query: string, terms: string[], results: object[], more: boolean, loading: boolean, problem: string}} */
    this.state = null;
    /** Counts searches, so that the answer to one replaced is known. */
    this.generation = 0;
  }

  reset() {
    this.state = null;
    this.generation += 1;
    this.render();
  }

  /** An answer asked on a lost connection will not come: the page says so, and the person may ask again. */
  connectionOpened() {
    if (!this.state?.loading) return;
    this.state.loading = false;
    this.state.problem = 'The connection was lost before the answer came. Search again.';
    this.render();
  }

  /** Starts a search; false (with the reason beside the field) when the query cannot be one. */
  run(raw) {
    const query = raw.trim();
    const problem = searchProblem(query, this.chat.limits.searchQueryMax);
    if (problem) {
      this.view.search.showError(problem);
      return false;
    }
    this.view.search.showError('');
    this.generation += 1;
    this.state = { query, terms: searchTerms(query), results: [], more: false, loading: true, problem: '' };
    this.ask();
    return true;
  }

  /** The next page: messages older than the last one found. */
  more() {
    const state = this.state;
    if (!state || !state.more || state.loading || state.results.length === 0) return;
    state.loading = true;
    this.ask(state.results[state.results.length - 1].id);
  }

  ask(before) {
    const { query } = this.state;
    const frame = { type: 'search', query, limit: Math.min(PAGE, this.chat.limits.searchPageMax) };
    if (before !== undefined) frame.before = before;
    if (!this.chat.authorized || !this.chat.request('search', frame, { query, generation: this.generation })) {
      this.state.loading = false;
      this.state.problem = 'Search needs a connection to the server. Try again once the page has reconnected.';
    }
    this.render();
  }

  onResults(frame) {
    const asked = this.chat.requests.settle('search');
    const state = this.state;
    if (!state || asked?.generation !== this.generation || frame.query !== state.query) return;
    const held = new Set(state.results.map((r) => r.id));
    const results = Array.isArray(frame.results) ? frame.results : [];
    for (const result of results) {
      if (result && Number.isSafeInteger(result.id) && typeof result.room === 'string' && !held.has(result.id)) state.results.push(result);
    }
    state.more = frame.more === true;
    state.loading = false;
    this.render();
  }

  failed(asked, code, words) {
    const state = this.state;
    if (!state || asked.generation !== this.generation) return;
    state.loading = false;
    if (code === 'INVALID_SEARCH') this.view.search.showError(searchProblem(state.query, this.chat.limits.searchQueryMax) || words);
    else state.problem = PASSING.has(code) ? 'The server could not search just now. Try again in a moment.' : words;
    this.render();
  }

  render() {
    this.view.renderSearch(this.state, (name) => {
      const room = this.chat.rooms.get(name);
      // A direct conversation is named after the other user: marked, so as not to read as the author.
      return room && (room.kind === 'direct' ? `@${room.label}` : room.label);
    });
  }
}
