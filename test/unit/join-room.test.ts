import { expect } from 'chai';
import { JoinRoom } from '../../src/application/join-room.js';
import type { Identity } from '../../src/domain/user.js';
import { InMemoryRoomRepository } from '../fakes/in-memory-room-repository.js';
import { expectRejectsCode } from '../support/expect-domain-error.js';

const alice: Identity = { username: 'alice', expiresAt: new Date('2100-01-01'), sessionId: 's1' };

function setup() {
  const rooms = new InMemoryRoomRepository();
  return { rooms, joinRoom: new JoinRoom(rooms) };
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
});
