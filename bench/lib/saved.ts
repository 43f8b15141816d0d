/** Saved benchmark runs: the results of one suite with the machine and command that produced them. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { MachineInfo } from './machine.js';
import { REPO_ROOT, readRepoFile, writeRepoFile } from './output.js';

export interface SavedRun<T> {
  readonly machine: MachineInfo;
  readonly command: string;
  readonly npmScript: string | null;
  readonly loadAverageEnd: readonly number[];
  readonly results: T;
}

export function repoFileExists(relativePath: string): boolean {
  return existsSync(resolve(REPO_ROOT, relativePath));
}

/** JSON with bigints written as strings (none of the saved results needs them back as bigints). */
export function saveRun<T>(relativePath: string, run: SavedRun<T>): void {
  writeRepoFile(
    relativePath,
    `${JSON.stringify(run, (_, value: unknown) => (typeof value === 'bigint' ? value.toString() : value), 2)}\n`,
  );
}

/** A saved run, or null if the file does not exist. Throws if it exists but is not a saved run. */
export function loadRun<T>(relativePath: string): SavedRun<T> | null {
  if (!repoFileExists(relativePath)) return null;
  const data: unknown = JSON.parse(readRepoFile(relativePath));
  if (
    typeof data !== 'object' ||
    data === null ||
    !('results' in data) ||
    !('machine' in data) ||
    !('command' in data)
  ) {
    throw new Error(`${relativePath} does not hold saved benchmark results`);
  }
  return data as SavedRun<T>;
}
