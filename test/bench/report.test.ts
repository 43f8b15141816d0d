/**
 * The committed benchmark docs are what the report code makes of the committed results: rendering
 * bench-results/*.json again (nothing measured) gives docs/benchmarks.md, its chart and README.md's
 * headline block byte for byte. A change to the report code without `npm run bench -- --full
 * --report-only` fails here. Context: main thread.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildGroups, loadSavedRuns } from '../../bench/groups.js';
import { renderHeadline, replaceHeadline } from '../../bench/headline.js';
import { REPO_ROOT } from '../../bench/lib/output.js';
import { paths } from '../../bench/paths.js';
import { renderBenchmarksDoc } from '../../bench/report.js';

const repoFile = (path: string): string => readFileSync(join(REPO_ROOT, path), 'utf8');

describe('the benchmark report', () => {
  const charts = mkdtempSync(join(tmpdir(), 'percpu-report-'));
  afterAll(() => rmSync(charts, { recursive: true, force: true }));
  const full = paths('full');
  const runs = loadSavedRuns(full);

  it('regenerates docs/benchmarks.md and its chart from the committed results', () => {
    expect(runs.counters).not.toBeNull();
    expect(runs.costs).not.toBeNull();
    expect(runs.allocator).not.toBeNull();
    const out = {
      ...full,
      counterChart: { ...full.counterChart, file: join(charts, 'counters.svg') },
      scalingChart: { ...full.scalingChart, file: join(charts, 'scaling.svg') },
    };
    const doc = renderBenchmarksDoc(runs, buildGroups(runs, out));
    expect(doc).toBe(repoFile(full.doc));
    expect(readFileSync(out.counterChart.file, 'utf8')).toBe(repoFile(full.counterChart.file));
  });

  it("regenerates README.md's headline block from the committed results", () => {
    const readme = repoFile('README.md');
    expect(replaceHeadline(readme, renderHeadline(runs))).toBe(readme);
  });
});
