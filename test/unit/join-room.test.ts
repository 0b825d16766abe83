import { expect } from 'chai';
import { JoinRoom } from '../../src/application/join-room.js';
import type { Identity } from '../../src/domain/user.js';
import { RequireRoom } from '../../src/application/require-room.js';
import { InMemoryMembershipRepository } from '../fakes/in-memory-membership-repository.js';
import { InMemoryMessageRepository } from '../fakes/in-memory-message-repository.js';
import { InMemoryRoomRepository } from '../fakes/in-memory-room-repository.js';
import { expectRejectsCode } from '../support/expect-domain-error.js';

const alice: Identity = { username: 'alice', expiresAt: new Date('2100-01-01'), sessionId: 's1' };

function setup() {
  const rooms = new InMemoryRoomRepository();
  const members = new InMemoryMembershipRepository(rooms, new InMemoryMessageRepository());
  return { rooms, members, joinRoom: new JoinRoom(rooms, members, new RequireRoom(rooms, members)) };
}

describe('JoinRoom', () => {
  it('creates a room when a user joins it', async () => {
    const { rooms, joinRoom } = setup();
    expect(await rooms.exists('dev')).to.equal(false);
    await joinRoom.execute({ room: 'dev', identity: alice });
    expect(await rooms.exists('dev')).to.equal(true);
  });

  it('joins a room that exists, general included, without creating another', async () => {
    const { rooms, joinRoom } = setup();
    await joinRoom.execute({ room: 'general', identity: alice });
    await joinRoom.execute({ room: 'dev', identity: alice });
    await joinRoom.execute({ room: 'dev', identity: alice });
    expect([...rooms.rooms].sort()).to.deep.equal(['dev', 'general']);
  });

  for (const room of ['a', '7', 'dev-ops', 'team_7', `r${'0'.repeat(31)}`]) {
    it(`accepts the room name ${JSON.stringify(room)}`, async () => {
      const { rooms, joinRoom } = setup();
      await joinRoom.execute({ room, identity: alice });
      expect(await rooms.exists(room)).to.equal(true);
    });
  }

  for (const room of ['', 'Dev', 'DEV', 'dev ops', '-dev', '_dev', 'x'.repeat(33), 'dév', 'dev\n', 'dev.ops']) {
    it(`refuses the room name ${JSON.stringify(room)} as INVALID_ROOM and creates nothing`, async () => {
      const { rooms, joinRoom } = setup();
      await expectRejectsCode(joinRoom.execute({ room, identity: alice }), 'INVALID_ROOM');
      expect([...rooms.rooms]).to.deep.equal(['general']);
    });
  }

  describe('without a user', () => {
    it('joins a room that exists, and writes nothing', async () => {
      const { rooms, joinRoom } = setup();
      await joinRoom.execute({ room: 'dev', identity: alice });
      await joinRoom.execute({ room: 'dev', identity: undefined });
      await joinRoom.execute({ room: 'general', identity: undefined });
      expect([...rooms.rooms].sort()).to.deep.equal(['dev', 'general']);
    });

    it('refuses a room that does not exist as UNKNOWN_ROOM, and creates nothing', async () => {
      const { rooms, joinRoom } = setup();
      const refused = joinRoom.execute({ room: 'nowhere', identity: undefined });
      await expectRejectsCode(refused, 'UNKNOWN_ROOM');
      expect(await refused.catch((error: Error) => error.message)).to.include('log in');
      expect([...rooms.rooms]).to.deep.equal(['general']);
    });

    it('joins a room that holds messages though its record was pruned', async () => {
      const { rooms, joinRoom } = setup();
      rooms.used.add('old');
      await joinRoom.execute({ room: 'old', identity: undefined });
    });
  });

  describe('private rooms and direct conversations', () => {
    it('lets a member in', async () => {
      const { rooms, joinRoom } = setup();
      const room = await rooms.createPrivate('Plans', 'alice');
      await joinRoom.execute({ room, identity: alice });
    });

    it("refuses anyone else as UNKNOWN_ROOM, and never creates a room with a name of the server's", async () => {
      const { rooms, joinRoom } = setup();
      const room = await rooms.createPrivate('Plans', 'bob');
      await expectRejectsCode(joinRoom.execute({ room, identity: alice }), 'UNKNOWN_ROOM');
      await expectRejectsCode(joinRoom.execute({ room: 'p-madeup', identity: alice }), 'UNKNOWN_ROOM');
      await expectRejectsCode(joinRoom.execute({ room: 'd-madeup', identity: alice }), 'UNKNOWN_ROOM');
      expect(await rooms.exists('p-madeup')).to.equal(false);
    });

    it('records a user who joins a public room as one of its members, so the room follows the user', async () => {
      const { members, joinRoom } = setup();
      await joinRoom.execute({ room: 'dev', identity: alice });
      expect(await members.roleOf('dev', 'alice')).to.equal('member');
    });
  });
});
