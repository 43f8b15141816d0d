/** Where benchmark output goes: paths from the repository root (or absolute), and writing them. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The nearest folder at or above `dir` with a package.json. */
function packageRoot(dir: string): string {
  if (existsSync(join(dir, 'package.json'))) return dir;
  if (dirname(dir) === dir) throw new Error('bench: no package.json above the benchmark code');
  return packageRoot(dirname(dir));
}

/** The repository root: above dist/bench/lib/ when built, above bench/lib/ when a test imports the source. */
export const REPO_ROOT = packageRoot(fileURLToPath(new URL('.', import.meta.url)));

export function writeRepoFile(relativePath: string, text: string): void {
  const path = resolve(REPO_ROOT, relativePath);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

export function readRepoFile(relativePath: string): string {
  return readFileSync(resolve(REPO_ROOT, relativePath), 'utf8');
}
