/** Turns allocator benchmark results into report sections: tables beside the published figures. Context: main thread. */
import * as fmt from '../lib/format.js';
import type { Table } from '../lib/table.js';
import type { DocSection } from '../report.js';
import type { KiranResult, KiranSeedRun } from './kiran.js';
import { median } from '../lib/timing.js';
import type { RigMemory } from './rig.js';
import { KIRAN, MILLION_KERNEL, ZHOU_AREA_MAP, ZHOU_KERNEL } from './reference.js';
import type { AllocatorResults } from './suite.js';

const QUICK_NOTE = 'Quick run: fewer objects than the reference, yet compared with its figures for 2^20.';

function kiranCountersTable(result: KiranResult): Table {
  return {
    title: 'Kiran (a): 2000 four-byte counters',
    headers: ['Step', 'Live', 'Chunks', 'Populated pages', 'Populated bytes', 'Utilization', 'Seed: 8 KiB blocks'],
    rows: result.steps.map((s, i) => {
      const blocks = KIRAN.counterBlocks[i];
      return [
        s.step,
        fmt.int(s.liveObjects),
        fmt.int(s.chunks),
        fmt.int(s.populatedPages),
        fmt.int(s.populatedBytes),
        s.populatedBytes === 0 ? '—' : fmt.pct(s.utilization),
        blocks === null || blocks === undefined ? '—' : `${blocks} (${fmt.int(blocks * KIRAN.blockSize)} B)`,
      ];
    }),
  };
}

function kiranObjectsTable(result: KiranResult): Table {
  return {
    title: 'Kiran (b): 2000 objects of random size 1..4096 and alignment 4..256',
    headers: [
      'Step',
      'Live',
      'Requested bytes',
      'Chunks',
      'Populated pages',
      'Populated bytes',
      'Utilization',
      'Seed',
      'Seed bytes',
    ],
    rows: result.steps.map((s, i) => {
      const seed = KIRAN.objectUtilization[i];
      const seedBytes = KIRAN.objectBytes[i];
      return [
        s.step,
        fmt.int(s.liveObjects),
        fmt.int(s.requestedBytes),
        fmt.int(s.chunks),
        fmt.int(s.populatedPages),
        fmt.int(s.populatedBytes),
        fmt.pct(s.utilization),
        seed === undefined ? '—' : fmt.pct(seed, 1),
        seedBytes === null || seedBytes === undefined
          ? '—'
          : `${fmt.int(seedBytes.requested)} in ${fmt.int(seedBytes.blocks)}`,
      ];
    }),
  };
}

/** Kiran (b) over more seeds: the spread of each step's utilization, and how often it meets the seed's figure. */
function kiranSeedsTable(result: KiranResult, runs: readonly KiranSeedRun[]): Table {
  const first = runs[0]?.seed ?? 0;
  const last = runs[runs.length - 1]?.seed ?? 0;
  return {
    title: `Kiran (b) for seeds ${first}..${last} (${runs.length} runs of the whole test)`,
    headers: ['Step', 'Lowest', 'Median', 'Highest', 'Seed (2005)', 'Runs at or above it'],
    rows: [0, 2].map((i) => {
      const values = runs.map((r) => r.utilization[i] ?? NaN).sort((a, b) => a - b);
      const target = KIRAN.objectUtilization[i] ?? 1;
      return [
        result.steps[i]?.step ?? '?',
        fmt.pct(values[0] ?? NaN),
        fmt.pct(median(values)),
        fmt.pct(values[values.length - 1] ?? NaN),
        fmt.pct(target, 1),
        `${values.filter((v) => v >= target).length} of ${values.length}`,
      ];
    }),
  };
}

