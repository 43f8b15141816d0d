/**
 * A trace as an SVG timeline: one lane per CPU, time left to right. In each lane: tasks as bars
 * (named when wide enough), allocation requests as blue ticks above the bar, frees as orange
 * ticks below it, percpu_counter folds as green diamonds on it, thisCpu.trace events as grey
 * ticks, deaths as red lines, replacements, online and offline as marked lines; a time axis in
 * milliseconds and a legend. Ticks are merged per pixel column, so a dense trace stays small.
 *
 * Context: any thread (a pure function of the events).
 */
import { escapeXml } from '../util/xml.js';
import type { TraceEvent } from './events.js';

const WIDTH = 1400;
const LEFT = 80;
const RIGHT = 20;
const TOP = 78;
const LANE = 70;
const AXIS = 46;
const PLOT = WIDTH - LEFT - RIGHT;

export const TIMELINE_COLORS = {
  task: '#9db7dd',
  taskStroke: '#3d5f93',
  failed: '#e6a0a0',
  alloc: '#2f62c9',
  free: '#e8871e',
  fold: '#2e9e5b',
  event: '#777777',
  died: '#d62728',
  replaced: '#8c2d96',
  online: '#555555',
} as const;

interface Interval {
  readonly cpu: number;
  readonly name: string;
  readonly start: number;
  readonly end: number;
  readonly ok: boolean;
}

/** Tasks from their begin to their end (or to the death that ended them, or the last event). */
export function taskIntervals(events: readonly TraceEvent[], cpus: number): Interval[] {
  const open: { name: string; ts: number }[][] = Array.from({ length: cpus }, () => []);
  const last = new Array<number>(cpus).fill(0);
  const out: Interval[] = [];
  for (const e of events) {
    if (e.cpu < 0 || e.cpu >= cpus) continue;
    last[e.cpu] = Math.max(last[e.cpu]!, e.ts);
    if (e.kind === 'task-begin') open[e.cpu]!.push({ name: e.name, ts: e.ts });
    else if (e.kind === 'task-end') {
      const t = open[e.cpu]!.pop();
      if (t !== undefined) out.push({ cpu: e.cpu, name: t.name, start: t.ts, end: e.ts, ok: e.args[1] === 1 });
    } else if (e.kind === 'died') {
      for (let t = open[e.cpu]!.pop(); t !== undefined; t = open[e.cpu]!.pop())
        out.push({ cpu: e.cpu, name: t.name, start: t.ts, end: e.ts, ok: false });
    }
  }
  for (let cpu = 0; cpu < cpus; cpu++)
    for (const t of open[cpu]!) out.push({ cpu, name: t.name, start: t.ts, end: last[cpu]!, ok: true });
  return out;
}

/** A round step for about `target` ticks over `span` ms. */
function tickStep(span: number, target: number): number {
  const raw = span / target;
  const power = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * power >= raw) return m * power;
  return 10 * power;
}

