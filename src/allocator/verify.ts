/**
 * verify(): every invariant of the allocator, checked against a brute-force scan of the bitmaps.
 * For tests and debugging; it costs O(area) and returns a list of problems (empty when sound).
 */
import { BLOCK_BITS, MIN_ALLOC_SHIFT, PAGE_SHIFT } from '../memory/layout.js';
import type { PercpuAllocator } from './allocator.js';
import { findNextSet, findNextZero, testBit } from './bitmap.js';
import type { Chunk } from './chunk.js';
import { contigToSlot } from './slots.js';

/** A free run [start, end) in bits. */
interface Run {
  readonly start: number;
  readonly end: number;
}

function freeRuns(map: Uint32Array, start: number, end: number): Run[] {
  const runs: Run[] = [];
  for (let bit = findNextZero(map, start, end); bit < end;) {
    const runEnd = findNextSet(map, bit, end);
    runs.push({ start: bit, end: runEnd });
    bit = findNextZero(map, runEnd, end);
  }
  return runs;
}

function verifyBlocks(chunk: Chunk, name: string, problems: string[]): void {
  const hints = chunk.blocks;
  for (let b = 0; b < chunk.nrBlocks; b++) {
    const base = b * BLOCK_BITS;
    const runs = freeRuns(chunk.allocMap, base, base + BLOCK_BITS).map((r) => ({
      start: r.start - base,
      end: r.end - base,
    }));
    const where = `${name} block ${b}`;
    const largest = runs.reduce((max, r) => Math.max(max, r.end - r.start), 0);
    const contig = hints.contig(b);
    const contigStart = hints.contigStart(b);
    if (contig !== largest) problems.push(`${where}: contig hint ${contig}, largest free run ${largest}`);
    if (contig > 0 && !runs.some((r) => r.start <= contigStart && contigStart + contig <= r.end)) {
      problems.push(`${where}: contig hint [${contigStart}, +${contig}) is not free`);
    }
    const left = runs[0]?.start === 0 ? runs[0].end : 0;
    if (hints.leftFree(b) !== left) problems.push(`${where}: leftFree ${hints.leftFree(b)}, actual ${left}`);
    const last = runs[runs.length - 1];
    const right = last !== undefined && last.end === BLOCK_BITS ? last.end - last.start : 0;
    if (hints.rightFree(b) !== right) problems.push(`${where}: rightFree ${hints.rightFree(b)}, actual ${right}`);
    const firstFree = runs[0]?.start ?? BLOCK_BITS;
    if (hints.firstFree(b) !== firstFree)
      problems.push(`${where}: firstFree ${hints.firstFree(b)}, actual ${firstFree}`);
    const scan = hints.scanHint(b);
    const scanStart = hints.scanHintStart(b);
    if (scan > 0) {
      if (!runs.some((r) => r.start === scanStart && r.end === scanStart + scan)) {
        problems.push(`${where}: scan hint [${scanStart}, +${scan}) is not exactly a free run`);
      }
      const tooLong = runs.find((r) => r.end <= scanStart && r.end - r.start > scan);
      if (tooLong !== undefined) {
        problems.push(
          `${where}: free run [${tooLong.start}, ${tooLong.end}) before the scan hint exceeds it (${scan})`,
        );
      }
    }
  }
}

function verifyChunk(alloc: PercpuAllocator, chunk: Chunk, name: string, problems: string[]): void {
  const map = chunk.allocMap;
  if (
    findNextZero(map, 0, chunk.startBit) < chunk.startBit ||
    findNextZero(map, chunk.endBit, chunk.nrBits) < chunk.nrBits
  ) {
    problems.push(`${name}: a hidden bit is free`);
  }
  const runs = freeRuns(map, 0, chunk.nrBits);
  const freeBits = runs.reduce((sum, r) => sum + r.end - r.start, 0);
  if (freeBits !== chunk.freeBits) problems.push(`${name}: freeBits ${chunk.freeBits}, actual ${freeBits}`);
  const largest = runs.reduce((max, r) => Math.max(max, r.end - r.start), 0);
  if (chunk.contigBits !== largest) problems.push(`${name}: contigBits ${chunk.contigBits}, actual ${largest}`);
  if (
    chunk.contigBits > 0 &&
    !runs.some((r) => r.start <= chunk.contigStart && chunk.contigStart + chunk.contigBits <= r.end)
  ) {
    problems.push(`${name}: contig run at ${chunk.contigStart} is not free`);
  }
  let firstFreeBlock = 0;
  while (
    firstFreeBlock < chunk.nrBlocks &&
    findNextZero(map, firstFreeBlock * BLOCK_BITS, (firstFreeBlock + 1) * BLOCK_BITS) ===
      (firstFreeBlock + 1) * BLOCK_BITS
  ) {
    firstFreeBlock++;
  }
  if (chunk.firstFreeBlock !== firstFreeBlock)
    problems.push(`${name}: firstFreeBlock ${chunk.firstFreeBlock}, actual ${firstFreeBlock}`);
  verifyBlocks(chunk, name, problems);

  // Areas: every allocated run outside the hidden regions splits into areas at boundary bits.
  let areas = 0;
  const firstPage = (chunk.index * alloc.unitSize) >>> PAGE_SHIFT;
  for (let bit = findNextSet(map, chunk.startBit, chunk.endBit); bit < chunk.endBit;) {
    const runEnd = findNextZero(map, bit, chunk.endBit);
    if (!testBit(chunk.boundMap, bit)) problems.push(`${name}: allocated run at bit ${bit} has no start boundary`);
    let areaStart = bit;
    while (areaStart < runEnd) {
      const areaEnd = findNextSet(chunk.boundMap, areaStart + 1, chunk.nrBits + 1);
      if (areaEnd > runEnd) {
        problems.push(`${name}: area at bit ${areaStart} ends at ${areaEnd}, past its allocated run end ${runEnd}`);
        break;
      }
      areas++;
      for (
        let page = (areaStart << MIN_ALLOC_SHIFT) >>> PAGE_SHIFT;
        page <= ((areaEnd << MIN_ALLOC_SHIFT) - 1) >>> PAGE_SHIFT;
        page++
      ) {
        if (!alloc.pages.isPopulated(firstPage + page))
          problems.push(`${name}: area at bit ${areaStart} covers unpopulated page ${page}`);
      }
      areaStart = areaEnd;
    }
    bit = findNextSet(map, runEnd, chunk.endBit);
  }
  if (areas !== chunk.nrAreas) problems.push(`${name}: nrAreas ${chunk.nrAreas}, actual ${areas}`);
}

