// A message's text as nodes: the text itself, with http, https and mailto
// addresses made into links. Nothing is parsed as HTML; any other scheme
// (javascript:, data:, ...) stays plain text.

const CANDIDATE = /\b(?:https?:\/\/|mailto:)[^\s<>"]+/gi;
const SAFE_PROTOCOLS = new Set(['http:', 'https:', 'mailto:']);
/** Punctuation that ends a sentence rather than an address: "see https://example.com." */
const TRAILING = '.,;:!?\'"';
const PAIRS = { ')': '(', ']': '[' };

/** @returns {Node[]} text nodes and links, in order, whose text is exactly `text` */
export function messageNodes(text) {
  const nodes = [];
  let from = 0;
  for (const match of text.matchAll(CANDIDATE)) {
    const address = trimEnd(match[0]);
    const url = safeUrl(address);
    if (!url) continue;
    if (match.index > from) nodes.push(document.createTextNode(text.slice(from, match.index)));
    nodes.push(link(url, address));
    from = match.index + address.length;
  }
  if (from < text.length) nodes.push(document.createTextNode(text.slice(from)));
  return nodes;
}

/** Drops sentence punctuation and closing brackets that have no opening one inside the address. */
export function trimEnd(address) {
  let end = address.length;
  for (;;) {
    const last = address[end - 1];
    const opening = PAIRS[last];
    if (TRAILING.includes(last)) end -= 1;
    else if (opening && count(address.slice(0, end), opening) < count(address.slice(0, end), last)) end -= 1;
    else return address.slice(0, end);
  }
}

function count(text, character) {
  return text.split(character).length - 1;
}

/** The URL when it is one a link may point to, else null. */
export function safeUrl(address) {
  let url;
  try {
    url = new URL(address);
  } catch {
    return null;
  }
  if (!SAFE_PROTOCOLS.has(url.protocol)) return null;
  if (url.protocol !== 'mailto:' && !url.hostname) return null;
  return url;
}

function link(url, text) {
  const a = document.createElement('a');
  a.href = url.href;
  a.textContent = text;
  // The page opened is never handed this one (window.opener), nor told where it was linked from.
  a.rel = 'noopener noreferrer';
  if (url.protocol !== 'mailto:') a.target = '_blank';
  return a;
}
