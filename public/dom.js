// Small helpers for drawing. Text from users or the server is only ever
// written with textContent, never parsed as HTML.

export const $ = (id) => document.getElementById(id);

export function make(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** A form field's problem in words beside it (its aria-describedby), and the field marked invalid; none when `text` is empty. */
export function showFieldError(input, errorNode, text) {
  errorNode.textContent = text;
  errorNode.hidden = !text;
  if (text) input.setAttribute('aria-invalid', 'true');
  else input.removeAttribute('aria-invalid');
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

const SVG = 'http://www.w3.org/2000/svg';

/** A padlock, the mark of a private room; decoration only (the words say "private" for screen readers). */
export function lockIcon() {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 16 16');
  svg.setAttribute('class', 'icon');
  svg.setAttribute('focusable', 'false');
  svg.setAttribute('aria-hidden', 'true');
  const body = document.createElementNS(SVG, 'rect');
  for (const [key, value] of Object.entries({ x: 3, y: 7, width: 10, height: 7, rx: 1.5 })) body.setAttribute(key, String(value));
  const shackle = document.createElementNS(SVG, 'path');
  shackle.setAttribute('d', 'M5 7V5a3 3 0 0 1 6 0v2');
  svg.append(body, shackle);
  return svg;
}
