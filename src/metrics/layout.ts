/**
 * The per-CPU memory of metrics: what one label set (a "child") occupies on each CPU, and the
 * staging area every metric has on every CPU for label sets a CPU uses before the coordinator
 * has allocated their memory. Every number is a byte count; every structure comes from the
 * percpu allocator, so an offset is the same on every CPU and each CPU writes only its own copy.
 *
 *   counter child, per CPU (8 bytes):      | count u64 |
 *   gauge child, per CPU (16 bytes):       | value f64 | flags u32 | pad u32 |
 *   histogram child, per CPU (8 + 8 × (buckets + 1) bytes; 104 with the 11 default buckets):
 *                                          | sum f64 | bucket 0 u64 | ... | bucket n-1 u64 | +Inf u64 |
 *
 * A histogram keeps each bucket's own (non-cumulative) count and no separate `_count`: the
 * exposition's cumulative buckets, `+Inf` and `_count` are all derived from the same reads, so
 * `+Inf == _count` holds by construction even while a CPU is observing.
 *
 *   staging area of one metric, per CPU (HEADER + SLOTS × slotSize bytes):
 *
 *   | header: epoch | rootPtr | liveChildren | ackEpoch | attached | events | ring of removed ptrs |
 *   | slot 0: state | keyBytes | childPtr | pad | key (KEY_BYTES) | record (one child's record) |
 *   | slot 1 ...
 *
 * Context: constants and pure functions, used by the coordinator and by CPUs.
 */

/** A counter child's record on one CPU: one u64 (counts may pass 2^53). */
export const COUNTER_RECORD = 8;

/** A gauge child's record on one CPU: its value (f64) and flags (u32), padded to 16. */
export const GAUGE_RECORD = 16;
/** Byte of the flags word in a gauge record. */
export const GAUGE_FLAGS_BYTE = 8;
/** Gauge flags: the CPU wrote this value at least once (counted by 'max', 'min' and 'cpu'). */
export const GAUGE_TOUCHED = 1;
/** Gauge flags: the value was set() (it is absolute, not a delta on what came before). */
export const GAUGE_SET = 2;

/** A histogram child's record: sum (f64) then one u64 per bucket, +Inf last. */
export function histogramRecordSize(buckets: number): number {
  return 8 + 8 * (buckets + 1);
}

/** Largest label set, as the UTF-8 bytes of its values joined by NUL (every format can carry it). */
export const KEY_BYTES = 256;

/** Staging slots per metric per CPU: label sets one CPU may have pending at once. */
export const STAGING_SLOTS = 8;

/**
 * Removals (of a child's memory) a CPU is told about at once: the coordinator writes at most this
 * many removed record offsets past the slowest CPU's acknowledgement into the ring.
 */
export const REMOVAL_RING = 64;

/** Staging header words (u32 indexes from the area's start, in 4-byte words). */
export const H_EPOCH = 0; // coordinator: removals announced so far (ring entries written)
export const H_ROOT_PTR = 1; // coordinator: an unlabelled metric's current record
export const H_LIVE_CHILDREN = 2; // coordinator: label sets the metric has now (for the CPU's cap check)
export const H_ACK_EPOCH = 3; // CPU: removals it has seen and stopped writing to
export const H_ATTACHED = 4; // CPU: 1 once its worker uses the metric; coordinator: 0 when that worker is gone
export const H_EVENTS = 5; // CPU: bumped when it stages or retires a slot (the coordinator scans on change)
export const H_RING = 8; // coordinator: REMOVAL_RING removed record offsets, entry e at (e % REMOVAL_RING)
export const HEADER_BYTES = 4 * (H_RING + REMOVAL_RING);

/** Slot words (u32 indexes from the slot's start). */
export const S_STATE = 0;
export const S_KEY_BYTES = 1;
export const S_CHILD_PTR = 2;
/**
 * In S_KEY_BYTES: the slot re-stages a label set the coordinator removed while this CPU held it;
 * the coordinator creates its series again only once the slot's record is not all zero.
 */
export const KEY_RESTAGED = 0x8000_0000;
/**
 * In S_KEY_BYTES: a probe. The CPU found the metric at its cap (by its own count) and cannot
 * know whether the label set already exists: the coordinator resolves the slot only to an
 * existing child, or refuses it (stores FREE) when the label set is new and the metric is full.
 * The CPU waits for the answer and writes the record only once the slot is resolved.
 */
export const KEY_PROBE = 0x4000_0000;
/** The key's byte count in S_KEY_BYTES, without the flags above. */
export const KEY_BYTES_MASK = 0x3fff_ffff;
/** Bytes before the key, and before the record (the record is 8-aligned). */
export const SLOT_KEY_BYTE = 16;
export const SLOT_RECORD_BYTE = SLOT_KEY_BYTE + KEY_BYTES;

/**
 * Slot states. Who moves which: the CPU FREE→PENDING (after writing the key), RESOLVED→RETIRED
 * (after it stopped writing the record) and REVOKED→RETIRED (after it moved its child elsewhere);
 * a CPU's replacement worker, or the coordinator once the CPU's worker is gone, PENDING, RESOLVED
 * or REVOKED→RETIRED (nobody writes it any more); the coordinator PENDING→RESOLVED (after writing
 * childPtr), RESOLVED→REVOKED (the child was removed before the CPU re-pointed to it: its counts
 * so far go with the removed series) and RETIRED→FREE (after folding the record into the child's
 * coordinator-side part, or discarding it, and zeroing it).
 */
export const SLOT_FREE = 0;
export const SLOT_PENDING = 1;
export const SLOT_RESOLVED = 2;
export const SLOT_RETIRED = 3;
export const SLOT_REVOKED = 4;

export function slotSize(recordSize: number): number {
  return SLOT_RECORD_BYTE + recordSize;
}

export function stagingSize(recordSize: number): number {
  return HEADER_BYTES + STAGING_SLOTS * slotSize(recordSize);
}

/** Byte offset (from the staging area's start) of slot `slot`. */
export function slotByte(recordSize: number, slot: number): number {
  return HEADER_BYTES + slot * slotSize(recordSize);
}
