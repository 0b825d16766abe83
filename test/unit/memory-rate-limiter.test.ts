import { expect } from 'chai';
import { MemoryRateLimiter } from '../../src/adapters/rate-limits/memory-rate-limiter.js';
import { stopWallClock } from '../support/wall-clock.js';

describe('MemoryRateLimiter', () => {
  let clock: ReturnType<typeof stopWallClock>;
  afterEach(() => clock.restore());

  function setup(count = 10, perSeconds = 60) {
    clock = stopWallClock();
    const limiter = new MemoryRateLimiter({ count, perSeconds });
    const takes = async (key: string, times: number) => {
      const answers: number[] = [];
      for (let i = 0; i < times; i += 1) answers.push(await limiter.take(key));
      return answers;
    };
    return { limiter, takes };
  }

  it('allows a burst of the whole budget at once, then answers the seconds until the window ends', async () => {
    const { limiter, takes } = setup(10, 60);
    expect(await takes('alice', 10)).to.deep.equal(Array(10).fill(0));
    expect(await limiter.take('alice')).to.equal(60);
    clock.advance(14_500);
    expect(await limiter.take('alice'), 'whole seconds, rounded up').to.equal(46);
  });

  it('gives the whole budget back when the window its first take opened ends, and not a unit before', async () => {
    const { limiter, takes } = setup(10, 60);
    await limiter.take('alice');
    clock.advance(50_000);
    expect(await takes('alice', 9)).to.deep.equal(Array(9).fill(0));
    clock.advance(9_999);
    expect(await limiter.take('alice'), 'no refill within the window').to.equal(1);
    clock.advance(1);
    expect(await takes('alice', 10)).to.deep.equal(Array(10).fill(0));
    expect(await limiter.take('alice')).to.equal(60);
  });

  it('lets twice the budget through back to back across a window’s end', async () => {
    const { takes } = setup(10, 60);
    await takes('alice', 1);
    clock.advance(59_000);
    const late = await takes('alice', 9);
    clock.advance(1_000);
    const early = await takes('alice', 10);
    expect([...late, ...early], '19 within a second').to.deep.equal(Array(19).fill(0));
  });

  it('keeps the long-run rate: taking every second for ten minutes passes 10 a minute', async () => {
    const { limiter } = setup(10, 60);
    let passed = 0;
    for (let second = 0; second < 600; second += 1) {
      if ((await limiter.take('alice')) === 0) passed += 1;
      clock.advance(1_000);
    }
    expect(passed).to.equal(100);
  });

  it('keeps each key’s budget apart', async () => {
    const { takes } = setup(2, 60);
    expect(await takes('alice', 3)).to.deep.equal([0, 0, 60]);
    expect(await takes('bob', 2)).to.deep.equal([0, 0]);
  });

  it('spends several units at once; a refused take of several stays counted in its window', async () => {
    const { limiter } = setup(5, 60);
    expect(await limiter.take('10.0.0.1', 4)).to.equal(0);
    expect(await limiter.take('10.0.0.1', 2)).to.equal(60);
    expect(await limiter.take('10.0.0.1'), 'the refused 2 were added before the comparison').to.equal(60);
    clock.advance(60_000);
    expect(await limiter.take('10.0.0.1', 5), 'nothing carried into the next window').to.equal(0);
  });

  it('rejects a take of no unit or of a fraction: a mistake, not a refusal', async () => {
    const { limiter } = setup(5, 60);
    for (const units of [0, 1.5, Number.NaN]) {
      const failure = await limiter.take('alice', units).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure, String(units)).to.be.instanceOf(RangeError);
    }
    expect(await limiter.take('alice', 5), 'nothing was spent').to.equal(0);
  });

  it('charges a take of more units than the whole budget the whole budget, so it can pass at all', async () => {
    const { limiter } = setup(5, 60);
    expect(await limiter.take('alice', 8)).to.equal(0);
    expect(await limiter.take('alice')).to.equal(60);
  });
});
