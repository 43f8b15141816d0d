/**
 * The trace region's name table: event names interned once per CPU, so an event carries a 16-bit
 * id instead of a string. The table is in the CPU's own unit (ring-layout.ts), so it survives the
 * worker: a replacement worker reads it back and keeps the same ids, and the coordinator decodes
 * ids of events a dead worker wrote.
 *
 *   entry: | u32 byte length | UTF-8 bytes, padded to a multiple of 4 |
 *
 * Ordering: the CPU writes an entry with plain stores, then the used byte count (plain), then
 * Atomics.store(H_NAMES, count). The coordinator's Atomics.load(H_NAMES) synchronizes with it, so
 * the entries before it are complete. The CPU publishes a name before the first event using it
 * (that event's Atomics.store of H_STORED comes later), so any id the coordinator reads in an event
 * is in the table by the time it looks.
 *
 * Context: NameTableReader on the coordinator; NameTableWriter on the CPU that owns the region.
 */
import { InvalidArgumentError, OutOfSpaceError } from '../errors.js';
import {
  H_NAMES,
  H_NAME_BYTES,
  MAX_NAMES,
  MAX_NAME_BYTES,
  NAME_TABLE_BYTES,
  NAME_TABLE_OFFSET,
} from './ring-layout.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The views both sides need: the region's words and bytes. */
export interface RegionViews {
  /** Int32 words of the area; `base` is the region's first word. */
  readonly i32: Int32Array;
  readonly u8: Uint8Array;
  /** Word index of the region's start. */
  readonly base: number;
}

export class NameTableReader {
  private readonly names: string[] = [];
  private offset = 0;

  constructor(private readonly region: RegionViews) {}

  /** The name of `id`; reads entries published since the last call when needed. */
  name(id: number): string {
    if (id >= this.names.length) this.catchUp();
    return this.names[id] ?? `#${id}`;
  }

  private catchUp(): void {
    const { i32, u8, base } = this.region;
    // Atomics.load: synchronizes with the CPU's Atomics.store of H_NAMES (entries complete).
    const count = Atomics.load(i32, base + H_NAMES);
    const start = base * 4 + NAME_TABLE_OFFSET;
    while (this.names.length < count) {
      const length = i32[(start + this.offset) >>> 2]!;
      // slice(): a copy in ordinary memory; TextDecoder does not take shared memory.
      this.names.push(decoder.decode(u8.slice(start + this.offset + 4, start + this.offset + 4 + length)));
      this.offset += 4 + ((length + 3) & ~3);
    }
  }
}

export class NameTableWriter {
  private readonly ids = new Map<string, number>();
  private count: number;
  private used: number;

  /** Reads back what earlier workers of this CPU interned (their ids stay). */
  constructor(private readonly region: RegionViews) {
    const reader = new NameTableReader(region);
    // Atomics.load: the previous worker is gone; its last stores are visible.
    this.count = Atomics.load(region.i32, region.base + H_NAMES);
    this.used = Atomics.load(region.i32, region.base + H_NAME_BYTES);
    for (let id = 0; id < this.count; id++) this.ids.set(reader.name(id), id);
  }

  /** The id of `name`, interning it on first use. */
  idOf(name: string): number {
    const id = this.ids.get(name);
    return id !== undefined ? id : this.intern(name);
  }

  private intern(name: unknown): number {
    if (typeof name !== 'string') throw new InvalidArgumentError('name', name, 'a string (an event name)');
    const bytes = encoder.encode(name);
    if (bytes.length === 0 || bytes.length > MAX_NAME_BYTES) {
      throw new InvalidArgumentError('name', name, `a string of 1 to ${MAX_NAME_BYTES} UTF-8 bytes`);
    }
    const size = 4 + ((bytes.length + 3) & ~3);
    if (this.count >= MAX_NAMES || this.used + size > NAME_TABLE_BYTES) {
      throw new OutOfSpaceError(
        `The trace name table is full (${this.count} names, ${NAME_TABLE_BYTES} bytes per CPU): ` +
          `event names are interned, use a few constant names and put what varies in the values`,
      );
    }
    const { i32, u8, base } = this.region;
    const at = base * 4 + NAME_TABLE_OFFSET + this.used;
    i32[at >>> 2] = bytes.length;
    u8.set(bytes, at + 4);
    this.used += size;
    const id = this.count++;
    i32[base + H_NAME_BYTES] = this.used;
    // Atomics.store: publishes the entry (and H_NAME_BYTES) to the coordinator's Atomics.load.
    Atomics.store(i32, base + H_NAMES, this.count);
    this.ids.set(name, id);
    return id;
  }
}
