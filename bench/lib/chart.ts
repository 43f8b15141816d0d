/**
 * A grouped horizontal bar chart as SVG text, with no dependency: panels (one scale each), groups
 * of bars in each panel (one bar per series), a legend, and each bar's value written after it.
 */

export interface BarSeries {
  readonly name: string;
  readonly color: string;
}

export interface BarGroup {
  readonly label: string;
  /** One value per series (NaN: no bar). */
  readonly values: readonly number[];
  /** Draw the label in bold (the variants the chart is about). */
  readonly emphasis?: boolean;
}

export interface BarPanel {
  readonly title: string;
  readonly groups: readonly BarGroup[];
}

export interface BarChart {
  readonly title: string;
  readonly subtitle: string;
  readonly series: readonly BarSeries[];
  readonly panels: readonly BarPanel[];
  readonly format: (value: number) => string;
}

const WIDTH = 920;
const LABEL_WIDTH = 190;
const VALUE_WIDTH = 70;
const BAR_HEIGHT = 11;
const BAR_GAP = 2;
const GROUP_GAP = 7;
const PANEL_TITLE = 26;
const PANEL_GAP = 14;
const FONT = 'font-family="Helvetica, Arial, sans-serif"';

/** Text and attribute values in SVG. */
function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function text(x: number, y: number, content: string, attrs = ''): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${FONT} ${attrs}>${escapeXml(content)}</text>`;
}

export function renderBarChart(chart: BarChart): string {
  const barArea = WIDTH - LABEL_WIDTH - VALUE_WIDTH - 20;
  const out: string[] = [];
  let y = 28;
  out.push(text(10, y, chart.title, 'font-size="17" font-weight="bold"'));
  y += 20;
  out.push(text(10, y, chart.subtitle, 'font-size="12" fill="#444"'));
  y += 18;
  let x = 10;
  for (const s of chart.series) {
    out.push(`<rect x="${x}" y="${y - 10}" width="12" height="12" fill="${s.color}"/>`);
    out.push(text(x + 17, y, s.name, 'font-size="12"'));
    x += 30 + s.name.length * 7;
  }
  y += 14;
  for (const panel of chart.panels) {
    y += PANEL_TITLE;
    out.push(text(10, y - 8, panel.title, 'font-size="14" font-weight="bold"'));
    const max = Math.max(...panel.groups.flatMap((g) => g.values.filter((v) => Number.isFinite(v))), 1e-9);
    const groupHeight = chart.series.length * (BAR_HEIGHT + BAR_GAP) - BAR_GAP;
    const top = y;
    for (const group of panel.groups) {
      out.push(
        text(
          LABEL_WIDTH - 8,
          y + groupHeight / 2 + 4,
          group.label,
          `font-size="12" text-anchor="end"${group.emphasis === true ? ' font-weight="bold"' : ''}`,
        ),
      );
      group.values.forEach((value, i) => {
        const barY = y + i * (BAR_HEIGHT + BAR_GAP);
        if (!Number.isFinite(value)) return;
        const w = Math.max(1, (value / max) * barArea);
        out.push(
          `<rect x="${LABEL_WIDTH}" y="${barY}" width="${w.toFixed(1)}" height="${BAR_HEIGHT}" fill="${chart.series[i]?.color ?? '#888'}"/>`,
        );
        out.push(text(LABEL_WIDTH + w + 4, barY + BAR_HEIGHT - 1.5, chart.format(value), 'font-size="10" fill="#222"'));
      });
      y += groupHeight + GROUP_GAP;
    }
    out.push(
      `<line x1="${LABEL_WIDTH}" y1="${top - 3}" x2="${LABEL_WIDTH}" y2="${y - GROUP_GAP + 3}" stroke="#999" stroke-width="1"/>`,
    );
    y += PANEL_GAP;
  }
  const height = Math.ceil(y);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}">`,
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    ...out,
    '</svg>',
    '',
  ].join('\n');
}
