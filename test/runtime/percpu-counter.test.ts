/**
 * percpu_counter across real CPUs: the default batch, adds that stay local below ±batch and fold
 * at it, read() (approximate) against sum() (exact), compare() choosing between them at
 * batch × online CPUs, set(), destroy() and running out of counter slots.
 */
import { describe, expect, it } from 'vitest';
import { ClosedError, InvalidArgumentError, OutOfSpaceError, type PercpuCounter } from 'percpu';
import { rejectionOf, thrownBy, trackRuntimes } from './helpers.js';

const runtimes = trackRuntimes();

describe('batch', () => {
  it('defaults to max(32, 2 × online CPUs), counted when the counter is made', async () => {
    const rt = await runtimes.start({ cpus: 3, online: 1 });
    expect(rt.counter().batch).toBe(32);
    await rt.online(1);
    await rt.online(2);
    expect(rt.counter().batch).toBe(32);
    expect(rt.counter({ batch: 5 }).batch).toBe(5);
    expect(rt.counter({ batch: 5 }).handle.batch).toBe(5);
  });

  it('is 2 × online CPUs above 16 online CPUs', async () => {
    const rt = await runtimes.start({ cpus: 18, online: 17, areaSize: 1 << 20 });
    expect(rt.counter().batch).toBe(34);
    await rt.offline(16);
    expect(rt.counter().batch).toBe(32);
  });

  it('rejects a batch that is not an integer from 1 to 2^30, naming `batch`', async () => {
    const rt = await runtimes.start({ cpus: 2 });
    for (const batch of [0, -1, 1.5, 2 ** 30 + 1, Number.NaN]) {
      const error = thrownBy(() => rt.counter({ batch }));
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).argument).toBe('batch');
    }
    expect(rt.stats().counters).toBe(0);
  });
});

