/**
 * Tracing a CLI workload (`percpu trace`, `run --trace`, `stress --trace`): start options with
 * tracing on, a drain every 20 ms while the workload runs (so a ring of the default size does
 * not overflow), and at the end the Perfetto JSON, the SVG timeline beside it and a per-CPU
 * summary: events written, drained, lost, and the busiest event names.
 *
 * Context: the CLI's main thread.
 */
import { writeFileSync } from 'node:fs';
import type { RuntimeTrace } from '../trace/runtime-trace.js';
import type { TraceCpuStats, TraceEvent } from '../trace/events.js';
import type { TraceOptions } from '../trace/options.js';
import { renderTimeline } from '../trace/svg-timeline.js';
import { int } from '../util/format.js';
import { renderConsoleTable } from '../util/table.js';

const DRAIN_INTERVAL_MS = 20;

/** What the session needs of a runtime (any tasks module). */
export interface TracedRuntime {
  readonly cpus: number;
  readonly trace: RuntimeTrace;
}
const BUSIEST = 3;

export interface TraceSummary {
  readonly file: string;
  readonly svg: string;
  readonly events: number;
  readonly perCpu: readonly (TraceCpuStats & {
    readonly busiest: readonly { readonly name: string; readonly count: number }[];
  })[];
}

/** The SVG's path: the JSON's with .svg for its extension. */
export function svgPathFor(file: string): string {
  return file.endsWith('.json') ? `${file.slice(0, -'.json'.length)}.svg` : `${file}.svg`;
}

export class TraceSession {
  readonly file: string;
  private readonly events: TraceEvent[] = [];
  private timer: NodeJS.Timeout | null = null;
  summary: TraceSummary | null = null;

  constructor(file: string) {
    this.file = file;
  }

  startOptions(): { readonly trace: TraceOptions } {
    return { trace: { mode: 'overwrite' } };
  }

  attach(rt: TracedRuntime): void {
    this.timer = setInterval(() => this.collect(rt), DRAIN_INTERVAL_MS);
  }

  /** After rt.close(): the last events, the files and the summary. */
  async finish(rt: TracedRuntime, title: string): Promise<TraceSummary> {
    if (this.timer !== null) clearInterval(this.timer);
    this.collect(rt);
    await rt.trace.write(this.file, { format: 'perfetto', events: this.events });
    const svg = svgPathFor(this.file);
    writeFileSync(svg, renderTimeline(this.events, rt.cpus, title));
    const perCpu = rt.trace.stats().map((s) => ({ ...s, busiest: busiestNames(this.events, s.cpu) }));
    this.summary = { file: this.file, svg, events: this.events.length, perCpu };
    return this.summary;
  }

  private collect(rt: TracedRuntime): void {
    for (const e of rt.trace.drain()) this.events.push(e);
  }
}

function busiestNames(events: readonly TraceEvent[], cpu: number): { name: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const e of events) if (e.cpu === cpu && e.seq !== null) counts.set(e.name, (counts.get(e.name) ?? 0) + 1);
  return [...counts]
    .map(([name, count]) => ({ name, count }))
    .sort((a, b) => b.count - a.count)
    .slice(0, BUSIEST);
}

/** The summary as text: a table per CPU and where the files are. */
export function formatTraceSummary(summary: TraceSummary): string {
  const table = renderConsoleTable({
    title: 'Trace (per CPU)',
    headers: ['CPU', 'written', 'drained', 'lost', 'busiest event names'],
    rows: summary.perCpu.map((c) => [
      String(c.cpu),
      int(c.written),
      int(c.drained),
      int(c.lost),
      c.busiest.map((b) => `${b.name} ${int(b.count)}`).join(', '),
    ]),
  });
  return (
    `${table}\ntrace: ${summary.file} (${int(summary.events)} events; open it in ui.perfetto.dev)` +
    `, timeline: ${summary.svg}`
  );
}
