import { DomainError } from '../domain/errors.js';
import type { Message } from '../domain/message.js';
import { SEARCH_PAGE_DEFAULT, SEARCH_PAGE_MAX, searchTerms } from '../domain/search.js';
import type { Identity } from '../domain/user.js';
import type { MessageSearch } from './ports.js';
import { requireUser } from './room-roles.js';

export interface SearchInput {
  query: string;
  before: number | undefined;
  limit: number | undefined;
  identity: Identity | undefined;
}

/** Messages holding every word, in the rooms the user may read now, newest first, a page at a time. */
export class SearchMessages {
  constructor(private readonly messages: MessageSearch) {}

  async execute({ query, before, limit = SEARCH_PAGE_DEFAULT, identity }: SearchInput): Promise<{ results: Message[]; more: boolean }> {
    const { username } = requireUser(identity);
    const terms = searchTerms(query);
    if ((before !== undefined && !(Number.isSafeInteger(before) && before >= 1)) || !(Number.isSafeInteger(limit) && limit >= 1 && limit <= SEARCH_PAGE_MAX)) {
      throw new DomainError('INVALID_SEARCH', `"before" is a message id and "limit" 1-${SEARCH_PAGE_MAX}`);
    }
    // One more than asked tells whether more follow, without a count.
    const found = await this.messages.search({ username, terms, limit: limit + 1, ...(before === undefined ? {} : { before }) });
    return { results: found.slice(0, limit), more: found.length > limit };
  }
}
