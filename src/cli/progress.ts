/**
 * A progress bar on stderr, only when stderr is a terminal and the output is not --json
 * (cli-progress does the drawing). Counts are printed with thousands separators (60,000,000).
 *
 * Context: main thread.
 */
import { type Options, SingleBar } from 'cli-progress';

export interface Progress {
  update(value: number): void;
  stop(): void;
}

const NO_PROGRESS: Progress = { update() {}, stop() {} };

/**
 * The bar's value and total as a person reads them: "60,000,000", "2.5" (seconds); the rest as
 * cli-progress has them.
 */
export const formatProgressValue: NonNullable<Options['formatValue']> = (value, _options, type) => {
  // The others as cli-progress's own formatter gives them without autopadding (not set here): as they are.
  if (type !== 'value' && type !== 'total') return String(value);
  return value.toLocaleString('en-US', { maximumFractionDigits: 1 });
};

export function startProgress(total: number, unit: string, enabled: boolean): Progress {
  if (!enabled || process.stderr.isTTY !== true) return NO_PROGRESS;
  const started = performance.now();
  const bar = new SingleBar({
    stream: process.stderr,
    format: `{bar} {percentage}% | {value}/{total} ${unit} | {rate} ${unit}/s | {duration}s`,
    formatValue: formatProgressValue,
    hideCursor: true,
    clearOnComplete: true,
  });
  bar.start(total, 0, { rate: '0' });
  let stopped = false;
  return {
    update(value: number): void {
      if (stopped) return;
      const seconds = (performance.now() - started) / 1000;
      bar.update(Math.min(value, total), {
        rate: seconds > 0 ? Math.round(value / seconds).toLocaleString('en-US') : '0',
      });
    },
    /** Idempotent: a signal stops the bar early, the end of the run stops it again. */
    stop(): void {
      if (stopped) return;
      stopped = true;
      bar.stop();
    },
  };
}
