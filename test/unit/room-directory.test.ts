import { expect } from 'chai';
import { RoomDirectory } from '../../src/application/room-directory.js';
import { RecordingPresence } from '../fakes/recording-presence.js';

/** Members are opaque to the directory: plain objects stand for sessions. */
function setup() {
  const board = new RecordingPresence();
  const directory = new RoomDirectory<{ name: string }>(board);
  const member = (name: string) => ({ name });
  const names = (room: string) => [...(directory.members(room) ?? [])].map(({ name }) => name).sort();
  return { board, directory, member, names };
}

describe('RoomDirectory', () => {
  describe('members', () => {
    it('knows no members of a room nobody is in', () => {
      expect(setup().directory.members('dev')).to.equal(undefined);
    });

    it("lists each room's members, anonymous ones included, without making those present", () => {
      const { directory, member, names, board } = setup();
      const a = member('a');
      directory.enter('general', a, 'alice');
      directory.enter('general', member('anon'), undefined);
      directory.enter('dev', a, 'alice');
      expect(names('general')).to.deep.equal(['a', 'anon']);
      expect(names('dev')).to.deep.equal(['a']);
      expect(board.users('general')).to.deep.equal(['alice']);
    });

    it('forgets a room once its last member leaves', () => {
      const { directory, member } = setup();
      const a = member('a');
      directory.enter('dev', a, 'alice');
      directory.exit('dev', a, 'alice');
      expect(directory.members('dev')).to.equal(undefined);
    });
  });

  describe('presence', () => {
    it('reports a user present with the first connection in a room and absent after the last', () => {
      const { directory, member, board } = setup();
      const phone = member('phone');
      const laptop = member('laptop');
      directory.enter('dev', phone, 'alice');
      directory.enter('dev', laptop, 'alice');
      directory.exit('dev', phone, 'alice');
      expect(board.updates).to.deep.equal(['dev +alice']);
      directory.exit('dev', laptop, 'alice');
      expect(board.updates).to.deep.equal(['dev +alice', 'dev -alice']);
    });

    it('moves presence in every room of a member that logs in, switches user, or expires', () => {
      const { directory, member, board } = setup();
      const a = member('a');
      directory.enter('general', a, undefined);
      directory.enter('dev', a, undefined);
      directory.identify(['general', 'dev'], undefined, 'alice');
      directory.identify(['general', 'dev'], 'alice', 'bob');
      directory.identify(['general', 'dev'], 'bob', undefined);
      expect(board.updates).to.deep.equal([
        'general +alice',
        'dev +alice',
        'general -alice',
        'general +bob',
        'dev -alice',
        'dev +bob',
        'general -bob',
        'dev -bob',
      ]);
    });

    it('changes nothing when the user stays the same', () => {
      const { directory, member, board } = setup();
      directory.enter('dev', member('a'), 'alice');
      directory.identify(['dev'], 'alice', 'alice');
      expect(board.updates).to.deep.equal(['dev +alice']);
    });

    it('ignores a member leaving a room it is not in', () => {
      const { directory, member, board } = setup();
      directory.exit('dev', member('a'), 'alice');
      expect(board.updates).to.deep.equal([]);
    });
  });
});
