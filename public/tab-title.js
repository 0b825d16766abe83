// The tab's title: the room on screen, and how many messages wait unread in
// all rooms, the room on screen included while the tab is in the background.

export function renderTitle(current, unread) {
  const place = current ? `#${current} · Chat` : 'Chat';
  document.title = unread ? `(${unread}) ${place}` : place;
}