function kiranCountersSection(result: KiranResult): DocSection {
  return {
    title: 'Kiran (a): counters',
    intro: [
      "Ravikiran Thirumalai's 2005 userspace test: 2000 four-byte counters, free a random half, allocate 2000 " +
        'again, free all. His allocator used 8 KiB blocks: one block, then two, then none. Here a chunk is a ' +
        '64 KiB unit populated page by page, so the comparable figure is populated bytes.',
    ],
    tables: [kiranCountersTable(result)],
    notes: [`Seed ${result.seed}; ${result.setup}; verify() passed after every step.`],
  };
}

function kiranObjectsSection(result: KiranResult, seeds: readonly KiranSeedRun[]): DocSection {
  const first = result.steps[0];
  return {
    title: 'Kiran (b): random objects',
    intro: [
      "The same mail's second test: 2000 objects of random size (1..4096 bytes) and random alignment (a power of " +
        'two, 4..256), then free a random half, then allocate 2000 more. Utilization is the bytes the live objects ' +
        "requested divided by the populated bytes of one CPU's unit (stats().populatedBytes). The seed measured " +
        'against whole 8 KiB blocks, which stay mapped until they empty; this allocator counts 4 KiB pages and ' +
        'depopulates a page as soon as it holds nothing.',
    ],
    tables: [kiranObjectsTable(result), kiranSeedsTable(result, seeds)],
    notes: [
      ...(first === undefined
        ? []
        : [
            `After the first 2000 allocations, ${fmt.pct(first.wasteBytes.between / (first.populatedBytes - first.requestedBytes), 0)} of the ` +
              'populated bytes no object asked for lie between two live objects: with nothing freed yet those gaps can only be ' +
              'alignment padding (an object sits at the lower or the upper aligned end of its free run, whichever pads less; ' +
              'up to 252 bytes), and an object small enough to fill one is rare when sizes are uniform over 1..4096.',
          ]),
      `Seed ${result.seed} (the targets judge it); the last table runs the whole test again for ${seeds.length} other seeds, to ` +
        `show how much one figure owes to its random numbers. ${result.setup}; verify() passed after every step.`,
    ],
  };
}

function zhouSection(results: AllocatorResults): DocSection {
  const { zhou } = results;
  const worstRows: string[][] = [];
  const detailRows: string[][] = [];
  for (const size of zhou.sizes) {
    const kernel = ZHOU_KERNEL.find((k) => k.size === size.size);
    const old = ZHOU_AREA_MAP.find((k) => k.size === size.size);
    worstRows.push([
      `${size.size} B`,
      fmt.ms(size.worstAllocMs),
      fmt.ms(size.worstFreeMs),
      kernel === undefined ? '—' : `${kernel.allocMs} / ${kernel.freeMs}`,
      fmt.ratio(kernel === undefined ? NaN : size.worstAllocMs / kernel.allocMs),
      fmt.ratio(kernel === undefined ? NaN : size.worstFreeMs / kernel.freeMs),
      old === undefined ? '—' : `${old.allocMs} / ${old.freeMs}`,
    ]);
    for (const run of size.runs) {
      detailRows.push([
        `${size.size} B`,
        run.pattern,
        fmt.ms(run.allocMs),
        fmt.ms(run.freeMs),
        fmt.int((run.allocMs * 1e6) / zhou.objects),
        fmt.int((run.freeMs * 1e6) / zhou.objects),
        fmt.bytes(run.zeroedBytes),
        fmt.int(run.chunks),
      ]);
    }
  }
  const setups = [...new Set(zhou.sizes.map((s) => `${s.size} B: ${s.setup}`))];
  return {
    title: `Zhou: ${fmt.count(zhou.objects)} objects per size`,
    intro: [
      `Dennis Zhou's 2017 benchmark of the kernel's bitmap allocator: ${fmt.count(zhou.objects)} objects of one size, ` +
        'allocated, then freed in order, alternating (every other one, then the rest) or in reverse. The worst case ' +
        "over the three patterns is compared with the kernel's published worst case (ms alloc / free).",
    ],
    tables: [
      {
        title: 'Worst case over the patterns, ms',
        headers: ['Size', 'Alloc', 'Free', 'Kernel bitmap', 'Alloc ratio', 'Free ratio', 'Kernel area map'],
        rows: worstRows,
      },
      {
        title: 'Every pattern',
        headers: ['Size', 'Pattern', 'Alloc ms', 'Free ms', 'ns/alloc', 'ns/free', 'Zeroed', 'Chunks'],
        rows: detailRows,
        align: ['left', 'left'],
      },
    ],
    notes: [
      'The three patterns run one after another on one allocator per size, with a PerCpuMemory of 1 CPU as the ' +
        'zeroer. The allocator skips zeroing only for an area that lands in a page never populated before; every ' +
        'other area is zeroed (the "Zeroed" column, per CPU). The kernel zeroes every area on every possible CPU. ' +
        `Alignment: 4 bytes. A warm-up of ${fmt.int(zhou.warmUpObjects)} objects per size and pattern runs first, untimed. ` +
        `Every time is the median of ${zhou.repeats} runs of the size in one fresh process.`,
      ...(results.mode === 'quick' ? [QUICK_NOTE] : []),
      `Set-up: ${setups.join('; ')}.`,
    ],
  };
}

