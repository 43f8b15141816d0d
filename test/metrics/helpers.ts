/** Shared helpers of the metrics tests (not a test file itself). */
import type * as MetricTasks from '../fixtures/metric-tasks.js';

export const METRIC_TASKS = new URL('../../dist/test/fixtures/metric-tasks.js', import.meta.url);
export type MetricTaskModule = typeof MetricTasks;

/** The value of the sample `name{labels}` in a text exposition, or undefined. */
export function sampleValue(text: string, name: string, labels = ''): number | undefined {
  const prefix = labels === '' ? `${name} ` : `${name}{${labels}} `;
  const line = text.split('\n').find((l) => l.startsWith(prefix));
  return line === undefined ? undefined : Number(line.slice(prefix.length).split(' ')[0]);
}

/** Every sample line (name and labels) of an exposition, to check none appears twice. */
export function sampleKeys(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => l.length > 0 && !l.startsWith('#'))
    .map((l) => l.slice(0, l.lastIndexOf(' ')));
}
