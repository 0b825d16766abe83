import { expect } from 'chai';
import { PresenceLedger } from '../../src/application/presence-ledger.js';

const EXPIRY_MS = 15_000;

/** A ledger whose listener records what the room would hear, as "room +user" / "room -user". */
function setup() {
  const heard: string[] = [];
  const ledger = new PresenceLedger(EXPIRY_MS, (room, user, present) => heard.push(`${room} ${present ? '+' : '-'}${user}`));
  /** What was heard since the last call. */
  const take = () => heard.splice(0);
  return { ledger, take };
}

describe('PresenceLedger', () => {
  describe('this node alone', () => {
    it('hears a user arrive and leave, and says when this node’s own list changed', () => {
      const { ledger, take } = setup();
      expect(ledger.setOwn('dev', 'alice', true)).to.equal(true);
      expect(take()).to.deep.equal(['dev +alice']);
      expect(ledger.users('dev')).to.deep.equal(['alice']);
      expect(ledger.setOwn('dev', 'alice', false)).to.equal(true);
      expect(take()).to.deep.equal(['dev -alice']);
      expect(ledger.users('dev')).to.deep.equal([]);
    });

    it('changes nothing when told the state it has', () => {
      const { ledger, take } = setup();
      expect(ledger.setOwn('dev', 'alice', false)).to.equal(false);
      ledger.setOwn('dev', 'alice', true);
      take();
      expect(ledger.setOwn('dev', 'alice', true)).to.equal(false);
      expect(take()).to.deep.equal([]);
    });

    it('puts its own list on the wire room by room', () => {
      const { ledger } = setup();
      ledger.setOwn('dev', 'alice', true);
      ledger.setOwn('dev', 'bob', true);
      ledger.setOwn('general', 'bob', true);
      ledger.setOwn('ops', 'carol', true);
      ledger.setOwn('ops', 'carol', false);
      expect(ledger.ownRooms()).to.deep.equal({ dev: ['alice', 'bob'], general: ['bob'] });
    });
  });

  describe('merging other nodes', () => {
    it('lists the users of every node, sorted, once each', () => {
      const { ledger } = setup();
      ledger.setOwn('dev', 'carol', true);
      ledger.setOwn('dev', 'alice', true);
      ledger.replace('b', { dev: ['bob', 'alice'], general: ['bob'] }, 0);
      ledger.change('c', [{ room: 'dev', user: 'dave', present: true }], 0);
      expect(ledger.users('dev')).to.deep.equal(['alice', 'bob', 'carol', 'dave']);
      expect(ledger.users('general')).to.deep.equal(['bob']);
      expect(ledger.peerIds.sort()).to.deep.equal(['b', 'c']);
    });

    it('hears a user once when the user is on two nodes: the first arrival and the last departure', () => {
      const { ledger, take } = setup();
      ledger.setOwn('dev', 'alice', true);
      ledger.change('b', [{ room: 'dev', user: 'alice', present: true }], 0);
      expect(take()).to.deep.equal(['dev +alice']);
      ledger.setOwn('dev', 'alice', false);
      expect(take(), 'still on b').to.deep.equal([]);
      expect(ledger.users('dev')).to.deep.equal(['alice']);
      ledger.change('b', [{ room: 'dev', user: 'alice', present: false }], 1);
      expect(take()).to.deep.equal(['dev -alice']);
    });

    it('takes a snapshot as the whole truth of its node: what it lacks has left, what it repeats changes nothing', () => {
      const { ledger, take } = setup();
      ledger.replace('b', { dev: ['alice', 'bob'], general: ['bob'] }, 0);
      expect(take().sort()).to.deep.equal(['dev +alice', 'dev +bob', 'general +bob']);
      ledger.replace('b', { dev: ['alice', 'bob'], general: ['bob'] }, 5000);
      expect(take(), 'the periodic repeat').to.deep.equal([]);
      ledger.replace('b', { dev: ['bob', 'carol'] }, 10_000);
      expect(take().sort()).to.deep.equal(['dev +carol', 'dev -alice', 'general -bob']);
      expect(ledger.users('dev')).to.deep.equal(['bob', 'carol']);
      expect(ledger.users('general')).to.deep.equal([]);
    });

    it('repairs with a snapshot what a lost change left wrong', () => {
      const { ledger, take } = setup();
      ledger.change('b', [{ room: 'dev', user: 'alice', present: true }], 0);
      // b's "alice left" was lost on the way; its next snapshot no longer has her.
      ledger.replace('b', {}, 5000);
      expect(take()).to.deep.equal(['dev +alice', 'dev -alice']);
      expect(ledger.users('dev')).to.deep.equal([]);
    });

    it('keeps a user another node still has when one node’s snapshot drops the user', () => {
      const { ledger, take } = setup();
      ledger.replace('b', { dev: ['alice'] }, 0);
      ledger.replace('c', { dev: ['alice'] }, 0);
      take();
      ledger.replace('b', {}, 1);
      expect(take()).to.deep.equal([]);
      expect(ledger.users('dev')).to.deep.equal(['alice']);
    });

    it('applies a batch of changes in order', () => {
      const { ledger, take } = setup();
      ledger.change(
        'b',
        [
          { room: 'dev', user: 'alice', present: true },
          { room: 'ops', user: 'alice', present: true },
          { room: 'dev', user: 'alice', present: false },
        ],
        0,
      );
      expect(take()).to.deep.equal(['dev +alice', 'ops +alice', 'dev -alice']);
      expect(ledger.users('dev')).to.deep.equal([]);
      expect(ledger.users('ops')).to.deep.equal(['alice']);
    });
  });

  describe('nodes that go', () => {
    it('drops a node that said goodbye: its users leave, unless another node has them', () => {
      const { ledger, take } = setup();
      ledger.setOwn('dev', 'alice', true);
      ledger.replace('b', { dev: ['alice', 'bob'], ops: ['bob'] }, 0);
      take();
      ledger.drop('b');
      expect(take().sort()).to.deep.equal(['dev -bob', 'ops -bob']);
      expect(ledger.users('dev')).to.deep.equal(['alice']);
      expect(ledger.peerIds).to.deep.equal([]);
      ledger.drop('b');
      expect(take(), 'dropped twice, heard once').to.deep.equal([]);
    });

    it('drops a node not heard from for the expiry time, and only that one', () => {
      const { ledger, take } = setup();
      ledger.replace('b', { dev: ['bob'] }, 0);
      ledger.replace('c', { dev: ['carol'] }, 0);
      take();
      // c goes on with its snapshots; b has fallen silent (killed, or cut off from Redis).
      for (let t = 5000; t < EXPIRY_MS; t += 5000) {
        ledger.replace('c', { dev: ['carol'] }, t);
        expect(ledger.expire(t), `at ${t} ms`).to.deep.equal([]);
      }
      expect(ledger.expire(EXPIRY_MS - 1)).to.deep.equal([]);
      expect(take()).to.deep.equal([]);
      expect(ledger.expire(EXPIRY_MS)).to.deep.equal(['b']);
      expect(take()).to.deep.equal(['dev -bob']);
      expect(ledger.users('dev')).to.deep.equal(['carol']);
      expect(ledger.peerIds).to.deep.equal(['c']);
    });

    it('counts any message as a sign of life, changes as well as snapshots', () => {
      const { ledger } = setup();
      ledger.replace('b', { dev: ['bob'] }, 0);
      ledger.change('b', [{ room: 'ops', user: 'bob', present: true }], 10_000);
      expect(ledger.expire(EXPIRY_MS)).to.deep.equal([]);
      expect(ledger.expire(10_000 + EXPIRY_MS)).to.deep.equal(['b']);
    });

    it('takes back a dropped node that speaks again, as new', () => {
      const { ledger, take } = setup();
      ledger.replace('b', { dev: ['bob'] }, 0);
      ledger.expire(EXPIRY_MS);
      take();
      ledger.replace('b', { dev: ['bob'] }, EXPIRY_MS + 1000);
      expect(take()).to.deep.equal(['dev +bob']);
      expect(ledger.users('dev')).to.deep.equal(['bob']);
    });

    it('never expires this node’s own users', () => {
      const { ledger, take } = setup();
      ledger.setOwn('dev', 'alice', true);
      take();
      expect(ledger.expire(10 * EXPIRY_MS)).to.deep.equal([]);
      expect(take()).to.deep.equal([]);
      expect(ledger.users('dev')).to.deep.equal(['alice']);
    });
  });
});
