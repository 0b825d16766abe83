import { expect } from 'chai';
import { JoinRoom } from '../../src/application/join-room.js';
import { RequireRoom } from '../../src/application/require-room.js';
import { InMemoryMembershipRepository } from '../fakes/in-memory-membership-repository.js';
import { InMemoryMessageRepository } from '../fakes/in-memory-message-repository.js';
import { InMemoryRoomRepository } from '../fakes/in-memory-room-repository.js';
import { expectRejectsCode } from '../support/expect-domain-error.js';

describe('RequireRoom', () => {
  const setup = () => {
    const rooms = new InMemoryRoomRepository();
    const members = new InMemoryMembershipRepository(rooms, new InMemoryMessageRepository());
    const requireRoom = new RequireRoom(rooms, members);
    return { rooms, members, joinRoom: new JoinRoom(rooms, members, requireRoom), requireRoom };
  };
  const alice = { username: 'alice', expiresAt: new Date('2100-01-01'), sessionId: 's-alice' };
  const bob = { username: 'bob', expiresAt: new Date('2100-01-01'), sessionId: 's-bob' };

  it('accepts general, which always exists, and a room once someone joined it', async () => {
    const { joinRoom, requireRoom } = setup();
    await requireRoom.execute({ room: 'general', identity: undefined });
    await joinRoom.execute({ room: 'dev', identity: alice });
    await requireRoom.execute({ room: 'dev', identity: undefined });
  });

  it('refuses a room nobody ever joined as UNKNOWN_ROOM, naming it', async () => {
    const refused = setup().requireRoom.execute({ room: 'nowhere', identity: undefined });
    await expectRejectsCode(refused, 'UNKNOWN_ROOM');
    expect(await refused.catch((error: Error) => error.message)).to.include('"nowhere"');
  });

  it('refuses an invalid name as INVALID_ROOM before asking the store', async () => {
    await expectRejectsCode(setup().requireRoom.execute({ room: 'No Spaces', identity: undefined }), 'INVALID_ROOM');
  });

  describe('a private room or a direct conversation', () => {
    it('is readable by its members', async () => {
      const { rooms, requireRoom } = setup();
      const room = await rooms.createPrivate('Plans', 'alice');
      await requireRoom.execute({ room, identity: alice });
      const { room: direct } = await rooms.openDirect('alice', 'bob');
      await requireRoom.execute({ room: direct, identity: bob });
    });

    it('does not exist for anyone else: the refusal is the one a name nobody uses gets', async () => {
      const { rooms, requireRoom } = setup();
      const room = await rooms.createPrivate('Plans', 'alice');
      const { room: direct } = await rooms.openDirect('alice', 'carol');
      const message = (refused: Promise<unknown>) => refused.catch((error: Error) => error.message.replace(/"[^"]*"/, '"R"'));
      const nobody = await message(requireRoom.execute({ room: 'p-nobodyhas', identity: bob }));
      for (const [name, identity] of [
        [room, bob],
        [room, undefined],
        [direct, bob],
      ] as const) {
        await expectRejectsCode(requireRoom.execute({ room: name, identity }), 'UNKNOWN_ROOM');
        expect(await message(requireRoom.execute({ room: name, identity }))).to.equal(nobody);
      }
    });
  });
});
