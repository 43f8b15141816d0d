/**
 * The package's version for `percpu --version`, read at run time from the package.json nearest
 * above this module (dist/src/cli/ in a checkout and in an installed package alike), so it is
 * the version of the code that runs, wherever it was started from.
 *
 * Context: main thread.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { VerifyError } from '../errors.js';
import { fileURLToPath } from 'node:url';

export function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      const manifest = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: unknown; version?: unknown };
      if (manifest.name === 'percpu' && typeof manifest.version === 'string') return manifest.version;
    }
    const parent = dirname(dir);
    // Only a broken install (the package's own manifest missing) gets here.
    if (parent === dir) throw new VerifyError([`no package.json of percpu above ${fileURLToPath(import.meta.url)}`]);
    dir = parent;
  }
}
