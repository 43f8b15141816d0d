/**
 * The trace ring's layout: where it lives in each CPU's area and how an event is laid out in it.
 * One module owns these numbers; the CPU's writer (src/cpu/trace-writer.ts) and the coordinator's
 * reader (ring-reader.ts) both read them from here.
 *
 * Placement. The allocator's largest object is one unit, so a ring is not allocated: the trace
 * region is whole chunks at the top of every CPU's area, outside the allocator (which is given an
 * areaSize smaller by the region). Chunk k covers offsets [k × unitSize, (k + 1) × unitSize) and
 * is contiguous in every CPU's buffer, so a region of several chunks is one contiguous range:
 *
 *   one CPU's area:
 *   | chunk 0 | chunk 1 | ... allocator's chunks ... | trace region (whole chunks) |
 *   0                                         regionStart                     areaSize
 *
 *   trace region:
 *   | header (512 B) | name table (NAME_TABLE_BYTES) | event slots (bufferSize) | unused |
 *
 * Header words (byte offsets from the region's start; each group on its own 128-byte line, so the
 * CPU's stores and the coordinator's never share a cache line):
 *
 *   line 0, written by the CPU:          line 1, by the coordinator:   line 2, by the coordinator
 *   0  STORED  events stored (u32, wraps)  128 READ events consumed     before any worker starts:
 *   4  DROPPED events dropped, full ring   (u32, wraps)                 256 MAGIC 260 MODE
 *   8  NAMES   names published                                          264 SLOTS
 *   12 NAME_BYTES bytes of the name table used
 *
 * An event is one 64-byte slot (one cache line of data; the slot of stored event i is i mod SLOTS):
 *
 *    byte 0        4        8               16              24      ...     48         64
 *        | header | seq    | ts (f64, ms)   | value 0 (8 B) | value 1 | value 2 | value 3 | spare |
 *
 *   header (u32):  31            16 15          7 6     4 3     0
 *                  |   name id    |  kinds (2 bits each) | n | type |
 *
 *   type: EVENT_*; n: values present (0-4); kind of value k (bits 7 + 2k): 0 number (f64),
 *   1 bigint stored as s64, 2 bigint stored as u64; seq: the event's number modulo 2^32 (every
 *   event the CPU wrote has one, a dropped one too, so a gap shows a loss); ts: milliseconds on
 *   the coordinator's performance.now() clock (each worker converts from its own timeOrigin).
 *
 * Context: constants, used on both sides.
 */

/** Bytes of the region's header. */
export const TRACE_HEADER_BYTES = 512;

/** Header word indexes (Int32Array indexes relative to the region's first word). */
export const H_STORED = 0;
export const H_DROPPED = 1;
export const H_NAMES = 2;
export const H_NAME_BYTES = 3;
/** Line 1 (byte 128): the coordinator's read position. */
export const H_READ = 32;
/** Line 2 (byte 256): configuration, written once by the coordinator. */
export const H_MAGIC = 64;
export const H_MODE = 65;
export const H_SLOTS = 66;

/** 'PCTR': marks a region the coordinator has set up. */
export const TRACE_MAGIC = 0x50435452;

/** H_MODE values. */
export const MODE_OVERWRITE = 0;
export const MODE_DISCARD = 1;

/**
 * Bytes of the name table: entries [u32 byte length][UTF-8 bytes, padded to 4], appended by the
 * CPU, never removed. 32 KiB holds about a thousand names of 20 characters.
 */
export const NAME_TABLE_BYTES = 32 * 1024;
/** Longest name, in UTF-8 bytes. */
export const MAX_NAME_BYTES = 256;
/** Ids are 16 bits. */
export const MAX_NAMES = 0xffff;

/** Byte offset of the name table and of the slots from the region's start. */
export const NAME_TABLE_OFFSET = TRACE_HEADER_BYTES;
export const SLOTS_OFFSET = TRACE_HEADER_BYTES + NAME_TABLE_BYTES;

/** Bytes per event slot, and its 4-byte words. */
export const SLOT_BYTES = 64;
export const SLOT_WORDS = 16;
/** log2(SLOT_WORDS): slot index << this = the slot's first word. */
export const SLOT_WORD_SHIFT = 4;
/** Word offsets inside a slot. */
export const S_HEADER = 0;
export const S_SEQ = 1;
/** The f64 timestamp: words 2-3. */
export const S_TS = 2;
/** Value k: words 4 + 2k and 5 + 2k. */
export const S_VALUES = 4;
export const MAX_VALUES = 4;

/** Header fields. */
export const TYPE_MASK = 0xf;
export const COUNT_SHIFT = 4;
export const COUNT_MASK = 0x7;
export const KINDS_SHIFT = 7;
export const NAME_SHIFT = 16;

/** Value kinds. */
export const KIND_NUMBER = 0;
export const KIND_S64 = 1;
export const KIND_U64 = 2;

/** Event types. Those the runtime writes itself carry fixed values (see TraceEvent's args). */
export const EVENT_INSTANT = 1;
export const EVENT_COUNTER = 2;
export const EVENT_TASK_BEGIN = 3;
export const EVENT_TASK_END = 4;
export const EVENT_ALLOC = 5;
export const EVENT_FREE = 6;
export const EVENT_FOLD = 7;

/** Default bufferSize: 1 MiB per CPU, 16,384 events (committed by the OS only as it is written). */
export const DEFAULT_TRACE_BUFFER = 1024 * 1024;
/** Smallest ring: 64 events. */
export const MIN_TRACE_BUFFER = 4096;
/** Largest ring: 1 GiB per CPU (still bounded by the area, see tracePlacement). */
export const MAX_TRACE_BUFFER = 1024 * 1024 * 1024;

export function headerWord(type: number, nameId: number, count: number, kinds: number): number {
  return (nameId << NAME_SHIFT) | (kinds << KINDS_SHIFT) | (count << COUNT_SHIFT) | type;
}

/** Where the trace region of a runtime lives: the same offsets in every CPU's area. */
export interface TracePlacement {
  readonly mode: 'overwrite' | 'discard';
  /** Event bytes per CPU (the bufferSize option). */
  readonly bufferSize: number;
  readonly slots: number;
  /** Offset of the region (from AREA_BASE, like any ptr): a multiple of unitSize. */
  readonly regionStart: number;
  /** Whole units: header + name table + slots, rounded up. */
  readonly regionSize: number;
}

/** Bytes a ring of `bufferSize` takes in each CPU's area: whole units. */
export function traceRegionSize(bufferSize: number, unitSize: number): number {
  return Math.ceil((SLOTS_OFFSET + bufferSize) / unitSize) * unitSize;
}
