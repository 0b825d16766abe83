// Each room has an address to share: /#/room/<name>. The address bar follows
// the room on screen (replaced, not pushed: switching rooms does not fill the
// back button's history), and an address followed opens its room.

const PREFIX = '#/room/';

/** The room an address names, or null. */
export function roomInAddress(hash = location.hash) {
  if (!hash.startsWith(PREFIX)) return null;
  try {
    return decodeURIComponent(hash.slice(PREFIX.length));
  } catch {
    return null;
  }
}

export function showRoomInAddress(name) {
  const hash = name ? PREFIX + encodeURIComponent(name) : '';
  if (location.hash === hash) return;
  history.replaceState(history.state, '', hash || location.pathname + location.search);
}
