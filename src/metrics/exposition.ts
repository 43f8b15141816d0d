/**
 * The two exposition formats, rendered from snapshots of the families.
 *
 * - Prometheus text 0.0.4: `# HELP`, `# TYPE`, then `name{labels} value`; histograms as
 *   cumulative `_bucket{le=...}` lines ending with `+Inf`, then `_sum` and `_count`.
 * - OpenMetrics 1.0: the same with a counter family named without `_total`, its samples
 *   `_total` and `_created`, histograms with `_created`, `le` in canonical form, and `# EOF`.
 *
 * Label values escape `\`, `"` and newline in both; HELP escapes `\` and newline (and `"` in
 * OpenMetrics).
 *
 * Context: the coordinator (pure functions).
 */
import type { FamilySnapshot, Labels } from './host.js';

export const TEXT_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(help: string, openMetrics: boolean): string {
  const escaped = help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
  return openMetrics ? escaped.replace(/"/g, '\\"') : escaped;
}

/** A float as Prometheus parses it: NaN, +Inf, -Inf, else the shortest round-trip decimal. */
export function formatFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/** OpenMetrics' canonical form of a bound: an integer-valued float keeps a `.0` (1 → "1.0"). */
function canonicalBound(value: number): string {
  const text = formatFloat(value);
  return Number.isInteger(value) && !text.includes('e') ? `${text}.0` : text;
}

function labelText(labels: Labels, extra?: readonly [string, string]): string {
  const all = extra === undefined ? labels : [...labels, extra];
  if (all.length === 0) return '';
  return `{${all.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(',')}}`;
}

export function renderFamilies(families: readonly FamilySnapshot[], openMetrics: boolean): string {
  const lines: string[] = [];
  for (const family of families) {
    const base = openMetrics && family.kind === 'counter' && family.name.endsWith('_total') ? family.name.slice(0, -6) : family.name;
    lines.push(`# HELP ${base} ${escapeHelp(family.help, openMetrics)}`);
    lines.push(`# TYPE ${base} ${family.kind}`);
    switch (family.kind) {
      case 'counter':
        for (const s of family.series) {
          const labels = labelText(s.labels);
          if (openMetrics) {
            lines.push(`${base}_total${labels} ${s.value}`);
            lines.push(`${base}_created${labels} ${formatFloat(s.created)}`);
          } else lines.push(`${family.name}${labels} ${s.value}`);
        }
        break;
      case 'gauge':
        for (const s of family.series) lines.push(`${family.name}${labelText(s.labels)} ${formatFloat(s.value)}`);
        break;
      case 'histogram':
        for (const s of family.series) {
          family.bounds.forEach((bound, i) => {
            lines.push(`${family.name}_bucket${labelText(s.labels, ['le', openMetrics ? canonicalBound(bound) : formatFloat(bound)])} ${s.cumulative[i]}`);
          });
          const count = s.cumulative[family.bounds.length]!;
          const labels = labelText(s.labels);
          lines.push(`${family.name}_bucket${labelText(s.labels, ['le', '+Inf'])} ${count}`);
          lines.push(`${family.name}_sum${labels} ${formatFloat(s.sum)}`);
          lines.push(`${family.name}_count${labels} ${count}`);
          if (openMetrics) lines.push(`${family.name}_created${labels} ${formatFloat(s.created)}`);
        }
        break;
    }
  }
  if (openMetrics) lines.push('# EOF');
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
