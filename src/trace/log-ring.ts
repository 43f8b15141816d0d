/**
 * The log ring: thisCpu.log's lines travel from a CPU to the coordinator through a ring of bytes
 * instead of one postMessage each. Every CPU has one, tracing on or off: its own small
 * SharedArrayBuffer, made by the coordinator and kept for the runtime's life, so the lines a
 * worker wrote before it died are still there for the coordinator (the buffer is outside the
 * allocator's area, so it changes no offset and no area size).
 *
 *   | header (256 B) | data: LOG_RING_BYTES of records |
 *   header words: 0 WRITTEN (bytes, u32 wrapping; the CPU's Atomics.store) 1 POSTED (lines the
 *   CPU sent as messages); 32 READ (bytes; the coordinator's Atomics.store) 33 SEEN (messages the
 *   coordinator has written)
 *   record: | u32 byte length | UTF-8 bytes, padded to 4 |, or the u32 WRAP: the rest of the data
 *   up to its end is unused, the next record is at data offset 0.
 *
 * A line is never lost: one that does not fit (the coordinator is behind, or the line is longer
 * than the ring) goes as a postMessage, as every line did before. To keep lines in order the CPU
 * keeps using messages while any it sent is not yet written (POSTED ≠ SEEN), and the coordinator,
 * given a message, first drains the ring (lines written to it before the message was sent).
 *
 * Ordering: the CPU writes a record with plain stores, then Atomics.store(WRITTEN); the
 * coordinator's Atomics.load(WRITTEN) synchronizes with it. The coordinator copies records out,
 * then Atomics.store(READ); the CPU's Atomics.load(READ) before it reuses bytes synchronizes with
 * that. POSTED and SEEN are stored and loaded the same way.
 *
 * Context: LogRingReader on the coordinator (one per CPU, in runtime.ts); the writer is src/cpu/trace-log.ts.
 */
import type { Logger } from 'pino';
import { writeForwardedLine } from '../runtime/logging.js';
import { isForwardedLog } from '../runtime/messages.js';

/** Bytes of records per CPU: 64 KiB, about 500 lines of 120 bytes. */
export const LOG_RING_BYTES = 64 * 1024;
export const LOG_HEADER_BYTES = 256;
export const L_WRITTEN = 0;
export const L_POSTED = 1;
export const L_READ = 32;
export const L_SEEN = 33;
/** A length word that means "wrap to the data's start". */
export const LOG_WRAP = -1;
/**
 * How often the coordinator drains the CPUs' log rings when nothing else makes it (ms; one timer for
 * all, in runtime.ts).
 */
export const LOG_DRAIN_INTERVAL_MS = 20;

export function createLogRing(): SharedArrayBuffer {
  return new SharedArrayBuffer(LOG_HEADER_BYTES + LOG_RING_BYTES);
}

const decoder = new TextDecoder();

export class LogRingReader {
  private readonly i32: Int32Array;
  private readonly u8: Uint8Array;
  private readonly d32: Int32Array;
  private readonly logger: Logger;

  constructor(ring: SharedArrayBuffer, logger: Logger) {
    this.i32 = new Int32Array(ring, 0, LOG_HEADER_BYTES / 4);
    this.u8 = new Uint8Array(ring, LOG_HEADER_BYTES, LOG_RING_BYTES);
    this.d32 = new Int32Array(ring, LOG_HEADER_BYTES, LOG_RING_BYTES / 4);
    this.logger = logger;
  }

  /** Writes every line in the ring through the CPU's logger; returns how many. */
  drain(): number {
    const i32 = this.i32;
    // Atomics.load (acquire): the records below WRITTEN are complete.
    const written = Atomics.load(i32, L_WRITTEN);
    // Atomics.load: only this thread stores READ; a load keeps the reasoning uniform.
    let read = Atomics.load(i32, L_READ);
    let lines = 0;
    while (read !== written) {
      const at = read & (LOG_RING_BYTES - 1);
      const length = this.d32[at >>> 2]!;
      if (length === LOG_WRAP) {
        read = (read + (LOG_RING_BYTES - at)) | 0;
        continue;
      }
      // slice(): an ordinary copy, which TextDecoder accepts (it refuses shared memory).
      const line = decoder.decode(this.u8.slice(at + 4, at + 4 + length));
      read = (read + 4 + ((length + 3) & ~3)) | 0;
      writeForwardedLine(this.logger, line);
      lines++;
    }
    // Atomics.store (release): the bytes below READ were copied; the CPU may reuse them.
    Atomics.store(i32, L_READ, read);
    return lines;
  }

  /** A message from the worker: a line that did not go through the ring (after the ring's). */
  onMessage(message: unknown): void {
    if (!isForwardedLog(message)) return;
    this.drain();
    writeForwardedLine(this.logger, message.percpuLog);
    // Atomics.add (SEEN): only this thread writes it; the CPU's Atomics.load reads it.
    Atomics.add(this.i32, L_SEEN, 1);
  }
}
