/**
 * The two exposition formats, rendered from snapshots of the families.
 *
 * - Prometheus text 0.0.4: `# HELP`, `# TYPE`, then `name{labels} value`; histograms as
 *   cumulative `_bucket{le=...}` lines ending with `+Inf`, then `_sum` and `_count`.
 * - OpenMetrics 1.0: the same with a counter family named without `_total`, its samples
 *   `_total` and `_created`, histograms with `_created`, `le` in canonical form, and `# EOF`.
 *
 * Label values escape `\`, `"` and newline in both; HELP escapes `\` and newline (and `"` in
 * OpenMetrics). A series' escaped labels are made once per label set (Child.labelText), so a
 * scrape concatenates strings it already has.
 *
 * Context: the coordinator (pure functions).
 */
import type { FamilySnapshot } from './host.js';

export const TEXT_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

export function escapeLabelValue(value: string): string {
  return /[\\\n"]/.test(value) ? value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"') : value;
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

/** `{text}`, or nothing for no labels. */
function braces(text: string): string {
  return text === '' ? '' : `{${text}}`;
}

export function renderFamilies(families: readonly FamilySnapshot[], openMetrics: boolean): string {
  let out = '';
  for (const family of families) {
    const base =
      openMetrics && family.kind === 'counter' && family.name.endsWith('_total')
        ? family.name.slice(0, -6)
        : family.name;
    out += `# HELP ${base} ${escapeHelp(family.help, openMetrics)}\n# TYPE ${base} ${family.kind}\n`;
    switch (family.kind) {
      case 'counter': {
        const total = openMetrics ? `${base}_total` : family.name;
        for (const s of family.series) {
          const labels = braces(s.text);
          out += `${total}${labels} ${s.value}\n`;
          if (openMetrics) out += `${base}_created${labels} ${formatFloat(s.created)}\n`;
        }
        break;
      }
      case 'gauge':
        for (const s of family.series) out += `${family.name}${braces(s.text)} ${formatFloat(s.value)}\n`;
        break;
      case 'histogram': {
        // `le="…"}` per bound, made once per family.
        const les = [...family.bounds.map((b) => (openMetrics ? canonicalBound(b) : formatFloat(b))), '+Inf'].map(
          (le) => `le="${le}"} `,
        );
        const bucket = `${family.name}_bucket{`;
        for (const s of family.series) {
          const open = s.text === '' ? bucket : `${bucket}${s.text},`;
          for (let i = 0; i < les.length; i++) out += `${open}${les[i]}${s.cumulative[i]}\n`;
          const labels = braces(s.text);
          const count = s.cumulative[les.length - 1]!;
          out += `${family.name}_sum${labels} ${formatFloat(s.sum)}\n${family.name}_count${labels} ${count}\n`;
          if (openMetrics) out += `${family.name}_created${labels} ${formatFloat(s.created)}\n`;
        }
        break;
      }
    }
  }
  if (openMetrics) out += '# EOF\n';
  return out;
}