export function verifyAllocator(alloc: PercpuAllocator): string[] {
  const problems: string[] = [];
  let nrChunks = 0;
  let nrAreas = 0;
  let liveBits = 0;
  const emptyChunks: Chunk[] = [];
  const listedIn = new Map<Chunk, number>();
  for (let slot = 0; slot < alloc.slots.count; slot++)
    for (const chunk of alloc.slots.list(slot)) listedIn.set(chunk, slot);
  for (const [index, chunk] of alloc.chunks.entries()) {
    if (chunk === undefined) continue;
    nrChunks++;
    const name = `chunk ${index}`;
    if (chunk.index !== index) problems.push(`${name}: index field says ${chunk.index}`);
    verifyChunk(alloc, chunk, name, problems);
    nrAreas += chunk.nrAreas;
    liveBits += chunk.endBit - chunk.startBit - chunk.freeBits;
    if (chunk.isEmpty()) emptyChunks.push(chunk);
    const slot = contigToSlot(chunk.contigBits);
    if (chunk.slot !== slot || listedIn.get(chunk) !== slot) {
      problems.push(`${name}: in slot ${chunk.slot}, its contig ${chunk.contigBits} calls for slot ${slot}`);
    }
    if (alloc.slots.contig[index] !== chunk.contigBits || alloc.slots.contigStart[index] !== chunk.contigStart) {
      problems.push(
        `${name}: the slots copy its run as ${alloc.slots.contig[index]} at ${alloc.slots.contigStart[index]}`,
      );
    }
    // Eager depopulation: a populated page of a chunk is never wholly free.
    const firstPage = (index * alloc.unitSize) >>> PAGE_SHIFT;
    for (let block = 0; block < chunk.nrBlocks; block++) {
      if (chunk.blocks.isFree(block) && alloc.pages.isPopulated(firstPage + block)) {
        problems.push(`${name}: page ${block} is populated but holds nothing`);
      }
    }
  }
  const reserved = alloc.reservedChunk;
  if (reserved !== null) {
    verifyChunk(alloc, reserved, 'reserved chunk', problems);
    nrAreas += reserved.nrAreas;
    liveBits += reserved.endBit - reserved.startBit - reserved.freeBits;
  }
  problems.push(...alloc.slots.problems());
  let listed = 0;
  for (let slot = 0; slot < alloc.slots.count; slot++) listed += alloc.slots.size(slot);
  if (listed !== nrChunks) problems.push(`slots list ${listed} chunks, ${nrChunks} exist`);
  const nonFirstEmpty = emptyChunks.filter((c) => c !== alloc.firstChunk).length;
  if (nonFirstEmpty > 1 || (nonFirstEmpty === 1 && alloc.firstChunk.isEmpty())) {
    problems.push(`${emptyChunks.length} fully free chunks are kept; at most one may be`);
  }
  if (emptyChunks.length !== alloc.emptyChunks.size || emptyChunks.some((c) => !alloc.emptyChunks.has(c))) {
    problems.push('the set of empty chunks is out of date');
  }
  const stats = alloc.stats();
  if (stats.nrCurAlloc !== nrAreas) problems.push(`stats: nrCurAlloc ${stats.nrCurAlloc}, live areas ${nrAreas}`);
  if (stats.nrChunks !== nrChunks) problems.push(`stats: nrChunks ${stats.nrChunks}, actual ${nrChunks}`);
  if (stats.nrMaxChunks < nrChunks) problems.push(`stats: nrMaxChunks ${stats.nrMaxChunks} < nrChunks ${nrChunks}`);
  if (stats.nrCurAlloc > stats.nrMaxAlloc) problems.push('stats: nrCurAlloc > nrMaxAlloc');
  if (stats.nrAlloc - stats.nrDealloc !== stats.nrCurAlloc) problems.push('stats: nrAlloc - nrDealloc != nrCurAlloc');
  if (stats.liveBytes !== liveBits << MIN_ALLOC_SHIFT)
    problems.push(`stats: liveBytes ${stats.liveBytes}, actual ${liveBits << MIN_ALLOC_SHIFT}`);
  let populated = 0;
  for (let page = 0; page < alloc.pages.nrPages; page++) if (alloc.pages.isPopulated(page)) populated++;
  if (populated !== stats.populatedPages)
    problems.push(`stats: populatedPages ${stats.populatedPages}, actual ${populated}`);
  return problems;
}
