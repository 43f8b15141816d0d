/**
 * The counters table of `percpu run` (src/cli/counter-table.ts), on made-up checks: a mismatch
 * must show even when it is not among the busiest (the real CLI's counts are exact, so
 * test/cli/run.test.ts cannot show one), and the total row covers every object.
 */
import { describe, expect, it } from 'vitest';
import { BUSIEST_SHOWN, renderCounterTable } from '../../src/cli/counter-table.js';
import type { CounterCheck } from '../../src/cli/run-workload.js';

function check(ptr: number, expected: number, actual = expected): CounterCheck {
  return {
    ptr,
    fields: 1,
    allocatedBy: ptr % 2 === 0 ? 'coordinator' : { cpu: 1 },
    expected: [String(expected)],
    actual: [String(actual)],
    exact: expected === actual,
  };
}

describe('renderCounterTable', () => {
  const checks = Array.from({ length: 20 }, (_, i) => check(1000 + i, (i + 1) * 10));

  it(`shows the ${BUSIEST_SHOWN} busiest, busiest first, then the total of all`, () => {
    const lines = renderCounterTable(checks, false).split('\n');
    expect(lines[0]).toBe(
      `Counters, the ${BUSIEST_SHOWN} busiest of 20 (expected = what the CPUs did, actual = the sum over CPUs)`,
    );
    expect(lines.slice(3, 11).map((l) => Number(l.split(/\s+/)[0]))).toEqual([
      1019, 1018, 1017, 1016, 1015, 1014, 1013, 1012,
    ]);
    expect(lines[3]).toContain('CPU 1');
    expect(lines[4]).toContain('coordinator');
    expect(lines[11]!.split(/\s{2,}/)).toEqual(['total', '20', '20 objects', '2,100', '2,100', 'exact']);
    expect(lines[12]).toBe('(12 objects not shown, all exact; --all-counters lists every one, --json has them all)');
  });

  it('never hides a mismatch: the least busy object is shown when its sum is off, and the total says so', () => {
    const withMismatch = [...checks.slice(1), check(999, 5, 6)];
    const lines = renderCounterTable(withMismatch, false).split('\n');
    expect(lines[0]).toBe(
      `Counters, the ${BUSIEST_SHOWN} busiest of 20 and 1 more that mismatches (expected = what the CPUs did, actual = the sum over CPUs)`,
    );
    expect(lines[11]!.split(/\s{2,}/)).toEqual(['999', '1', 'CPU 1', '5', '6', 'MISMATCH']);
    expect(lines[12]!.split(/\s{2,}/)).toEqual(['total', '20', '20 objects', '2,095', '2,096', '1 MISMATCH']);
    expect(lines[13]).toBe('(11 objects not shown, all exact; --all-counters lists every one, --json has them all)');
  });

  it('with all (--all-counters), or with few objects, lists every one in the order given', () => {
    for (const table of [renderCounterTable(checks, true), renderCounterTable(checks.slice(0, BUSIEST_SHOWN), false)]) {
      const lines = table.split('\n');
      const rows = lines.slice(3, -1);
      expect(rows.map((l) => Number(l.split(/\s+/)[0]))).toEqual(checks.slice(0, rows.length).map((c) => c.ptr));
      expect(lines.at(-1)).toMatch(/^total\s/);
      expect(table).not.toContain('not shown');
      expect(lines[0]).toBe('Counters (expected = what the CPUs did, actual = the sum over CPUs)');
    }
  });
});