describe('adds on a CPU', () => {
  it('stay local below the batch (read() 0, sum() exact) and fold at +batch', async () => {
    const rt = await runtimes.start({ cpus: 2 });
    const counter = rt.counter();
    const batch = counter.batch;
    expect(batch).toBe(32);

    const locals = await rt.runOn(0, 'counterAdd', { handle: counter.handle, times: batch - 1, amount: 1 });
    expect(locals).toBe(batch - 1);
    expect(rt.read(counter.handle.ptr, 0, 's32')).toBe(batch - 1);
    expect(counter.read()).toBe(0n);
    expect(counter.sum()).toBe(BigInt(batch - 1));

    // The batch-th add folds everything: read() jumps by batch, the local part returns to 0.
    expect(await rt.runOn(0, 'counterAdd', { handle: counter.handle, times: 1, amount: 1 })).toBe(0);
    expect(counter.read()).toBe(BigInt(batch));
    expect(counter.sum()).toBe(BigInt(batch));
    expect(rt.read(counter.handle.ptr, 0, 's32')).toBe(0);

    // One add of more than the batch folds it whole.
    expect(await rt.runOn(0, 'counterAdd', { handle: counter.handle, times: 1, amount: 100 })).toBe(0);
    expect(counter.read()).toBe(BigInt(batch + 100));
  });

  it('fold at -batch for negative amounts, and not before', async () => {
    const rt = await runtimes.start({ cpus: 2 });
    const counter = rt.counter();
    const { handle } = counter;
    // 20, then -40 leaves -20 (no fold), then -12 reaches -32 = -batch: fold.
    expect(await rt.runOn(1, 'counterSteps', { handle, steps: [20, -40, -11] })).toEqual([20, -20, -31]);
    expect(counter.read()).toBe(0n);
    expect(counter.sum()).toBe(-31n);
    expect(await rt.runOn(1, 'counterSteps', { handle, steps: [-1] })).toEqual([0]);
    expect(counter.read()).toBe(-32n);
    expect(counter.sum()).toBe(-32n);
  });

  it('inc() and dec() fold at exactly ±batch', async () => {
    const rt = await runtimes.start({ cpus: 2 });
    const counter = rt.counter({ batch: 4 });
    const { handle } = counter;
    expect(await rt.runOn(0, 'counterSteps', { handle, steps: ['inc', 'inc', 'inc', 'inc', 'inc'] })).toEqual([
      1, 2, 3, 0, 1,
    ]);
    expect(counter.read()).toBe(4n);
    expect(await rt.runOn(0, 'counterSteps', { handle, steps: ['dec', 'dec', 'dec', 'dec', 'dec', 'dec'] })).toEqual([
      0, -1, -2, -3, 0, -1,
    ]);
    expect(counter.read()).toBe(0n);
    expect(counter.sum()).toBe(-1n);
  });

  it('an amount that is not a safe integer fails the task and changes nothing', async () => {
    const rt = await runtimes.start({ cpus: 2 });
    const counter = rt.counter();
    await rt.runOn(0, 'counterAdd', { handle: counter.handle, times: 1, amount: 3 });
    for (const amount of [0.5, 2 ** 53]) {
      const error = await rejectionOf(rt.runOn(0, 'counterAdd', { handle: counter.handle, times: 1, amount }));
      expect((error as { remote?: { code?: string } }).remote?.code).toBe('PERCPU_INVALID_ARGUMENT');
    }
    expect(counter.sum()).toBe(3n);
    expect(counter.read()).toBe(0n);
  });

  it('N CPUs counting at once: sum() exact, read() the folded batches, locals the remainders', async () => {
    const rt = await runtimes.start({ cpus: 3 });
    const counter = rt.counter();
    const batch = counter.batch;
    const times = 10_000;
    const locals = await rt.runOnEach('counterAdd', { handle: counter.handle, times, amount: 1 });
    const remainder = times % batch;
    expect([...locals.values()]).toEqual([remainder, remainder, remainder]);
    expect(counter.sum()).toBe(BigInt(3 * times));
    expect(counter.read()).toBe(BigInt(3 * (times - remainder)));
    for (let cpu = 0; cpu < 3; cpu++) expect(rt.read(counter.handle.ptr, cpu, 's32')).toBe(remainder);
  });

  it('sum() stays exact while CPUs fold concurrently: never below a read() taken before it', async () => {
    const rt = await runtimes.start({ cpus: 2 });
    // batch 1: every add folds, so a fold is in flight on some CPU most of the time.
    const counter = rt.counter({ batch: 1 });
    const times = 400_000;
    const running = rt.runOnEach('counterAdd', { handle: counter.handle, times, amount: 1 });
    let done = false;
    void running.then(() => (done = true));
    const samples: { before: bigint; sum: bigint }[] = [];
    while (!done) {
      const before = counter.read();
      samples.push({ before, sum: counter.sum() });
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    await running;
    expect(samples.length).toBeGreaterThan(0);
    // Only increments: the exact sum is at least the global count read just before it, at least
    // the sum before it, and at most the total.
    const wrong = samples.filter(({ before, sum }, i) => sum < before || (i > 0 && sum < samples[i - 1]!.sum));
    expect(wrong.slice(0, 3), `${wrong.length} of ${samples.length} sums were below an earlier value`).toEqual([]);
    for (const { sum } of samples) expect(sum).toBeLessThanOrEqual(BigInt(2 * times));
    expect(counter.sum()).toBe(BigInt(2 * times));
  });
});

describe('compare()', () => {
  /** 2 online CPUs, batch 32: compare() trusts read() only further than 64 from rhs. */
  async function setup(): Promise<PercpuCounter> {
    const rt = await runtimes.start({ cpus: 2 });
    const counter = rt.counter();
    expect(counter.batch * rt.onlineCpus().length).toBe(64);
    await rt.runOn(0, 'counterAdd', { handle: counter.handle, times: 31, amount: 1 });
    expect(counter.read()).toBe(0n);
    expect(counter.sum()).toBe(31n);
    return counter;
  }

  it('uses the exact sum within batch × online CPUs of rhs', async () => {
    const counter = await setup();
    // read() alone (0) would answer 0, -1, -1 to the first three.
    expect(counter.compare(0)).toBe(1);
    expect(counter.compare(31)).toBe(0);
    expect(counter.compare(31n)).toBe(0);
    expect(counter.compare(32)).toBe(-1);
  });

  it('uses read() when it is further than batch × online CPUs from rhs', async () => {
    const rt = await runtimes.start({ cpus: 2 });
    const counter = rt.counter();
    // A local part far beyond the batch (written by the coordinator while CPU 1 is idle) makes
    // read() and sum() disagree by more than the slack of 64.
    rt.write(counter.handle.ptr, 1, 's32', 1000);
    expect(counter.read()).toBe(0n);
    expect(counter.sum()).toBe(1000n);
    expect(counter.compare(64)).toBe(1); // |0 - 64| = 64, not more: the exact sum (1000 > 64)
    expect(counter.compare(65)).toBe(-1); // |0 - 65| > 64: read() (0 < 65), though sum() is 1000
    expect(counter.compare(-65)).toBe(1);
    counter.add(500); // the global count moves read() too
    expect(counter.compare(565)).toBe(-1); // |500 - 565| > 64: read() (500 < 565), though sum() is 1500
    expect(counter.compare(564)).toBe(1); // |500 - 564| = 64: the exact sum (1500 > 564)
  });
});

describe('coordinator operations', () => {
  it('add() goes to the global count, read() and sum() both see it', async () => {
    const rt = await runtimes.start({ cpus: 2 });
    const counter = rt.counter();
    counter.add(7);
    counter.add(-2n);
    expect(counter.read()).toBe(5n);
    expect(counter.sum()).toBe(5n);
    const error = thrownBy(() => counter.add(0.5));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).argument).toBe('amount');
  });

  it('set() makes sum() equal the value, whatever the CPUs hold locally', async () => {
    const rt = await runtimes.start({ cpus: 2 });
    const counter = rt.counter();
    await rt.runOn(0, 'counterAdd', { handle: counter.handle, times: 1, amount: 40 });
    await rt.runOn(1, 'counterAdd', { handle: counter.handle, times: 1, amount: 5 });
    expect(counter.sum()).toBe(45n);
    counter.set(100);
    expect(counter.sum()).toBe(100n);
    expect(counter.read()).toBe(95n); // CPU 1's 5 is still its own
    counter.set(-7n);
    expect(counter.sum()).toBe(-7n);
    await rt.runOn(1, 'counterAdd', { handle: counter.handle, times: 1, amount: 1 });
    expect(counter.sum()).toBe(-6n);
  });

  it('destroy() frees it; any use afterwards throws', async () => {
    const rt = await runtimes.start({ cpus: 2 });
    const counter = rt.counter();
    const live = rt.stats().allocator.nrCurAlloc;
    expect(rt.stats().counters).toBe(1);
    counter.destroy();
    expect(counter.isDestroyed).toBe(true);
    expect(rt.stats().counters).toBe(0);
    expect(rt.stats().allocator.nrCurAlloc).toBe(live - 1);
    for (const use of [
      () => counter.read(),
      () => counter.sum(),
      () => counter.compare(0),
      () => counter.add(1),
      () => counter.set(1),
      () => counter.destroy(),
    ]) {
      const error = thrownBy(use);
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).argument).toBe('counter');
    }
    rt.verify();
  });

  it('running out of counter slots is an OutOfSpaceError; a freed slot starts again from 0', async () => {
    const rt = await runtimes.start({ cpus: 2, maxCounters: 2 });
    const a = rt.counter({ batch: 4 });
    const b = rt.counter();
    const error = thrownBy(() => rt.counter());
    expect(error).toBeInstanceOf(OutOfSpaceError);
    expect((error as OutOfSpaceError).code).toBe('PERCPU_OUT_OF_SPACE');
    expect(rt.stats().counters).toBe(2);

    // Leave something in a's global count and local parts, then recycle its slot.
    await rt.runOnEach('counterAdd', { handle: a.handle, times: 7, amount: 1 });
    expect(a.read()).not.toBe(0n);
    a.destroy();
    const c = rt.counter();
    expect(c.handle.slot).toBe(a.handle.slot);
    expect(c.read()).toBe(0n);
    expect(c.sum()).toBe(0n);
    await rt.runOn(1, 'counterAdd', { handle: c.handle, times: 3, amount: 1 });
    expect(c.sum()).toBe(3n);
    expect(b.sum()).toBe(0n);
    expect(thrownBy(() => rt.counter())).toBeInstanceOf(OutOfSpaceError);
  });

  it('after close(), counter() and a counter’s methods throw ClosedError', async () => {
    const rt = await runtimes.start({ cpus: 2 });
    const counter = rt.counter();
    await rt.close();
    expect(thrownBy(() => rt.counter())).toBeInstanceOf(ClosedError);
    expect(thrownBy(() => counter.add(1))).toBeInstanceOf(ClosedError);
  });
});
