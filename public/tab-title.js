// The tab's title: the room on screen, and how many messages wait unread in
// all rooms, the room on screen included while the tab is in the background.

import { unreadText } from './room.js';

export function renderTitle(label, unread) {
  const place = label ? `${label} · Chat` : 'Chat';
  document.title = unread ? `(${unreadText(unread)}) ${place}` : place;
}
