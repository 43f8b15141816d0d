/**
 * A fresh process that measures one thing and prints it as one JSON line, so resident memory is
 * not muddied by what ran before. The parent (suite.ts) runs it with --expose-gc:
 *
 *   node --expose-gc dist/bench/runtime-costs/probe.js '{"kind":"startup","cpus":32,"online":2}'
 *   node --expose-gc dist/bench/runtime-costs/probe.js '{"kind":"memory","cpus":32,"writers":2,"seed":2005}'
 */
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { AREA_GUARD, DEFAULT_AREA_SIZE, Runtime } from 'percpu';
import { Prng } from '../lib/prng.js';
import { makeRig } from '../allocator/rig.js';
import { median } from '../lib/timing.js';

export interface StartupProbe {
  readonly kind: 'startup';
  readonly cpus: number;
  readonly online: number;
}

export interface MemoryProbe {
  readonly kind: 'memory';
  readonly cpus: number;
  /** CPUs that write their copies first (as the online ones would); then every possible CPU writes. */
  readonly writers: number;
  readonly seed: number;
}

export type Probe = StartupProbe | MemoryProbe;

export interface StartupResult {
  readonly startMs: number;
  readonly closeMs: number;
  readonly rssBefore: number;
  readonly rssStarted: number;
  /** Reserved per CPU: the area plus its guards, in bytes (address space, not memory). */
  readonly reservedPerCpu: number;
  /** rt.sum of one counter over all possible CPUs, ns (median of batches). */
  readonly sumOneNs: number;
  /** rt.sum of each of 10,000 counters over all possible CPUs, µs for all (median). */
  readonly sumTenThousandUs: number;
}

export interface MemoryResult {
  readonly rssBefore: number;
  readonly rssReserved: number;
  readonly rssAllocated: number;
  readonly rssWrittenByWriters: number;
  readonly rssWrittenByAll: number;
  /** Bytes per CPU that the live allocations' pages cover (stats().populatedBytes). */
  readonly populatedBytesPerCpu: number;
  readonly requestedBytesPerCpu: number;
  readonly liveAllocations: number;
  /** Bytes the allocator zeroed per CPU while allocating (areas over pages handed out before). */
  readonly zeroedBytesPerCpu: number;
  readonly reservedPerCpu: number;
}

const TASKS = fileURLToPath(new URL('./tasks.js', import.meta.url));
const SUM_COUNTERS = 10_000;

function settledRss(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run the probe with --expose-gc');
  gc();
  gc();
  return process.memoryUsage.rss();
}

const nowNs = (): bigint => process.hrtime.bigint();

async function startup(probe: StartupProbe): Promise<StartupResult> {
  const rssBefore = settledRss();
  const start = nowNs();
  const rt = await Runtime.start({
    cpus: probe.cpus,
    online: probe.online,
    tasks: TASKS,
    logger: pino({ level: 'silent' }),
  });
  const startMs = Number(nowNs() - start) / 1e6;
  const rssStarted = settledRss();

  const one = rt.alloc(4);
  if (one === null) throw new Error('out of per-CPU space');
  for (let cpu = 0; cpu < probe.cpus; cpu++) rt.write(one, cpu, 's32', cpu + 1);
  const batch = 10_000;
  const oneNs: number[] = [];
  let sink = 0;
  for (let i = -3; i < 15; i++) {
    const t = nowNs();
    for (let j = 0; j < batch; j++) sink += rt.sum(one, 's32');
    if (i >= 0) oneNs.push(Number(nowNs() - t) / batch);
  }
  const ptrs: number[] = [];
  for (let i = 0; i < SUM_COUNTERS; i++) {
    const ptr = rt.alloc(4);
    if (ptr === null) throw new Error('out of per-CPU space');
    ptrs.push(ptr);
    for (let cpu = 0; cpu < probe.cpus; cpu++) rt.write(ptr, cpu, 's32', (i + cpu) & 0xff);
  }
  const manyUs: number[] = [];
  for (let i = -3; i < 21; i++) {
    const t = nowNs();
    for (const ptr of ptrs) sink += rt.sum(ptr, 's32');
    if (i >= 0) manyUs.push(Number(nowNs() - t) / 1000);
  }
  if (sink === 0) throw new Error('nothing summed');

  const closing = nowNs();
  await rt.close();
  const closeMs = Number(nowNs() - closing) / 1e6;
  return {
    startMs,
    closeMs,
    rssBefore,
    rssStarted,
    reservedPerCpu: DEFAULT_AREA_SIZE + 2 * AREA_GUARD,
    sumOneNs: median(oneNs),
    sumTenThousandUs: median(manyUs),
  };
}

/** The allocator tests' shapes: Kiran's 2000 four-byte counters and 2000 random objects. */
function allocateLikeTheAllocatorTests(
  alloc: (size: number, align: number) => number | null,
  seed: number,
): { live: [number, number][]; requested: number } {
  const prng = new Prng(seed);
  const live: [number, number][] = [];
  let requested = 0;
  const take = (size: number, align: number): void => {
    const ptr = alloc(size, align);
    if (ptr === null) throw new Error('out of per-CPU space');
    live.push([ptr, size]);
    requested += size;
  };
  for (let i = 0; i < 2000; i++) take(4, 4);
  for (let i = 0; i < 2000; i++) take(prng.int(1, 4096), 2 ** prng.int(2, 8));
  return { live, requested };
}

function memory(probe: MemoryProbe): MemoryResult {
  const rssBefore = settledRss();
  const rig = makeRig({ cpus: probe.cpus, areaSize: DEFAULT_AREA_SIZE });
  const rssReserved = settledRss();
  const { live, requested } = allocateLikeTheAllocatorTests(
    (size, align) => rig.allocator.alloc(size, align),
    probe.seed,
  );
  const rssAllocated = settledRss();
  const write = (cpu: number): void => {
    const bytes = rig.memory.views[cpu]!.u8;
    for (const [ptr, size] of live) bytes.fill(0xa5, ptr, ptr + size);
  };
  for (let cpu = 0; cpu < probe.writers; cpu++) write(cpu);
  const rssWrittenByWriters = settledRss();
  for (let cpu = probe.writers; cpu < probe.cpus; cpu++) write(cpu);
  const rssWrittenByAll = settledRss();
  const stats = rig.allocator.stats();
  return {
    rssBefore,
    rssReserved,
    rssAllocated,
    rssWrittenByWriters,
    rssWrittenByAll,
    populatedBytesPerCpu: stats.populatedBytes,
    requestedBytesPerCpu: requested,
    liveAllocations: live.length,
    zeroedBytesPerCpu: rig.zeroed.bytes,
    reservedPerCpu: DEFAULT_AREA_SIZE + 2 * AREA_GUARD,
  };
}

async function main(): Promise<void> {
  const probe = JSON.parse(process.argv[2] ?? '{}') as Probe;
  const result = probe.kind === 'startup' ? await startup(probe) : memory(probe);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
