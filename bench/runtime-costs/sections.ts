/** Report sections for the runtime's costs (start-up, round trips, sums) and memory per possible CPU. Context: main thread. */
import * as fmt from '../lib/format.js';
import { kib, mib, us } from '../lib/format.js';
import type { Summary } from '../lib/stats.js';
import type { DocSection } from '../report.js';
import type { CostResults } from './suite.js';

const tripRow = (what: string, s: Summary): string[] => [
  what,
  us(s.min),
  us(s.p10),
  us(s.median),
  us(s.p99),
  us(s.max),
  fmt.int(s.samples),
];

export function costSections(results: CostResults): DocSection[] {
  const startup: DocSection = {
    title: 'Start-up and resident memory',
    intro: [
      `\`Runtime.start\` in a fresh Node process (median of ${results.sizes.startupRepeats}): the time until every online CPU's ` +
        "worker has loaded the tasks module, and the growth of the process's resident memory (RSS, after a full GC). Each possible " +
        'CPU reserves its area (64 MiB of address space by default); each online CPU is a worker thread (a V8 isolate).',
    ],
    tables: [
      {
        title: 'Runtime.start and close',
        headers: [
          'Possible CPUs',
          'Online',
          'Start ms',
          'Close ms',
          'RSS delta',
          'per possible CPU',
          'per online CPU',
          'Address space reserved',
        ],
        rows: results.startup.map((s) => [
          fmt.int(s.cpus),
          `${s.online}${s.online === s.cpus ? ' (all)' : ''}`,
          fmt.ms(s.startMs),
          fmt.ms(s.closeMs),
          mib(s.rssDelta),
          mib(s.rssDelta / s.cpus),
          mib(s.rssDelta / s.online),
          fmt.bytes(s.reservedPerCpu * s.cpus),
        ]),
      },
    ],
    notes: [
      "Almost all of the RSS is the online CPUs' worker threads; possible CPUs that are not online cost address space only.",
    ],
  };
  const roundTrip: DocSection = {
    title: "A CPU's allocation round trip",
    intro: [
      'A task on CPU 0 times `await thisCpu.alloc(16)` then `await thisCpu.free(ptr)`, back to back: each request goes through ' +
        "the CPU's mailbox to the coordinator's `Atomics.waitAsync` loop and back. The coordinator keeps polling for " +
        '`requestPollUs` (default 200 µs) after a request, so back-to-back requests are served within a poll; one that finds it ' +
        'asleep waits for it to wake (the slow tail). For comparison: an empty task, `rt.runOn(0, ...)` (a piscina message round trip).',
    ],
    tables: [
      {
        title: 'Round trips, µs',
        headers: ['Request', 'Min', 'p10', 'Median', 'p99', 'Max', 'Samples'],
        rows: [
          tripRow('`thisCpu.alloc(16)`', results.allocUs),
          tripRow('`thisCpu.free(ptr)`', results.freeUs),
          tripRow('`rt.runOn(0, noop)` (a task)', results.taskUs),
        ],
      },
    ],
    notes: [],
  };
  const sum: DocSection = {
    title: 'Summing counters over all CPUs',
    intro: [
      "`rt.sum(ptr, 's32')` reads every possible CPU's copy (online or not) and adds them, asking nothing of the CPUs. One " +
        'counter: the median of batches of 10,000 sums; 10,000 counters (each its own 4-byte allocation): the median of 21 passes ' +
        'of one `rt.sum` per counter. Measured in the start-up processes above.',
    ],
    tables: [
      {
        title: 'rt.sum over all possible CPUs',
        headers: ['Possible CPUs', 'One counter', '10,000 counters', 'per (CPU, counter)'],
        rows: results.startup.map((s) => [
          fmt.int(s.cpus),
          `${us(s.sumOneNs / 1000)} µs`,
          `${us(s.sumTenThousandUs)} µs`,
          `${((s.sumTenThousandUs * 1000) / (10_000 * s.cpus)).toFixed(2)} ns`,
        ]),
      },
    ],
    notes: [],
  };
  return [startup, roundTrip, sum];
}

export function memorySections(results: CostResults): DocSection[] {
  const m0 = results.memory[0];
  const writers = m0?.writers ?? 2;
  return [
    {
      title: 'Memory per possible CPU after the allocator tests',
      intro: [
        'In a fresh process (RSS after a full GC at each step): reserve the per-CPU areas (`PerCpuMemory`, 64 MiB of address ' +
          "space per possible CPU, as the runtime does), make the allocator tests' allocations (Kiran's 2,000 four-byte counters " +
          `and 2,000 objects of 1..4,096 bytes aligned to 4..256` +
          `${m0 === undefined ? '' : `: ${fmt.bytes(m0.requestedBytesPerCpu)} requested, ${fmt.bytes(m0.populatedBytesPerCpu)} of populated pages per CPU`}), ` +
          `then let ${writers} CPUs write every byte of their copies (as ${writers} online CPUs would), then every possible CPU.`,
      ],
      tables: [
        {
          title: 'RSS growth from the start of the process',
          headers: [
            'Possible CPUs',
            'Areas reserved',
            'after the allocations',
            `after ${writers} CPUs wrote`,
            'after all wrote',
          ],
          rows: results.memory.map((m) => [
            fmt.int(m.cpus),
            mib(m.rssReserved - m.rssBefore),
            mib(m.rssAllocated - m.rssBefore),
            mib(m.rssWrittenByWriters - m.rssBefore),
            mib(m.rssWrittenByAll - m.rssBefore),
          ]),
        },
        {
          title: 'Per possible CPU',
          headers: [
            'Possible CPUs',
            'Reserved, untouched',
            'Zeroed by the allocator',
            'Written (after all wrote)',
            'Populated pages per CPU',
          ],
          rows: results.memory.map((m) => [
            fmt.int(m.cpus),
            kib((m.rssAllocated - m.rssBefore) / m.cpus),
            kib(m.zeroedBytesPerCpu),
            kib((m.rssWrittenByAll - m.rssBefore) / m.cpus),
            kib(m.populatedBytesPerCpu),
          ]),
        },
      ],
      notes: [
        '"Reserved, untouched" is everything before any CPU wrote (the areas, the allocator\'s metadata, what it zeroed), per ' +
          "possible CPU. The allocator zeroes an area only where it lies in a page handed out before, on every possible CPU's copy. " +
          'A page is committed on a CPU when that CPU first writes it, and stays committed while the buffer lives.',
      ],
    },
  ];
}
