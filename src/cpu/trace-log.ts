/**
 * The CPU's side of its log ring (layout and ordering: src/trace/log-ring.ts): a pino destination
 * that writes each line into the ring with plain stores and one Atomics.store, and falls back to
 * a postMessage (as every line went before) when the line does not fit, so no line is ever lost.
 *
 * Context: the CPU's worker thread (the only writer of its log ring).
 */
import { parentPort } from 'node:worker_threads';
import type { ForwardedLog } from '../runtime/messages.js';
import { LOG_HEADER_BYTES, LOG_RING_BYTES, LOG_WRAP, L_POSTED, L_READ, L_SEEN, L_WRITTEN } from '../trace/log-ring.js';

const encoder = new TextEncoder();

export class LogRingWriter {
  private readonly i32: Int32Array;
  private readonly d32: Int32Array;
  private readonly u8: Uint8Array;
  /** Bytes written (int32, wrapping as the header word does), and lines sent as messages. */
  private written: number;
  private posted: number;
  /** True while a line sent as a message may not have been written by the coordinator yet. */
  private unseen = false;

  constructor(ring: SharedArrayBuffer) {
    this.i32 = new Int32Array(ring, 0, LOG_HEADER_BYTES / 4);
    this.d32 = new Int32Array(ring, LOG_HEADER_BYTES, LOG_RING_BYTES / 4);
    this.u8 = new Uint8Array(ring, LOG_HEADER_BYTES, LOG_RING_BYTES);
    // Atomics.load: resume where an earlier worker of this CPU stopped (it is gone).
    this.written = Atomics.load(this.i32, L_WRITTEN);
    this.posted = Atomics.load(this.i32, L_POSTED);
    this.unseen = Atomics.load(this.i32, L_SEEN) !== this.posted;
  }

  /** pino's destination interface. */
  write(line: string): void {
    // Atomics.load: while a message line may still be unwritten, later lines follow it as messages.
    if (this.unseen && Atomics.load(this.i32, L_SEEN) !== this.posted) return this.post(line);
    this.unseen = false;
    if (!this.put(line)) this.post(line);
  }

  /** Into the ring; false when it does not fit now. */
  private put(line: string): boolean {
    // Atomics.load (acquire): bytes below READ were copied by the coordinator and may be reused.
    const free = LOG_RING_BYTES - ((this.written - Atomics.load(this.i32, L_READ)) >>> 0);
    const at = this.written & (LOG_RING_BYTES - 1);
    const tail = LOG_RING_BYTES - at;
    // Where we are, up to the end of the data or of the free space.
    if (this.encodeAt(line, this.written, Math.min(tail, free) - 4)) return true;
    // Else wrap to the data's start, when the whole tail is free and something is left after it.
    if (at === 0 || free - tail <= 4) return false;
    this.d32[at >>> 2] = LOG_WRAP;
    return this.encodeAt(line, (this.written + tail) | 0, free - tail - 4);
  }

  /** Encodes at ring position `position` with `room` bytes for the text; publishes on success. */
  private encodeAt(line: string, position: number, room: number): boolean {
    if (room <= 0) return false;
    const at = position & (LOG_RING_BYTES - 1);
    const result = encoder.encodeInto(line, this.u8.subarray(at + 4, at + 4 + room));
    if (result.read < line.length) return false;
    this.d32[at >>> 2] = result.written;
    this.written = (position + 4 + ((result.written + 3) & ~3)) | 0;
    // Atomics.store (release): publishes the record (and a WRAP before it) to the coordinator's
    // Atomics.load(WRITTEN).
    Atomics.store(this.i32, L_WRITTEN, this.written);
    return true;
  }

  private post(line: string): void {
    this.posted = (this.posted + 1) | 0;
    this.unseen = true;
    // Atomics.store: a replacement worker reads POSTED to keep the order too.
    Atomics.store(this.i32, L_POSTED, this.posted);
    const message: ForwardedLog = { percpuLog: line };
    parentPort?.postMessage(message);
  }
}