function millionSection(results: AllocatorResults): DocSection {
  const m = results.million;
  const elapsedOrProjected = m.completed ? m.allocMs : m.projectedMs;
  return {
    title: `${fmt.count(m.allocations)} four-byte allocations at 8-byte alignment`,
    intro: [
      `${fmt.count(m.allocations)} allocations of ${m.size} bytes aligned to ${m.align}: each leaves a 4-byte hole ` +
        "no later request can use. For 1M such allocations the kernel's old area map took 52 minutes, its bitmap " +
        'allocator about 16 s. ' +
        `The run stops after ${m.timeLimitMs === 0 ? 'no time limit' : `${fmt.int(m.timeLimitMs / 1000)} s`}; a stopped run ` +
        'is projected to all allocations at the rate of its last 4,096.',
    ],
    tables: [
      {
        title: 'Time to allocate',
        headers: [
          'Allocations',
          'Made',
          'Alloc ms',
          'ns/alloc',
          'ns/alloc, last 4,096',
          'Projected ms',
          'Free ms',
          'Chunks',
          'Kernel bitmap ms',
          'Kernel area map ms',
          'Ratio to bitmap',
        ],
        rows: [
          [
            fmt.int(m.allocations),
            fmt.int(m.allocationsMade),
            fmt.ms(m.allocMs),
            fmt.int(m.nsPerAlloc),
            fmt.int(m.nsPerAllocLastBatch),
            m.completed ? '—' : fmt.int(m.projectedMs),
            fmt.ms(m.freeMs),
            fmt.int(m.chunks),
            fmt.int(MILLION_KERNEL.bitmapMs),
            fmt.int(MILLION_KERNEL.areaMapMs),
            `${fmt.ratio(elapsedOrProjected / MILLION_KERNEL.bitmapMs)}${m.completed ? '' : ' (projected)'}`,
          ],
        ],
      },
    ],
    notes: [
      `Set-up: ${m.setup}; zeroed ${fmt.bytes(m.zeroedBytes)}. A warm-up of 4,096 allocations runs first, untimed.`,
      ...(results.mode === 'quick' ? [QUICK_NOTE] : []),
    ],
  };
}

