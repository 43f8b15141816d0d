/**
 * Bit operations on a bitmap stored in a Uint32Array: bit i lives in word i >>> 5 at bit i & 31.
 * Ranges are half-open, [start, end). Searches work a word at a time and never look outside
 * [start, end), so their cost is bounded by the range they are given.
 */

/** Index of the lowest set bit of a non-zero 32-bit word. */
function lowestSetBit(word: number): number {
  return 31 - Math.clz32(word & -word);
}

export function testBit(map: Uint32Array, bit: number): boolean {
  return ((map[bit >>> 5]! >>> (bit & 31)) & 1) === 1;
}

export function setBit(map: Uint32Array, bit: number): void {
  map[bit >>> 5]! |= 1 << (bit & 31);
}

export function clearBit(map: Uint32Array, bit: number): void {
  map[bit >>> 5]! &= ~(1 << (bit & 31));
}

/**
 * Masks of a range's ends: the bits from `start & 31` up in its first word, and the bits below
 * `((end - 1) & 31) + 1` in its last word. Written as two shifts, with no loop for the common
 * case of a range inside one word, so that the functions below stay small enough for V8 to
 * inline them on the allocator's hot paths.
 */
function fromStartMask(start: number): number {
  return (0xffffffff << (start & 31)) >>> 0;
}

function belowEndMask(end: number): number {
  return 0xffffffff >>> (31 - ((end - 1) & 31));
}

/** Sets bits [start, end). */
export function setRange(map: Uint32Array, start: number, end: number): void {
  if (start >= end) return;
  const firstWord = start >>> 5;
  const lastWord = (end - 1) >>> 5;
  if (firstWord === lastWord) {
    map[firstWord]! |= fromStartMask(start) & belowEndMask(end);
    return;
  }
  map[firstWord]! |= fromStartMask(start);
  for (let w = firstWord + 1; w < lastWord; w++) map[w] = 0xffffffff;
  map[lastWord]! |= belowEndMask(end);
}

/** Clears bits [start, end). */
export function clearRange(map: Uint32Array, start: number, end: number): void {
  if (start >= end) return;
  const firstWord = start >>> 5;
  const lastWord = (end - 1) >>> 5;
  if (firstWord === lastWord) {
    map[firstWord]! &= ~(fromStartMask(start) & belowEndMask(end));
    return;
  }
  map[firstWord]! &= ~fromStartMask(start);
  for (let w = firstWord + 1; w < lastWord; w++) map[w] = 0;
  map[lastWord]! &= ~belowEndMask(end);
}

/** First set bit in [start, end), or `end` if there is none. */
export function findNextSet(map: Uint32Array, start: number, end: number): number {
  return findNext(map, start, end, 0);
}

/** First clear bit in [start, end), or `end` if there is none. */
export function findNextZero(map: Uint32Array, start: number, end: number): number {
  return findNext(map, start, end, 0xffffffff);
}

/** `invert` is XORed into each word, so one loop finds set bits (0) or clear bits (all ones). */
function findNext(map: Uint32Array, start: number, end: number, invert: number): number {
  if (start >= end) return end;
  let w = start >>> 5;
  let word = ((map[w]! ^ invert) >>> 0) & ~((1 << (start & 31)) - 1);
  const lastWord = (end - 1) >>> 5;
  for (;;) {
    if (word !== 0) {
      const bit = (w << 5) + lowestSetBit(word);
      return bit < end ? bit : end;
    }
    if (++w > lastWord) return end;
    word = (map[w]! ^ invert) >>> 0;
  }
}

/** Last set bit in [start, end), or `start - 1` if there is none. */
export function findPrevSet(map: Uint32Array, start: number, end: number): number {
  if (start >= end) return start - 1;
  let w = (end - 1) >>> 5;
  const topBit = (end - 1) & 31;
  let word = map[w]! & (topBit === 31 ? 0xffffffff : (1 << (topBit + 1)) - 1);
  const firstWord = start >>> 5;
  for (;;) {
    if (word !== 0) {
      const bit = (w << 5) + 31 - Math.clz32(word);
      return bit >= start ? bit : start - 1;
    }
    if (--w < firstWord) return start - 1;
    word = map[w]!;
  }
}

/** Number of set bits in [start, end). For stats and verification, not for hot paths. */
export function countSet(map: Uint32Array, start: number, end: number): number {
  let n = 0;
  for (let bit = findNextSet(map, start, end); bit < end; bit = findNextSet(map, bit + 1, end)) {
    const runEnd = findNextZero(map, bit, end);
    n += runEnd - bit;
    bit = runEnd;
  }
  return n;
}
