import { DomainError } from './errors.js';

export const SEARCH_QUERY_MAX_CHARACTERS = 200;
/** More words than this narrow a search to nothing and cost the index a scan each. */
export const SEARCH_TERMS_MAX = 8;
export const SEARCH_PAGE_DEFAULT = 20;
export const SEARCH_PAGE_MAX = 50;

/**
 * The words of a query, lower case, each of letters and digits only: what a
 * full-text index can look up, with nothing in them a query language could
 * read as an operator.
 */
export function searchTerms(query: unknown): string[] {
  if (typeof query !== 'string' || query.length > SEARCH_QUERY_MAX_CHARACTERS) {
    throw new DomainError('INVALID_SEARCH', `a search is 1-${SEARCH_QUERY_MAX_CHARACTERS} characters with at least one word`);
  }
  const words = query.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const terms = [...new Set(words)].slice(0, SEARCH_TERMS_MAX);
  if (terms.length === 0) throw new DomainError('INVALID_SEARCH', 'a search needs at least one word of letters or digits');
  return terms;
}
