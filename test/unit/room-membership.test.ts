import { expect } from 'chai';
import { RoomMembership } from '../../src/adapters/ws/room-membership.js';

/** Connections are opaque to the membership: plain objects stand for sockets. */
interface FakeConnection {
  name: string;
}

function setup() {
  const membership = new RoomMembership<FakeConnection>();
  const connection = (name: string): FakeConnection => ({ name });
  const names = (room: string) => [...(membership.members(room) ?? [])].map(({ name }) => name).sort();
  return { membership, connection, names };
}

describe('RoomMembership', () => {
  describe('members', () => {
    it('knows no members of a room nobody joined', () => {
      const { membership } = setup();
      expect(membership.members('dev')).to.equal(undefined);
      expect(membership.users('dev')).to.deep.equal([]);
    });

    it('lists each room\'s member connections', () => {
      const { membership, connection, names } = setup();
      const a = connection('a');
      const b = connection('b');
      membership.add('general', a, 'alice');
      membership.add('general', b, 'bob');
      membership.add('dev', a, 'alice');
      expect(names('general')).to.deep.equal(['a', 'b']);
      expect(names('dev')).to.deep.equal(['a']);
    });

    it('keeps anonymous connections as members without making anyone present', () => {
      const { membership, connection, names } = setup();
      expect(membership.add('general', connection('anon'), undefined)).to.equal(false);
      expect(names('general')).to.deep.equal(['anon']);
      expect(membership.users('general')).to.deep.equal([]);
    });

    it('forgets a room once its last connection leaves', () => {
      const { membership, connection } = setup();
      const a = connection('a');
      membership.add('dev', a, 'alice');
      membership.remove('dev', a, 'alice');
      expect(membership.members('dev')).to.equal(undefined);
      expect(membership.users('dev')).to.deep.equal([]);
    });
  });

  describe('presence transitions', () => {
    it('says a user became present when the first connection joins, and not again for the second', () => {
      const { membership, connection } = setup();
      expect(membership.add('dev', connection('phone'), 'alice')).to.equal(true);
      expect(membership.add('dev', connection('laptop'), 'alice')).to.equal(false);
      expect(membership.users('dev')).to.deep.equal(['alice']);
    });

    it('counts a user with two connections once, until the last one leaves', () => {
      const { membership, connection } = setup();
      const phone = connection('phone');
      const laptop = connection('laptop');
      membership.add('dev', phone, 'alice');
      membership.add('dev', laptop, 'alice');
      expect(membership.remove('dev', phone, 'alice')).to.equal(false);
      expect(membership.users('dev')).to.deep.equal(['alice']);
      expect(membership.remove('dev', laptop, 'alice')).to.equal(true);
      expect(membership.users('dev')).to.deep.equal([]);
    });

    it('ignores a connection added twice to one room', () => {
      const { membership, connection } = setup();
      const phone = connection('phone');
      expect(membership.add('dev', phone, 'alice')).to.equal(true);
      expect(membership.add('dev', phone, 'alice')).to.equal(false);
      // Counted once, so one removal ends the presence.
      expect(membership.remove('dev', phone, 'alice')).to.equal(true);
      expect(membership.users('dev')).to.deep.equal([]);
    });

    it('answers false for removing a connection that is not a member, and changes nothing', () => {
      const { membership, connection } = setup();
      const member = connection('member');
      membership.add('dev', member, 'alice');
      expect(membership.remove('dev', connection('stranger'), 'alice')).to.equal(false);
      expect(membership.remove('elsewhere', member, 'alice')).to.equal(false);
      expect(membership.users('dev')).to.deep.equal(['alice']);
    });

    it('answers false for removing an anonymous connection', () => {
      const { membership, connection } = setup();
      const anon = connection('anon');
      membership.add('dev', anon, undefined);
      expect(membership.remove('dev', anon, undefined)).to.equal(false);
      expect(membership.members('dev')).to.equal(undefined);
    });

    it('keeps rooms apart: presence in one room says nothing of another', () => {
      const { membership, connection } = setup();
      const phone = connection('phone');
      expect(membership.add('general', phone, 'alice')).to.equal(true);
      expect(membership.add('dev', phone, 'alice')).to.equal(true);
      expect(membership.remove('dev', phone, 'alice')).to.equal(true);
      expect(membership.users('general')).to.deep.equal(['alice']);
      expect(membership.users('dev')).to.deep.equal([]);
    });

    it('lists present users sorted, once each', () => {
      const { membership, connection } = setup();
      for (const [name, user] of [['1', 'carol'], ['2', 'alice'], ['3', 'bob'], ['4', 'alice']] as const) {
        membership.add('dev', connection(name), user);
      }
      expect(membership.users('dev')).to.deep.equal(['alice', 'bob', 'carol']);
    });
  });

  describe('authorization of a member connection', () => {
    it('addUser says the user became present only for the first of the user\'s connections', () => {
      const { membership, connection } = setup();
      // Two anonymous members of the room authorize as the same user, one after the other.
      membership.add('general', connection('a'), undefined);
      membership.add('general', connection('b'), undefined);
      expect(membership.addUser('general', 'alice')).to.equal(true);
      expect(membership.addUser('general', 'alice')).to.equal(false);
      expect(membership.addUser('general', 'bob')).to.equal(true);
      expect(membership.users('general')).to.deep.equal(['alice', 'bob']);
    });

    it('removeUser says the user left only when the last of the user\'s connections stops being the user', () => {
      const { membership, connection } = setup();
      membership.add('general', connection('a'), 'alice');
      membership.add('general', connection('b'), 'alice');
      expect(membership.removeUser('general', 'alice')).to.equal(false);
      expect(membership.users('general')).to.deep.equal(['alice']);
      expect(membership.removeUser('general', 'alice')).to.equal(true);
      expect(membership.users('general')).to.deep.equal([]);
    });

    it('removeUser answers false for a user who is not present', () => {
      const { membership, connection } = setup();
      expect(membership.removeUser('general', 'alice')).to.equal(false);
      membership.add('general', connection('a'), 'bob');
      expect(membership.removeUser('general', 'alice')).to.equal(false);
      expect(membership.users('general')).to.deep.equal(['bob']);
    });

    it('moves presence from one user to another when a member connection authorizes as someone else', () => {
      const { membership, connection } = setup();
      const a = connection('a');
      membership.add('general', a, 'alice');
      expect(membership.removeUser('general', 'alice')).to.equal(true);
      expect(membership.addUser('general', 'bob')).to.equal(true);
      expect(membership.users('general')).to.deep.equal(['bob']);
      // The connection leaves as the user it now is.
      expect(membership.remove('general', a, 'bob')).to.equal(true);
      expect(membership.users('general')).to.deep.equal([]);
    });

    it('keeps the count across add and addUser, so a user present twice over leaves once', () => {
      const { membership, connection } = setup();
      const phone = connection('phone');
      const laptop = connection('laptop');
      expect(membership.add('dev', phone, 'alice')).to.equal(true);
      membership.add('dev', laptop, undefined);
      expect(membership.addUser('dev', 'alice')).to.equal(false);
      expect(membership.remove('dev', phone, 'alice')).to.equal(false);
      expect(membership.remove('dev', laptop, 'alice')).to.equal(true);
      expect(membership.members('dev')).to.equal(undefined);
    });
  });
});
