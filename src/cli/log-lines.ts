import { readFileSync } from 'node:fs';

/** Lines in an NDJSON file (0 if it does not exist). */
export function countLines(path: string): number {
  try {
    return readFileSync(path, 'utf8')
      .split('\n')
      .filter((line) => line.length > 0).length;
  } catch {
    return 0;
  }
}
