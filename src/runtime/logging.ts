/**
 * Logging: one root pino logger (the user's, or a default one), a child per CPU with { cpu }.
 * Messages are constant strings; the data goes in fields. Lines logged on a CPU arrive through
 * the CPU's log ring (src/trace/log-ring.ts), or as ForwardedLog messages when the ring had no
 * room, and are written here through that CPU's child logger.
 */
import { type Logger, pino } from 'pino';

/** The default root logger: `level` (warnings and errors by default) to stderr, written synchronously. */
export function defaultRootLogger(level = 'warn'): Logger {
  return pino({ level }, pino.destination({ dest: 2, sync: true }));
}

/** Fields pino adds itself, dropped when a forwarded line is written again. */
const OWN_FIELDS = new Set(['level', 'time', 'pid', 'hostname', 'msg']);

/** Writes one forwarded JSON line through `logger`, at its original level. */
export function writeForwardedLine(logger: Logger, line: string): void {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    logger.warn({ line }, 'unparsable log line from CPU');
    return;
  }
  const label = typeof record.level === 'number' ? logger.levels.labels[record.level] : undefined;
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) if (!OWN_FIELDS.has(key)) fields[key] = value;
  const message = typeof record.msg === 'string' ? record.msg : '';
  switch (label) {
    case 'trace':
    case 'debug':
    case 'info':
    case 'warn':
    case 'error':
    case 'fatal':
      logger[label](fields, message);
      return;
    default:
      logger.info(fields, message);
  }
}
