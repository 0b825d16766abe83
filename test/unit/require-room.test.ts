import { expect } from 'chai';
import { JoinRoom } from '../../src/application/join-room.js';
import { RequireRoom } from '../../src/application/require-room.js';
import { InMemoryRoomRepository } from '../fakes/in-memory-room-repository.js';
import { expectRejectsCode } from '../support/expect-domain-error.js';

describe('RequireRoom', () => {
  const setup = () => {
    const rooms = new InMemoryRoomRepository();
    return { joinRoom: new JoinRoom(rooms), requireRoom: new RequireRoom(rooms) };
  };

  it('accepts general, which always exists, and a room once someone joined it', async () => {
    const { joinRoom, requireRoom } = setup();
    await requireRoom.execute({ room: 'general' });
    await joinRoom.execute({ room: 'dev', identity: { username: 'alice', expiresAt: new Date('2100-01-01'), sessionId: 's1' } });
    await requireRoom.execute({ room: 'dev' });
  });

  it('refuses a room nobody ever joined as UNKNOWN_ROOM, naming it', async () => {
    const refused = setup().requireRoom.execute({ room: 'nowhere' });
    await expectRejectsCode(refused, 'UNKNOWN_ROOM');
    expect(await refused.catch((error: Error) => error.message)).to.include('"nowhere"');
  });

  it('refuses an invalid name as INVALID_ROOM before asking the store', async () => {
    await expectRejectsCode(setup().requireRoom.execute({ room: 'No Spaces' }), 'INVALID_ROOM');
  });
});
