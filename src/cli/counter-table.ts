/**
 * The counters table of `percpu run` on a terminal: the busiest few objects, every object whose
 * sum is off (a mismatch is never hidden), and a total row over all of them; `--all-counters`
 * lists every object in allocation order. `--json` always has every object.
 *
 * Context: main thread.
 */
import { counted } from '../util/format.js';
import { type Table, renderConsoleTable } from '../util/table.js';
import type { CounterCheck, CounterOwner } from './run-workload.js';

/** Objects the table shows without --all-counters (besides any that mismatch). */
export const BUSIEST_SHOWN = 8;

function sumOf(values: readonly string[]): bigint {
  return values.reduce((sum, v) => sum + BigInt(v), 0n);
}

function ownerText(owner: CounterOwner): string {
  return owner === 'coordinator' ? 'coordinator' : `CPU ${owner.cpu}`;
}

function decimal(n: bigint): string {
  return n.toLocaleString('en-US');
}

/** The table and, when rows were left out, the line that says so. */
export function renderCounterTable(counters: readonly CounterCheck[], all: boolean): string {
  const totals = counters.map((c) => ({ check: c, expected: sumOf(c.expected), actual: sumOf(c.actual) }));
  let shown = totals;
  if (!all && totals.length > BUSIEST_SHOWN) {
    // Busiest first (by what the CPUs did); the sort is stable, so ties keep allocation order.
    const byTotal = [...totals].sort((a, b) => (a.expected === b.expected ? 0 : a.expected > b.expected ? -1 : 1));
    shown = byTotal.filter((t, i) => i < BUSIEST_SHOWN || !t.check.exact);
  }
  const expected = totals.reduce((sum, t) => sum + t.expected, 0n);
  const actual = totals.reduce((sum, t) => sum + t.actual, 0n);
  const mismatches = counters.filter((c) => !c.exact).length;
  const fields = counters.reduce((sum, c) => sum + c.fields, 0);
  const partial = shown.length < totals.length;
  // Mismatched objects shown beyond the busiest.
  const extra = shown.length - Math.min(BUSIEST_SHOWN, totals.length);
  const more = extra > 0 ? ` and ${extra} more that ${extra === 1 ? 'mismatches' : 'mismatch'}` : '';
  const which = partial ? `, the ${BUSIEST_SHOWN} busiest of ${totals.length}${more}` : '';
  const table: Table = {
    title: `Counters${which} (expected = what the CPUs did, actual = the sum over CPUs)`,
    headers: ['ptr', 'fields', 'allocated by', 'expected', 'actual', ''],
    rows: [
      ...shown.map((t) => [
        String(t.check.ptr),
        String(t.check.fields),
        ownerText(t.check.allocatedBy),
        decimal(t.expected),
        decimal(t.actual),
        t.check.exact ? 'exact' : 'MISMATCH',
      ]),
      [
        'total',
        String(fields),
        counted(totals.length, 'object'),
        decimal(expected),
        decimal(actual),
        mismatches === 0 ? 'exact' : counted(mismatches, 'MISMATCH', 'MISMATCHES'),
      ],
    ],
  };
  const rendered = renderConsoleTable(table);
  if (!partial) return rendered;
  const hidden = totals.length - shown.length;
  return (
    `${rendered}\n(${counted(hidden, 'object')} not shown, all exact;` +
    ` --all-counters lists every one, --json has them all)`
  );
}
