import { expect } from 'chai';
import fc from 'fast-check';
import { OrderedDelivery, type MessageLog, type OrderedDeliveryOptions } from '../../src/adapters/fanout/ordered-delivery.js';
import type { Message } from '../../src/domain/message.js';
import { SilentLogger } from '../fakes/silent-logger.js';
import { waitUntil } from '../support/burst.js';

const message = (id: number): Message => ({ id, room: id % 2 ? 'general' : 'dev', username: 'alice', text: `m${id}`, createdAt: new Date(0) });

/**
 * The store as the sequencer sees it: committed messages with dense ids.
 * Reads can be held open (to act while a fill is in flight) or made to
 * fail, and are counted.
 */
class FakeLog implements MessageLog {
  committed: Message[] = [];
  reads: Array<{ afterId: number; limit: number }> = [];
  readsInFlight = 0;
  mostReadsAtOnce = 0;
  failuresLeft = 0;
  /** When set, each read waits for release() before answering. */
  holdReads = false;
  delayMs = 0;
  private releases: Array<() => void> = [];

  commit(count: number): Message[] {
    const added = Array.from({ length: count }, (_, i) => message(this.committed.length + i + 1));
    this.committed.push(...added);
    return added;
  }

  async since(afterId: number, limit: number): Promise<Message[]> {
    this.reads.push({ afterId, limit });
    this.readsInFlight += 1;
    this.mostReadsAtOnce = Math.max(this.mostReadsAtOnce, this.readsInFlight);
    // The answer is what was committed when the read began, as a database's snapshot is.
    const answer = this.committed.filter((m) => m.id > afterId).slice(0, limit);
    try {
      // A turn of the event loop, as a real query takes: a loop of reads cannot starve the timers.
      await new Promise((resolve) => setImmediate(resolve));
      if (this.holdReads) await new Promise<void>((resolve) => this.releases.push(resolve));
      if (this.delayMs) await new Promise((resolve) => setTimeout(resolve, Math.random() * this.delayMs));
      if (this.failuresLeft > 0) {
        this.failuresLeft -= 1;
        throw new Error('connection refused');
      }
      return answer;
    } finally {
      this.readsInFlight -= 1;
    }
  }

  async lastId(): Promise<number> {
    return this.committed.at(-1)?.id ?? 0;
  }

  get waitingReads(): number {
    return this.releases.length;
  }

  release(): void {
    this.holdReads = false;
    for (const resolve of this.releases.splice(0)) resolve();
  }
}

