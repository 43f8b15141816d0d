/** One table model, rendered either as aligned console text or as a markdown table. */

export type Align = 'left' | 'right';

export interface Table {
  /** A caption printed above the table. */
  readonly title: string;
  readonly headers: readonly string[];
  readonly rows: readonly (readonly string[])[];
  /** Per column; columns not listed are right-aligned except the first. */
  readonly align?: readonly Align[];
}

function alignOf(table: Table, column: number): Align {
  return table.align?.[column] ?? (column === 0 ? 'left' : 'right');
}

/** Fixed-width text for a terminal. */
export function renderConsoleTable(table: Table): string {
  const widths = table.headers.map((header, c) =>
    Math.max(header.length, ...table.rows.map((row) => (row[c] ?? '').length)),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, c) => (alignOf(table, c) === 'left' ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [
    table.title,
    line(table.headers),
    rule,
    ...table.rows.map((row) => line(table.headers.map((_, c) => row[c] ?? ''))),
  ].join('\n');
}

/** A GitHub-flavoured markdown table (without the title). */
export function renderMarkdownTable(table: Table): string {
  const row = (cells: readonly string[]): string =>
    `| ${cells.map((cell) => cell.replace(/\|/g, '\\|')).join(' | ')} |`;
  const rule = `|${table.headers.map((_, c) => (alignOf(table, c) === 'left' ? ' --- ' : ' ---: ')).join('|')}|`;
  return [row(table.headers), rule, ...table.rows.map((r) => row(table.headers.map((_, c) => r[c] ?? '')))].join('\n');
}
