import { expect } from 'chai';
import { JoinRoom } from '../../src/application/join-room.js';
import { InMemoryRoomRepository } from '../fakes/in-memory-room-repository.js';
import { expectRejectsCode } from '../support/expect-domain-error.js';

function setup() {
  const rooms = new InMemoryRoomRepository();
  return { rooms, joinRoom: new JoinRoom(rooms) };
}

describe('JoinRoom', () => {
  it('creates a room by joining it', async () => {
    const { rooms, joinRoom } = setup();
    expect(await rooms.exists('dev')).to.equal(false);
    await joinRoom.execute({ room: 'dev' });
    expect(await rooms.exists('dev')).to.equal(true);
  });

  it('joins a room that exists, general included, without creating another', async () => {
    const { rooms, joinRoom } = setup();
    await joinRoom.execute({ room: 'general' });
    await joinRoom.execute({ room: 'dev' });
    await joinRoom.execute({ room: 'dev' });
    expect([...rooms.rooms].sort()).to.deep.equal(['dev', 'general']);
  });

  for (const room of ['a', '7', 'dev-ops', 'team_7', `r${'0'.repeat(31)}`]) {
    it(`accepts the room name ${JSON.stringify(room)}`, async () => {
      const { rooms, joinRoom } = setup();
      await joinRoom.execute({ room });
      expect(await rooms.exists(room)).to.equal(true);
    });
  }

  for (const room of ['', 'Dev', 'DEV', 'dev ops', '-dev', '_dev', 'x'.repeat(33), 'dév', 'dev\n', 'dev.ops']) {
    it(`refuses the room name ${JSON.stringify(room)} as INVALID_ROOM and creates nothing`, async () => {
      const { rooms, joinRoom } = setup();
      await expectRejectsCode(joinRoom.execute({ room }), 'INVALID_ROOM');
      expect([...rooms.rooms]).to.deep.equal(['general']);
    });
  }
});