describe('OrderedDelivery', () => {
  async function setup(options: Partial<OrderedDeliveryOptions> = {}, alreadyStored = 0) {
    const log = new FakeLog();
    log.commit(alreadyStored);
    const logger = new SilentLogger();
    const delivery = new OrderedDelivery(log, logger, { holeGraceMs: 0, retryMs: 20, pageSize: 100, ...options });
    const out: number[] = [];
    delivery.subscribe((m) => out.push(m.id));
    await delivery.start();
    /** Commits `count` messages; returns them, for the test to offer (or not) in any order. */
    const commit = (count: number) => log.commit(count);
    const offer = (...ids: number[]) => {
      for (const id of ids) delivery.offer(log.committed.find((m) => m.id === id) as Message);
    };
    const until = async (condition: () => boolean, what: string) => {
      expect(await waitUntil(condition, 2000), what).to.equal(true);
    };
    return { log, logger, delivery, out, commit, offer, until };
  }

  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  describe('when messages arrive in order', () => {
    it('delivers each at once, without reading the log', async () => {
      const { out, log, commit, offer, delivery } = await setup();
      commit(3);
      offer(1);
      expect(out).to.deep.equal([1]);
      offer(2, 3);
      expect(out).to.deep.equal([1, 2, 3]);
      expect(delivery.lastDelivered).to.equal(3);
      await pause(20);
      expect(log.reads).to.deep.equal([]);
    });

    it('starts after what the log held at start: older messages are not delivered again', async () => {
      const { out, commit, offer } = await setup({}, 5);
      commit(1);
      offer(4, 5, 6);
      expect(out).to.deep.equal([6]);
    });

    it('delivers what is offered before start() has read the log, from the earliest of it on', async () => {
      const log = new FakeLog();
      log.commit(3);
      const delivery = new OrderedDelivery(log, new SilentLogger(), { holeGraceMs: 0 });
      const out: number[] = [];
      delivery.subscribe((m) => out.push(m.id));
      const started = delivery.start();
      // Committed and offered while start() waits for lastId(): it must not be taken for old.
      log.commit(2);
      delivery.offer(log.committed.at(-1) as Message);
      expect(out).to.deep.equal([]);
      await started;
      await waitUntil(() => out.length === 2, 1000);
      expect(out).to.deep.equal([4, 5]);
    });

    it('restart() does not lose a message committed while it reads where to begin', async () => {
      const { delivery, log, out, commit, offer } = await setup();
      commit(2);
      offer(1, 2);
      log.committed = [];
      const restarted = delivery.restart();
      commit(1);
      offer(1);
      await restarted;
      expect(out).to.deep.equal([1, 2, 1]);
    });

    it('stops delivering to a listener that unsubscribed', async () => {
      const { delivery, commit, offer, out } = await setup();
      const second: number[] = [];
      const unsubscribe = delivery.subscribe((m) => second.push(m.id));
      commit(2);
      offer(1);
      unsubscribe();
      offer(2);
      expect(out).to.deep.equal([1, 2]);
      expect(second).to.deep.equal([1]);
    });
  });

  describe('duplicates', () => {
    it('delivers an id once however often it is offered', async () => {
      const { out, commit, offer } = await setup();
      commit(3);
      offer(1, 1, 2, 1, 2, 3, 3);
      expect(out).to.deep.equal([1, 2, 3]);
    });

    it('delivers a held message once when it is offered again before its turn', async () => {
      const { out, commit, offer } = await setup({ holeGraceMs: 1000 });
      commit(3);
      offer(3, 2, 3, 2, 1);
      expect(out).to.deep.equal([1, 2, 3]);
    });
  });

  describe('out of order', () => {
    it('holds successors until the predecessor arrives, within the grace, without reading the log', async () => {
      const { out, log, commit, offer } = await setup({ holeGraceMs: 200 });
      commit(4);
      offer(3, 4, 2);
      expect(out).to.deep.equal([]);
      offer(1);
      expect(out).to.deep.equal([1, 2, 3, 4]);
      await pause(250);
      expect(log.reads).to.deep.equal([]);
    });

    it('restarts the grace for each new hole, so a stream that keeps moving is never read', async () => {
      const { out, log, commit, offer } = await setup({ holeGraceMs: 60 });
      commit(20);
      // Pairs swapped: every second message opens a hole the next one closes, 30 ms later.
      for (let id = 1; id <= 20; id += 2) {
        offer(id + 1);
        await pause(30);
        offer(id);
      }
      expect(out).to.deep.equal(range(1, 20));
      expect(log.reads).to.deep.equal([]);
    });
  });

  describe('holes', () => {
    it('reads what never arrived from the log after the grace, and delivers it in order before what was held', async () => {
      const { out, log, commit, offer, until } = await setup({ holeGraceMs: 30 });
      commit(5);
      offer(1, 4, 5);
      expect(out).to.deep.equal([1]);
      await until(() => out.length === 5, 'the hole is filled');
      expect(out).to.deep.equal([1, 2, 3, 4, 5]);
      expect(log.reads).to.deep.equal([{ afterId: 1, limit: 100 }]);
    });

    it('reads page after page when the hole is larger than a page', async () => {
      const { out, log, commit, offer, until } = await setup({ pageSize: 3 });
      commit(10);
      offer(10);
      await until(() => out.length === 10, 'every page delivered');
      expect(out).to.deep.equal(range(1, 10));
      // Pages of 3 up to 9; the held 10 then follows without a read of its own.
      expect(log.reads.map((read) => read.afterId)).to.deep.equal([0, 3, 6]);
    });

    it('keeps one fill in flight, delivers arrivals during it in order, and drops what it then reads twice', async () => {
      const { out, log, commit, offer, until } = await setup();
      commit(3);
      offer(1, 3);
      log.holdReads = true;
      await until(() => log.waitingReads === 1, 'a fill is in flight');
      // While the read is open: more holes, duplicates, the missing message itself, and later ones.
      commit(5);
      offer(6, 2, 3, 5, 8, 4, 2);
      expect(out).to.deep.equal([1, 2, 3, 4, 5, 6]);
      await pause(20);
      expect(log.mostReadsAtOnce).to.equal(1);
      log.release();
      await until(() => out.length === 8, 'the fill finished and read on for 7');
      expect(out).to.deep.equal(range(1, 8));
      expect(log.mostReadsAtOnce).to.equal(1);
    });

    it('reads again when an arrival during a read was committed after the read began', async () => {
      const { out, log, logger, commit, offer, until } = await setup();
      commit(2);
      log.holdReads = true;
      offer(2);
      await until(() => log.waitingReads === 1, 'a fill is in flight');
      // Committed after the read took its snapshot, offered while it is open.
      commit(3);
      offer(5);
      log.release();
      await until(() => out.length === 5, 'both holes filled');
      expect(out).to.deep.equal(range(1, 5));
      expect(log.reads.map((read) => read.afterId)).to.deep.equal([0, 2]);
      expect(logger.entries, 'no confusion with a store emptied behind its back').to.deep.equal([]);
    });

    it('trusts the log when it skips an id: the next id it has is the next one', async () => {
      const { out, log, offer, until } = await setup();
      log.committed = [message(1), message(2), message(4), message(5)];
      offer(1, 5);
      await until(() => out.length === 4, 'delivered past the missing id');
      expect(out).to.deep.equal([1, 2, 4, 5]);
    });
  });

  describe('a bound on what is held', () => {
    it('drops arrivals past the bound and reads them back from the log, in order', async () => {
      const { out, log, delivery, commit, offer, until } = await setup({ holdMax: 3, holeGraceMs: 1000 });
      commit(12);
      offer(...range(2, 12).reverse());
      expect((delivery as unknown as { held: Map<number, Message> }).held.size).to.equal(3);
      delivery.catchUp();
      await until(() => out.length === 12, 'all delivered');
      expect(out).to.deep.equal(range(1, 12));
      expect(log.reads.length).to.be.at.least(1);
    });
  });

  describe('a failing log', () => {
    it('retries after a pause, warns once per outage, says when it recovers, and loses nothing', async () => {
      const { out, log, logger, commit, offer, until } = await setup({ retryMs: 30 });
      log.failuresLeft = 3;
      commit(6);
      offer(1, 4);
      // Arrivals during the outage: the next one still goes out at once, the rest wait.
      await until(() => log.reads.length >= 2, 'retrying');
      offer(2, 6);
      expect(out).to.deep.equal([1, 2]);
      await until(() => out.length === 6, 'recovered');
      expect(out).to.deep.equal(range(1, 6));
      expect(log.reads.length).to.equal(4);
      const events = logger.entries.map((entry) => `${entry.level} ${entry.event}`);
      expect(events).to.deep.equal([
        'warn fan-out cannot read the message store; retrying',
        'info fan-out reads the message store again',
      ]);
    });

    it('waits for the retry pause instead of reading on every arrival', async () => {
      const { log, commit, offer, until } = await setup({ retryMs: 200 });
      log.failuresLeft = 1;
      commit(10);
      offer(3);
      await until(() => log.reads.length === 1, 'first read');
      for (const id of range(4, 10)) offer(id);
      await pause(100);
      expect(log.reads.length).to.equal(1);
    });
  });

  describe('catch-up after the transport was down', () => {
    it('reads the log to its end, even with no arrival to reveal the hole', async () => {
      const { out, log, delivery, commit, until } = await setup({ pageSize: 4 });
      commit(9);
      delivery.catchUp();
      await until(() => out.length === 9, 'caught up');
      expect(out).to.deep.equal(range(1, 9));
      await pause(20);
      // Pages of 4: 4, 4, then a short page that shows the end.
      expect(log.reads.map((read) => read.afterId)).to.deep.equal([0, 4, 8]);
    });

    it('a catch-up asked for during a fill reads on to the end after it, in the same single fill', async () => {
      const { out, log, delivery, commit, offer, until } = await setup();
      commit(2);
      log.holdReads = true;
      offer(2);
      await until(() => log.waitingReads === 1, 'a fill is in flight');
      // Committed after that read began and never offered: only reading on finds them.
      commit(3);
      delivery.catchUp();
      expect(log.mostReadsAtOnce).to.equal(1);
      log.release();
      await until(() => out.length === 5, 'caught up to the end');
      expect(out).to.deep.equal(range(1, 5));
      expect(log.reads.map((read) => read.afterId)).to.deep.equal([0, 2]);
      expect(log.mostReadsAtOnce).to.equal(1);
    });

    it('an audit finds a message whose publication was lost and that no later message revealed', async () => {
      const { out, delivery, commit, offer, until } = await setup();
      commit(3);
      offer(1, 2);
      await delivery.audit();
      await until(() => out.length === 3, 'the lost tail is delivered');
      expect(out).to.deep.equal([1, 2, 3]);
    });
  });

  describe('a store changed behind its back', () => {
    it('is not stuck on ids the store does not have, and restart() begins again at its end', async () => {
      const { out, log, logger, delivery, commit, offer, until } = await setup();
      commit(3);
      offer(1, 2, 3);
      // The store is emptied (ids start again at 1), while an id of the old store is still announced.
      log.committed = [];
      delivery.noteCommitted(10);
      await until(() => logger.entries.some((entry) => entry.event === 'fan-out saw ids the message store does not have'), 'noticed');
      await until(() => delivery.settled, 'gave up on the phantom ids');
      const readsSoFar = log.reads.length;
      await pause(30);
      expect(log.reads.length, 'no endless reading').to.equal(readsSoFar);
      // Without restart() the new store's id 1 looks old; after it, the new ids are delivered.
      commit(2);
      await delivery.restart();
      commit(1);
      offer(3);
      expect(out).to.deep.equal([1, 2, 3, 3]);
    });
  });

  it('keeps delivering to the other listeners when one throws', async () => {
    const { delivery, logger, commit, offer, out } = await setup();
    delivery.subscribe(() => {
      throw new Error('boom');
    });
    const after: number[] = [];
    delivery.subscribe((m) => after.push(m.id));
    commit(2);
    offer(1, 2);
    expect(out).to.deep.equal([1, 2]);
    expect(after).to.deep.equal([1, 2]);
    expect(logger.entries.filter((entry) => entry.event === 'fan-out listener failed')).to.have.length(2);
  });

  it('after close() delivers nothing and reads nothing', async () => {
    const { delivery, log, commit, offer, out } = await setup();
    commit(3);
    await delivery.close();
    offer(1, 3);
    delivery.catchUp();
    await pause(20);
    expect(out).to.deep.equal([]);
    expect(log.reads).to.deep.equal([]);
  });

  it('whatever the arrival order, duplicates, losses and read delays: every id once, in order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 60 }),
        fc.array(fc.nat(), { minLength: 0, maxLength: 200 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 7 }),
        async (count, noise, lossRate, pageSize) => {
          const log = new FakeLog();
          log.delayMs = 3;
          const delivery = new OrderedDelivery(log, new SilentLogger(), { holeGraceMs: 1, pageSize, holdMax: 8, retryMs: 5 });
          const out: number[] = [];
          delivery.subscribe((m) => out.push(m.id));
          await delivery.start();
          log.commit(count);
          // Arrivals: every id, some lost, some repeated, in a shuffled order, with pauses between some.
          const arrivals = log.committed.filter((_, i) => (noise[i] ?? 0) % 100 >= lossRate * 100);
          for (const n of noise.slice(count)) arrivals.push(log.committed[n % count] as Message);
          for (let i = arrivals.length - 1; i > 0; i -= 1) {
            const j = (noise[i] ?? i) % (i + 1);
            [arrivals[i], arrivals[j]] = [arrivals[j] as Message, arrivals[i] as Message];
          }
          for (const [i, arrival] of arrivals.entries()) {
            delivery.offer(arrival);
            if ((noise[i] ?? 0) % 7 === 0) await pause(1);
          }
          // The transport knows nothing more: a catch-up (as after a resubscribe) covers a lost tail.
          delivery.catchUp();
          expect(await waitUntil(() => out.length >= count, 3000)).to.equal(true);
          await pause(5);
          expect(out).to.deep.equal(range(1, count));
          expect(log.mostReadsAtOnce).to.be.at.most(1);
          await delivery.close();
        },
      ),
      { numRuns: 60 },
    );
  });
});