export function renderTimeline(events: readonly TraceEvent[], cpus: number, title: string): string {
  const t0 = events.length > 0 ? Math.min(...events.map((e) => e.ts)) : 0;
  const t1 = events.length > 0 ? Math.max(...events.map((e) => e.ts)) : 1;
  const span = Math.max(t1 - t0, 1e-3);
  const x = (ts: number): number => LEFT + ((ts - t0) / span) * PLOT;
  const height = TOP + cpus * LANE + AXIS;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}"` +
      ` font-family="sans-serif" font-size="12">`,
    `<rect x="0" y="0" width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="10" y="22" font-size="16" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  legend(parts);
  for (let cpu = 0; cpu < cpus; cpu++) {
    const y = TOP + cpu * LANE;
    parts.push(
      `<rect x="${LEFT}" y="${y}" width="${PLOT}" height="${LANE - 6}"` +
        ` fill="${cpu % 2 === 0 ? '#f4f6f9' : '#eceff4'}"/>`,
    );
    parts.push(`<text x="10" y="${y + LANE / 2}" font-weight="bold">CPU ${cpu}</text>`);
  }
  for (const t of taskIntervals(events, cpus)) {
    const y = TOP + t.cpu * LANE + 18;
    const w = Math.max(x(t.end) - x(t.start), 1);
    parts.push(
      `<rect x="${x(t.start).toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="28"` +
        ` fill="${t.ok ? TIMELINE_COLORS.task : TIMELINE_COLORS.failed}"` +
        ` stroke="${TIMELINE_COLORS.taskStroke}" stroke-width="0.7"/>`,
    );
    if (w > t.name.length * 7 + 8)
      parts.push(`<text x="${(x(t.start) + 4).toFixed(1)}" y="${y + 18}" fill="#1d2f4d">${escapeXml(t.name)}</text>`);
  }
  // Ticks merged per pixel column: kind → lane → columns.
  const columns = new Map<string, Set<number>>();
  const mark = (kind: string, cpu: number, ts: number): void => {
    const key = `${kind} ${cpu}`;
    let set = columns.get(key);
    if (set === undefined) columns.set(key, (set = new Set()));
    set.add(Math.round(x(ts)));
  };
  for (const e of events) {
    if (e.cpu < 0 || e.cpu >= cpus) continue;
    if (e.kind === 'alloc' || e.kind === 'free' || e.kind === 'fold' || e.kind === 'event' || e.kind === 'counter')
      mark(e.kind === 'counter' ? 'event' : e.kind, e.cpu, e.ts);
  }
  for (const [key, set] of columns) {
    const [kind, cpuText] = key.split(' ') as [string, string];
    const y = TOP + Number(cpuText) * LANE;
    for (const px of set) {
      if (kind === 'alloc')
        parts.push(
          `<line x1="${px}" y1="${y + 3}" x2="${px}" y2="${y + 16}"` +
            ` stroke="${TIMELINE_COLORS.alloc}" stroke-width="1"/>`,
        );
      else if (kind === 'free')
        parts.push(
          `<line x1="${px}" y1="${y + 48}" x2="${px}" y2="${y + 61}"` +
            ` stroke="${TIMELINE_COLORS.free}" stroke-width="1"/>`,
        );
      else if (kind === 'fold')
        parts.push(
          `<path d="M${px} ${y + 26}l5 6l-5 6l-5 -6z"` +
            ` fill="${TIMELINE_COLORS.fold}" stroke="#ffffff" stroke-width="0.5"/>`,
        );
      else
        parts.push(
          `<line x1="${px}" y1="${y + 16}" x2="${px}" y2="${y + 20}"` +
            ` stroke="${TIMELINE_COLORS.event}" stroke-width="1"/>`,
        );
    }
  }
  for (const e of events) {
    if (e.seq !== null || e.cpu < 0 || e.cpu >= cpus) continue;
    const y = TOP + e.cpu * LANE;
    const px = x(e.ts).toFixed(1);
    if (e.kind === 'died') {
      parts.push(
        `<line x1="${px}" y1="${y - 2}" x2="${px}" y2="${y + LANE - 4}"` +
          ` stroke="${TIMELINE_COLORS.died}" stroke-width="2.5"/>`,
      );
      parts.push(
        `<text x="${px}" y="${y + 10}" dx="3" fill="${TIMELINE_COLORS.died}" font-weight="bold">✕ died</text>`,
      );
    } else if (e.kind === 'replaced') {
      parts.push(`<path d="M${px} ${y + LANE - 6}l5 -9h-10z" fill="${TIMELINE_COLORS.replaced}"/>`);
    } else {
      parts.push(
        `<line x1="${px}" y1="${y}" x2="${px}" y2="${y + LANE - 6}"` +
          ` stroke="${TIMELINE_COLORS.online}" stroke-width="1" stroke-dasharray="3 2"/>`,
      );
    }
  }
  axis(parts, t0, span, x, TOP + cpus * LANE);
  parts.push('</svg>');
  return parts.join('\n');
}

function legend(parts: string[]): void {
  const items: [string, string][] = [
    ['rect', 'task'],
    ['alloc', 'allocation request'],
    ['free', 'free request'],
    ['fold', 'counter fold'],
    ['event', 'thisCpu.trace'],
    ['died', 'worker died'],
    ['replaced', 'replacement'],
    ['online', 'online / offline'],
  ];
  let lx = 10;
  const ly = 48;
  for (const [kind, label] of items) {
    if (kind === 'rect')
      parts.push(
        `<rect x="${lx}" y="${ly - 9}" width="22" height="12"` +
          ` fill="${TIMELINE_COLORS.task}" stroke="${TIMELINE_COLORS.taskStroke}" stroke-width="0.7"/>`,
      );
    else if (kind === 'fold')
      parts.push(`<path d="M${lx + 11} ${ly - 10}l5 6l-5 6l-5 -6z" fill="${TIMELINE_COLORS.fold}"/>`);
    else if (kind === 'replaced')
      parts.push(`<path d="M${lx + 11} ${ly + 3}l5 -9h-10z" fill="${TIMELINE_COLORS.replaced}"/>`);
    else {
      const color = TIMELINE_COLORS[kind as 'alloc' | 'free' | 'event' | 'died' | 'online'];
      const dash = kind === 'online' ? ' stroke-dasharray="3 2"' : '';
      parts.push(
        `<line x1="${lx + 11}" y1="${ly - 11}" x2="${lx + 11}" y2="${ly + 3}"` +
          ` stroke="${color}" stroke-width="${kind === 'died' ? 2.5 : 1.5}"${dash}/>`,
      );
    }
    parts.push(`<text x="${lx + 28}" y="${ly}">${label}</text>`);
    lx += 40 + label.length * 7;
  }
}

function axis(parts: string[], t0: number, span: number, x: (ts: number) => number, y: number): void {
  parts.push(`<line x1="${LEFT}" y1="${y + 4}" x2="${LEFT + PLOT}" y2="${y + 4}" stroke="#333333"/>`);
  const step = tickStep(span, 10);
  for (let t = 0; t <= span + 1e-9; t += step) {
    const px = x(t0 + t).toFixed(1);
    parts.push(`<line x1="${px}" y1="${y + 4}" x2="${px}" y2="${y + 10}" stroke="#333333"/>`);
    const label = step >= 1 ? t.toFixed(0) : t.toFixed(Math.min(3, Math.ceil(-Math.log10(step))));
    parts.push(`<text x="${px}" y="${y + 24}" text-anchor="middle">${label}</text>`);
  }
  parts.push(`<text x="${LEFT + PLOT}" y="${y + 40}" text-anchor="end">milliseconds since the first event</text>`);
}
