/** Where benchmark output goes: paths from the repository root (or absolute), and writing them. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file runs from dist/bench/lib/). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export function writeRepoFile(relativePath: string, text: string): void {
  const path = resolve(REPO_ROOT, relativePath);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

export function readRepoFile(relativePath: string): string {
  return readFileSync(resolve(REPO_ROOT, relativePath), 'utf8');
}
