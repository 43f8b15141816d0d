/**
 * Renders the allocator's chunks as an SVG: one row per chunk, the unit drawn left to right.
 * Unpopulated pages are grey, populated free space white, live areas blue; the first chunk
 * shows its static (green) and reserved (orange) regions. Each row is labelled with the chunk's
 * free bytes, largest free run and fragmentation.
 */
import type { ChunkPicture } from '../allocator/snapshot.js';
import { PAGE_SIZE } from '../memory/layout.js';
import { bytes, counted } from '../util/format.js';
import { escapeXml } from '../util/xml.js';

const WIDTH = 1000;
const LEFT = 90;
const RIGHT = 460;
const ROW = 22;
const GAP = 10;
const TOP = 70;

export const COLORS = {
  unpopulated: '#d0d0d0',
  free: '#ffffff',
  allocated: '#3b6fd6',
  static: '#2e9e5b',
  reserved: '#f2a33a',
} as const;

function rect(x: number, y: number, w: number, h: number, fill: string, cls: string, extra = ''): string {
  return (
    `<rect class="${cls}" x="${x.toFixed(2)}" y="${y}" width="${Math.max(w, 0.5).toFixed(2)}"` +
    ` height="${h}" fill="${fill}"${extra}/>`
  );
}

export function renderChunkMap(chunks: readonly ChunkPicture[], title: string): string {
  const unitSize = chunks[0]?.unitSize ?? PAGE_SIZE;
  const scale = WIDTH / unitSize;
  const height = TOP + chunks.length * (ROW + GAP) + 20;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${LEFT + WIDTH + RIGHT}" height="${height}"` +
      ` font-family="monospace" font-size="12">`,
    `<rect x="0" y="0" width="${LEFT + WIDTH + RIGHT}" height="${height}" fill="#fafafa"/>`,
    `<text x="10" y="20" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  const legend: [string, string][] = [
    ['unpopulated page', COLORS.unpopulated],
    ['populated, free', COLORS.free],
    ['allocated', COLORS.allocated],
    ['static region', COLORS.static],
    ['reserved region', COLORS.reserved],
  ];
  legend.forEach(([label, color], i) => {
    const x = 10 + i * 180;
    parts.push(`<rect x="${x}" y="32" width="14" height="14" fill="${color}" stroke="#555"/>`);
    parts.push(`<text x="${x + 20}" y="44">${label}</text>`);
  });
  parts.push(
    `<text x="10" y="62">one row per chunk; a row is one ${bytes(unitSize)} unit, the same in every CPU's area</text>`,
  );
  chunks.forEach((chunk, row) => {
    const y = TOP + row * (ROW + GAP);
    parts.push(`<g class="chunk" data-index="${chunk.index}">`);
    parts.push(`<text x="10" y="${y + 15}">chunk ${chunk.index}</text>`);
    chunk.populated.forEach((populated, page) => {
      parts.push(
        rect(
          LEFT + page * PAGE_SIZE * scale,
          y,
          PAGE_SIZE * scale,
          ROW,
          populated ? COLORS.free : COLORS.unpopulated,
          populated ? 'page populated' : 'page unpopulated',
        ),
      );
    });
    if (chunk.reservedRange !== null) {
      const [start, end] = chunk.reservedRange;
      parts.push(
        rect(LEFT + start * scale, y, (end - start) * scale, ROW, COLORS.reserved, 'reserved', ' fill-opacity="0.45"'),
      );
    }
    if (chunk.staticRange !== null) {
      const [start, end] = chunk.staticRange;
      parts.push(rect(LEFT + start * scale, y, (end - start) * scale, ROW, COLORS.static, 'static'));
    }
    for (const [start, end] of chunk.areas) {
      // A hairline white edge separates areas that touch.
      parts.push(
        rect(
          LEFT + start * scale,
          y + 3,
          (end - start) * scale,
          ROW - 6,
          COLORS.allocated,
          'area',
          ' stroke="#ffffff" stroke-width="0.3"',
        ),
      );
    }
    parts.push(`<rect x="${LEFT}" y="${y}" width="${WIDTH}" height="${ROW}" fill="none" stroke="#555"/>`);
    const s = chunk.stats;
    const label =
      `free ${bytes(s.freeBytes)}, contig ${bytes(s.contigBytes)}, frag ${bytes(s.sumFragBytes)}` +
      ` (max ${bytes(s.maxFragBytes)}), ${counted(s.nrAreas, 'area')}`;
    parts.push(`<text x="${LEFT + WIDTH + 10}" y="${y + 15}">${escapeXml(label)}</text>`);
    parts.push('</g>');
  });
  parts.push('</svg>');
  return parts.join('\n');
}
