import { expect } from 'chai';
import fc from 'fast-check';
import { OrderedDelivery, type MessageLog, type OrderedDeliveryOptions } from '../../src/adapters/fanout/ordered-delivery.js';
import type { Message } from '../../src/domain/message.js';
import { FixedClock } from '../fakes/fixed-clock.js';
import { SilentLogger } from '../fakes/silent-logger.js';
import { eventually } from '../support/eventually.js';

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
  /** Further turns of the event loop each read takes, so that arrivals come while it is open. */
  extraTurns = 0;
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
      for (let turn = 0; turn <= this.extraTurns; turn += 1) await nextTurn();
      if (this.holdReads) await new Promise<void>((resolve) => this.releases.push(resolve));
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

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/** Time for the grace and retry timers only moves when a test moves it, so "not within the grace" is exact. */
const GRACE_MS = 100;
const RETRY_MS = 1000;

describe('OrderedDelivery', () => {
  async function setup(options: Partial<OrderedDeliveryOptions> = {}, alreadyStored = 0) {
    const log = new FakeLog();
    log.commit(alreadyStored);
    const logger = new SilentLogger();
    const clock = new FixedClock();
    const delivery = new OrderedDelivery(log, logger, { holeGraceMs: GRACE_MS, retryMs: RETRY_MS, pageSize: 100, clock, ...options });
    const out: number[] = [];
    delivery.subscribe((m) => out.push(m.id));
    await delivery.start();
    /** Commits `count` messages; returns them, for the test to offer (or not) in any order. */
    const commit = (count: number) => log.commit(count);
    const offer = (...ids: number[]) => {
      for (const id of ids) delivery.offer(log.committed.find((m) => m.id === id) as Message);
    };
    // Reads answer a turn of the event loop later: what they bring is awaited.
    const until = (condition: () => boolean, what: string) => eventually(condition, { what, timeoutMs: 2000 });
    /** The `count`th read failed and the retry is armed (no other timer runs while it is). */
    const failedReads = (count: number) => until(() => log.reads.length === count && clock.pending === 1, `read ${count} failed, retry armed`);
    return { log, logger, clock, delivery, out, commit, offer, until, failedReads };
  }

  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

  describe('when messages arrive in order', () => {
    it('delivers each at once, without reading the log', async () => {
      const { out, log, clock, commit, offer, delivery } = await setup();
      commit(3);
      offer(1);
      expect(out).to.deep.equal([1]);
      offer(2, 3);
      expect(out).to.deep.equal([1, 2, 3]);
      expect(delivery.lastDelivered).to.equal(3);
      expect(clock.pending, 'no timer armed').to.equal(0);
      clock.advance(60_000);
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
      const clock = new FixedClock();
      const delivery = new OrderedDelivery(log, new SilentLogger(), { holeGraceMs: GRACE_MS, clock });
      const out: number[] = [];
      delivery.subscribe((m) => out.push(m.id));
      const started = delivery.start();
      // Committed and offered while start() waits for lastId(): it must not be taken for old.
      log.commit(2);
      delivery.offer(log.committed.at(-1) as Message);
      expect(out).to.deep.equal([]);
      await started;
      // Only 5 was offered: 4 is a hole, read after the grace.
      clock.advance(GRACE_MS);
      await eventually(() => out.length === 2, { what: 'both delivered', timeoutMs: 2000 });
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
      const { out, commit, offer } = await setup();
      commit(3);
      offer(3, 2, 3, 2, 1);
      expect(out).to.deep.equal([1, 2, 3]);
    });
  });

  describe('out of order', () => {
    it('holds successors until the predecessor arrives, within the grace, without reading the log', async () => {
      const { out, log, clock, commit, offer } = await setup();
      commit(4);
      offer(3, 4, 2);
      clock.advance(GRACE_MS - 1);
      expect(out).to.deep.equal([]);
      offer(1);
      expect(out).to.deep.equal([1, 2, 3, 4]);
      clock.advance(60_000);
      expect(log.reads).to.deep.equal([]);
    });

    it('restarts the grace for each new hole, so a stream that keeps moving is never read', async () => {
      const { out, log, clock, commit, offer } = await setup();
      commit(20);
      // Pairs swapped: every second message opens a hole the next one closes, most of a grace later.
      for (let id = 1; id <= 20; id += 2) {
        offer(id + 1);
        clock.advance(GRACE_MS - 1);
        offer(id);
      }
      expect(out).to.deep.equal(range(1, 20));
      expect(log.reads).to.deep.equal([]);
      expect(clock.pending, 'no grace left running').to.equal(0);
    });
  });

  describe('holes', () => {
    it('reads what never arrived from the log after the grace, and delivers it in order before what was held', async () => {
      const { out, log, clock, commit, offer, until } = await setup();
      commit(5);
      offer(1, 4, 5);
      clock.advance(GRACE_MS - 1);
      expect(out).to.deep.equal([1]);
      expect(log.reads, 'not within the grace').to.deep.equal([]);
      clock.advance(1);
      await until(() => out.length === 5, 'the hole is filled');
      expect(out).to.deep.equal([1, 2, 3, 4, 5]);
      expect(log.reads).to.deep.equal([{ afterId: 1, limit: 100 }]);
    });

    it('reads page after page when the hole is larger than a page', async () => {
      const { out, log, clock, commit, offer, until } = await setup({ pageSize: 3 });
      commit(10);
      offer(10);
      clock.advance(GRACE_MS);
      await until(() => out.length === 10, 'every page delivered');
      expect(out).to.deep.equal(range(1, 10));
      // Pages of 3 up to 9; the held 10 then follows without a read of its own.
      expect(log.reads.map((read) => read.afterId)).to.deep.equal([0, 3, 6]);
    });

    it('keeps one fill in flight, delivers arrivals during it in order, and drops what it then reads twice', async () => {
      const { out, log, clock, commit, offer, until } = await setup();
      commit(3);
      offer(1, 3);
      log.holdReads = true;
      clock.advance(GRACE_MS);
      await until(() => log.waitingReads === 1, 'a fill is in flight');
      // While the read is open: more holes, duplicates, the missing message itself, and later ones.
      commit(5);
      offer(6, 2, 3, 5, 8, 4, 2);
      expect(out).to.deep.equal([1, 2, 3, 4, 5, 6]);
      // Neither the new hole's grace nor anything else starts a second read while one is open.
      clock.advance(60_000);
      expect(log.reads).to.have.length(1);
      expect(log.mostReadsAtOnce).to.equal(1);
      log.release();
      await until(() => out.length === 8, 'the fill finished and read on for 7');
      expect(out).to.deep.equal(range(1, 8));
      expect(log.mostReadsAtOnce).to.equal(1);
    });

    it('reads again when an arrival during a read was committed after the read began', async () => {
      const { out, log, logger, clock, commit, offer, until } = await setup();
      commit(2);
      log.holdReads = true;
      offer(2);
      clock.advance(GRACE_MS);
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
      const { out, log, clock, offer, until } = await setup();
      log.committed = [message(1), message(2), message(4), message(5)];
      offer(1, 5);
      clock.advance(GRACE_MS);
      await until(() => out.length === 4, 'delivered past the missing id');
      expect(out).to.deep.equal([1, 2, 4, 5]);
    });
  });

  describe('a bound on what is held', () => {
    it('drops arrivals past the bound and reads them back from the log, in order', async () => {
      const { out, log, delivery, commit, offer, until } = await setup({ holdMax: 3 });
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
      const { out, log, logger, clock, commit, offer, until, failedReads } = await setup();
      log.failuresLeft = 3;
      commit(6);
      offer(1, 4);
      clock.advance(GRACE_MS);
      await failedReads(1);
      clock.advance(RETRY_MS);
      await failedReads(2);
      // Arrivals during the outage: the next one still goes out at once, the rest wait.
      offer(2, 6);
      expect(out).to.deep.equal([1, 2]);
      clock.advance(RETRY_MS);
      await failedReads(3);
      clock.advance(RETRY_MS);
      await until(() => out.length === 6, 'recovered');
      expect(out).to.deep.equal(range(1, 6));
      expect(log.reads.length).to.equal(4);
      const events = logger.entries.map((entry) => `${entry.level} ${entry.event}`);
      expect(events).to.deep.equal(['warn fan-out cannot read the message store; retrying', 'info fan-out reads the message store again']);
    });

    it('waits for the retry pause instead of reading on every arrival', async () => {
      const { log, clock, commit, offer, until, failedReads } = await setup();
      log.failuresLeft = 1;
      commit(10);
      offer(3);
      clock.advance(GRACE_MS);
      await failedReads(1);
      for (const id of range(4, 10)) offer(id);
      clock.advance(RETRY_MS - 1);
      expect(log.reads.length).to.equal(1);
      clock.advance(1);
      expect(log.reads.length, 'read again once the pause is over').to.equal(2);
      await until(() => log.readsInFlight === 0, 'the read answered');
    });
  });

  describe('catch-up after the transport was down', () => {
    it('reads the log to its end, even with no arrival to reveal the hole', async () => {
      const { out, log, delivery, commit, until } = await setup({ pageSize: 4 });
      commit(9);
      delivery.catchUp();
      await until(() => out.length === 9, 'caught up');
      expect(out).to.deep.equal(range(1, 9));
      await until(() => delivery.settled, 'the fill ended');
      // Pages of 4: 4, 4, then a short page that shows the end.
      expect(log.reads.map((read) => read.afterId)).to.deep.equal([0, 4, 8]);
    });

    it('a catch-up asked for during a fill reads on to the end after it, in the same single fill', async () => {
      const { out, log, clock, delivery, commit, offer, until } = await setup();
      commit(2);
      log.holdReads = true;
      offer(2);
      clock.advance(GRACE_MS);
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
      const { out, clock, delivery, commit, offer, until } = await setup();
      commit(3);
      offer(1, 2);
      await delivery.audit();
      clock.advance(GRACE_MS);
      await until(() => out.length === 3, 'the lost tail is delivered');
      expect(out).to.deep.equal([1, 2, 3]);
    });
  });

  describe('a store changed behind its back', () => {
    it('is not stuck on ids the store does not have, and restart() begins again at its end', async () => {
      const { out, log, logger, clock, delivery, commit, offer, until } = await setup();
      commit(3);
      offer(1, 2, 3);
      // The store is emptied (ids start again at 1), while an id of the old store is still announced.
      log.committed = [];
      delivery.noteCommitted(10);
      clock.advance(GRACE_MS);
      await until(() => logger.entries.some((entry) => entry.event === 'fan-out saw ids the message store does not have'), 'noticed');
      await until(() => delivery.settled, 'gave up on the phantom ids');
      const readsSoFar = log.reads.length;
      expect(clock.pending, 'no timer left to read again').to.equal(0);
      clock.advance(60_000);
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
    const { delivery, log, clock, commit, offer, out } = await setup();
    commit(3);
    await delivery.close();
    offer(1, 3);
    delivery.catchUp();
    expect(clock.pending, 'no timer armed').to.equal(0);
    clock.advance(60_000);
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
        fc.integer({ min: 0, max: 3 }),
        async (count, noise, lossRate, pageSize, readTurns) => {
          const log = new FakeLog();
          log.extraTurns = readTurns;
          const clock = new FixedClock();
          const delivery = new OrderedDelivery(log, new SilentLogger(), { holeGraceMs: 1, pageSize, holdMax: 8, retryMs: 5, clock });
          const out: number[] = [];
          delivery.subscribe((m) => out.push(m.id));
          await delivery.start();
          log.commit(count);
          // Arrivals: every id, some lost, some repeated, in a shuffled order, with time passing and reads answering between some.
          const arrivals = log.committed.filter((_, i) => (noise[i] ?? 0) % 100 >= lossRate * 100);
          for (const n of noise.slice(count)) arrivals.push(log.committed[n % count] as Message);
          for (let i = arrivals.length - 1; i > 0; i -= 1) {
            const j = (noise[i] ?? i) % (i + 1);
            [arrivals[i], arrivals[j]] = [arrivals[j] as Message, arrivals[i] as Message];
          }
          for (const [i, arrival] of arrivals.entries()) {
            delivery.offer(arrival);
            if ((noise[i] ?? 0) % 7 === 0) {
              clock.advance((noise[i] ?? 0) % 3);
              await nextTurn();
            }
          }
          // The transport knows nothing more: a catch-up (as after a resubscribe) covers a lost tail.
          delivery.catchUp();
          await eventually(() => delivery.settled, { what: 'settled', timeoutMs: 3000 });
          expect(out).to.deep.equal(range(1, count));
          expect(log.mostReadsAtOnce).to.be.at.most(1);
          await delivery.close();
        },
      ),
      { numRuns: 60 },
    );
  });
});