function scalingSection(results: AllocatorResults): DocSection {
  const s = results.scaling;
  const row = (p: typeof s.small, frees: string): string[] => [
    fmt.int(p.live),
    frees,
    `${p.rounds} × ${fmt.int(p.pairsPerRound)}`,
    fmt.int(p.nsPerPair),
    `${fmt.int(Math.min(...p.roundNsPerPair))}..${fmt.int(Math.max(...p.roundNsPerPair))}`,
    fmt.int(p.chunks),
    fmt.int(p.populatedPages),
  ];
  return {
    title: 'Scaling with live allocations',
    intro: [
      `Cost of one pair "allocate a random size (${s.sizeRange[0]}..${s.sizeRange[1]} bytes), free a random live ` +
        'allocation" with few and with many allocations live. Each figure is the median of the rounds, after an ' +
        'untimed warm-up round; sizes and victims are drawn before the clock starts.',
      `The control point has ${fmt.int(s.largeHot.live)} allocations live as well, but its frees pick among the first ` +
        `${fmt.int(s.small.live)} slots only, so the chunks each operation touches stay in the processor's caches: it ` +
        `costs ${fmt.ratio(s.hotRatio)} the small point. What the allocator does per operation (slot search, block hints, ` +
        "bitmaps) does not grow with the number of chunks or live allocations; the large point's extra cost is cache and TLB " +
        `misses on the metadata and memory of ${fmt.int(s.large.chunks)} chunks touched at random (see design.md).`,
    ],
    tables: [
      {
        title: 'ns per alloc + free pair',
        headers: [
          'Live allocations',
          'Frees pick among',
          'Pairs timed',
          'ns/pair (median)',
          'Rounds range',
          'Chunks',
          'Populated pages',
        ],
        rows: [
          row(s.small, 'all'),
          row(s.large, 'all'),
          [`ratio ${fmt.int(s.large.live)} / ${fmt.int(s.small.live)}`, '', '', fmt.ratio(s.ratio), '', '', ''],
          row(s.largeHot, `the first ${fmt.int(s.small.live)} slots (control)`),
          [`ratio control / ${fmt.int(s.small.live)}`, '', '', fmt.ratio(s.hotRatio), '', '', ''],
        ],
      },
    ],
    notes: [
      `Seed ${s.seed}. Set-up: ${s.large.setup} (large point); ${s.small.setup} (small point).`,
      ...(results.mode === 'quick' ? [QUICK_NOTE] : []),
    ],
  };
}

function memorySection(results: AllocatorResults): DocSection {
  const rows: [string, RigMemory][] = [
    ['Kiran (a)', results.kiranCounters.memory],
    ['Kiran (b)', results.kiranObjects.memory],
    ...results.zhou.sizes.map((z): [string, RigMemory] => [`Zhou, ${z.size}-byte objects`, z.memory]),
    ['1M four-byte allocations', results.million.memory],
    [`Scaling, ${fmt.int(results.scaling.small.live)} live`, results.scaling.small.memory],
    [`Scaling, ${fmt.int(results.scaling.large.live)} live`, results.scaling.large.memory],
  ];
  return {
    title: 'Allocator: memory per possible CPU after each test',
    intro: [
      'Each test reserves a per-CPU area (a `SharedArrayBuffer` per possible CPU, virtual memory) and the operating system ' +
        'backs a page only once it is written. "Populated" is what the allocator counts as handed out; "resident" is the growth of ' +
        "the process's resident set since the test's memory was made, divided by its CPUs (an upper bound: it includes the " +
        "allocator's metadata). The Kiran tests write every object on every CPU, as users do; the timed tests never write theirs.",
    ],
    tables: [
      {
        title: 'Memory per possible CPU',
        headers: ['Test', 'CPUs', 'Measured', 'Reserved per CPU', 'Populated per CPU', 'Resident per CPU'],
        rows: rows.map(([test, m]) => [
          test,
          fmt.int(m.cpus),
          m.when,
          fmt.mib(m.reservedPerCpu),
          fmt.kib(m.populatedPerCpu),
          fmt.kib(m.residentPerCpu),
        ]),
      },
    ],
    notes: [],
  };
}

export function allocatorSections(results: AllocatorResults): DocSection[] {
  return [
    kiranCountersSection(results.kiranCounters),
    kiranObjectsSection(results.kiranObjects, results.kiranObjectsSeeds),
    zhouSection(results),
    millionSection(results),
    scalingSection(results),
    memorySection(results),
  ];
}
