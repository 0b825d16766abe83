import { expect } from 'chai';
import { InProcessPresence } from '../../src/adapters/presence/in-process-presence.js';

function setup() {
  const board = new InProcessPresence();
  const heard: string[] = [];
  const unsubscribe = board.subscribe((room, user, present) => heard.push(`${room} ${present ? '+' : '-'}${user}`));
  return { board, heard, unsubscribe };
}

describe('InProcessPresence', () => {
  it('tells its listeners at once when a user arrives and leaves', () => {
    const { board, heard } = setup();
    board.update('dev', 'alice', true);
    expect(heard, 'synchronously').to.deep.equal(['dev +alice']);
    board.update('dev', 'alice', false);
    expect(heard).to.deep.equal(['dev +alice', 'dev -alice']);
  });

  it('ignores a repeated state: a user arrives once and leaves once', () => {
    const { board, heard } = setup();
    board.update('dev', 'alice', false);
    board.update('dev', 'alice', true);
    board.update('dev', 'alice', true);
    board.update('dev', 'alice', false);
    board.update('dev', 'alice', false);
    expect(heard).to.deep.equal(['dev +alice', 'dev -alice']);
  });

  it('lists a room’s users sorted, rooms apart', () => {
    const { board } = setup();
    for (const user of ['carol', 'alice', 'bob']) board.update('dev', user, true);
    board.update('ops', 'dave', true);
    board.update('dev', 'bob', false);
    expect(board.users('dev')).to.deep.equal(['alice', 'carol']);
    expect(board.users('ops')).to.deep.equal(['dave']);
    expect(board.users('nowhere')).to.deep.equal([]);
  });

  it('stops telling a listener that unsubscribed', () => {
    const { board, heard, unsubscribe } = setup();
    unsubscribe();
    board.update('dev', 'alice', true);
    expect(heard).to.deep.equal([]);
    expect(board.users('dev')).to.deep.equal(['alice']);
  });
});
