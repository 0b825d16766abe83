// Small helpers for drawing. Text from users or the server is only ever
// written with textContent, never parsed as HTML.

export const $ = (id) => document.getElementById(id);

export function make(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export function sameName(a, b) {
  return typeof a === 'string' && typeof b === 'string' && a.toLowerCase() === b.toLowerCase();
}

/** Numbers as the reader's locale writes them: 4,000 or 4.000 or 4 000. */
export const formatNumber = (n) => numbers.format(n);
const numbers = new Intl.NumberFormat();

/** Counts characters as the server does: in Unicode code points, so an emoji is one, not two. */
export function characterCount(text) {
  let count = 0;
  for (let i = 0; i < text.length; i += 1) {
    const unit = text.charCodeAt(i);
    // A high surrogate followed by a low one is one character.
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) i += 1;
    count += 1;
  }
  return count;
}
