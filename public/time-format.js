// Dates and times in the reader's own locale, and so with their clock: "2:42 PM"
// in the United States, "14:42" in most of Europe. Nothing here touches the DOM.

const time = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });
const full = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'short' });
const short = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dayThisYear = new Intl.DateTimeFormat(undefined, { weekday: 'long', month: 'long', day: 'numeric' });
const dayOtherYear = new Intl.DateTimeFormat(undefined, { weekday: 'long', month: 'long', day: 'numeric', year: 'numeric' });
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

/** "2:42 PM" or "14:42": a message's time, its day being on the separator above it. */
export const timeOfDay = (date) => time.format(date);

/** "Wednesday, December 4, 2024 at 2:42 PM": the whole of it, for a tooltip. */
export const fullDate = (date) => full.format(date);

/** "Dec 4, 2024, 2:42 PM": a time away from its day's separator, as in search results. */
export const shortDateTime = (date) => short.format(date);

/** One key per calendar day in the reader's time zone. */
export function dayKey(date) {
  return `${date.getFullYear()}-${date.getMonth() + 1}-${date.getDate()}`;
}

/** "Today", "Yesterday", "Wednesday, December 4", or with the year when it is not this one. */
export function dayLabel(date, now = new Date()) {
  const days = Math.round((startOfDay(now) - startOfDay(date)) / 86_400_000);
  if (days === 0 || days === 1) return capitalize(relative.format(-days, 'day'));
  return (date.getFullYear() === now.getFullYear() ? dayThisYear : dayOtherYear).format(date);
}

function startOfDay(date) {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();
}

function capitalize(text) {
  return text.charAt(0).toLocaleUpperCase() + text.slice(1);
}
