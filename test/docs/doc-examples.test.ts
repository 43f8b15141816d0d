/**
 * The docs' code compiles and runs: every ```ts block of README.md and docs/*.md is type-checked
 * with the project's strict settings against this package (imported as 'percpu', as a user
 * would), and each document's program (its `// file:` blocks, see doc-blocks.ts) is compiled
 * and run with node, checking what it prints against its `// prints` comments.
 *
 * The blocks are written to .doc-examples/ (gitignored) under the repository, so 'percpu'
 * resolves to this package by its own name (package.json's exports, dist/ built by npm test),
 * with a tsconfig that extends the project's. One tsc run checks every block.
 *
 * Context: main thread (vitest); the programs run as child processes (their CPUs are worker
 * threads of those processes).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { type DocBlock, type DocProgram, FRAGMENT_PREAMBLE, docProgram, tsBlocks } from './doc-blocks.js';

const run = promisify(execFile);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const WORK = join(ROOT, '.doc-examples');
const OUT = join(WORK, 'out');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

const DOCS = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** A document's folder under .doc-examples/: README.md → README, docs/api.md → docs-api. */
function folderOf(doc: string): string {
  return doc.replace(/\.md$/, '').replace(/\//g, '-');
}

interface Parsed {
  readonly doc: string;
  readonly blocks: readonly DocBlock[];
  readonly program: DocProgram | null;
}

/** Every document's blocks and program, read when the file is collected. */
const PARSED: readonly Parsed[] = DOCS.map((doc) => {
  const blocks = tsBlocks(readFileSync(join(ROOT, doc), 'utf8'));
  return { doc, blocks, program: docProgram(blocks) };
});

/** Writes every document's blocks as files of one TypeScript project. */
function writeProject(): void {
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  writeFileSync(
    join(WORK, 'tsconfig.json'),
    JSON.stringify(
      {
        extends: '../tsconfig.base.json',
        // Examples may declare what they show without using it.
        compilerOptions: {
          rootDir: '.',
          outDir: 'out',
          declaration: false,
          sourceMap: false,
          noUnusedLocals: false,
          noUnusedParameters: false,
        },
        include: ['**/*.ts'],
        exclude: ['out'],
      },
      null,
      2,
    ),
  );
  for (const { doc, blocks, program } of PARSED) {
    const dir = join(WORK, folderOf(doc));
    mkdirSync(dir, { recursive: true });
    for (const block of blocks) {
      if (block.kind === 'module') writeFileSync(join(dir, `block-line-${block.line}.ts`), block.text);
      if (block.kind === 'fragment')
        writeFileSync(join(dir, `fragment-line-${block.line}.ts`), FRAGMENT_PREAMBLE + block.text);
    }
    if (program !== null) {
      mkdirSync(join(dir, 'program'), { recursive: true });
      for (const file of program.files) writeFileSync(join(dir, 'program', file.name), file.text);
    }
  }
}

describe('the docs’ TypeScript', () => {
  let compiled: { ok: boolean; output: string } = { ok: false, output: 'not compiled' };

  beforeAll(async () => {
    writeProject();
    try {
      await run(process.execPath, [TSC, '-p', join(WORK, 'tsconfig.json')], { cwd: ROOT });
      compiled = { ok: true, output: '' };
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string };
      compiled = { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
    }
  }, 120_000);

  it('README.md and docs/api.md have TypeScript blocks and a program each (the check sees them)', () => {
    const byDoc = new Map(PARSED.map((p) => [p.doc, p]));
    expect(
      byDoc
        .get('README.md')
        ?.program?.files.map((f) => f.name)
        .sort(),
    ).toEqual(['main.ts', 'tasks.ts']);
    expect(
      byDoc
        .get('docs/api.md')
        ?.program?.files.map((f) => f.name)
        .sort(),
    ).toEqual(['main.ts', 'tasks.ts']);
    expect(PARSED.reduce((n, p) => n + p.blocks.length, 0)).toBeGreaterThanOrEqual(3);
  });

  it('every block type-checks under the project’s strict settings (tsc)', () => {
    // The file names in tsc's messages say which document and line: docs-api/block-line-134.ts.
    expect(compiled.output.replaceAll(WORK + '/', '')).toBe('');
    expect(compiled.ok).toBe(true);
  });

  const programs = PARSED.flatMap((p) => (p.program === null ? [] : [{ doc: p.doc, program: p.program }]));
  it.each(programs)(
    '$doc: its program runs and prints what the doc says',
    async ({ doc, program }) => {
      expect(compiled.ok, compiled.output).toBe(true);
      const main = join(OUT, folderOf(doc), 'program', 'main.js');
      // From another directory: the example finds its tasks module from its own URL, not the cwd.
      const { stdout } = await run(process.execPath, [main], { cwd: WORK, timeout: 60_000 });
      const lines = stdout.split('\n').filter((l) => l !== '');
      expect(lines, `${relative(ROOT, main)} printed`).toEqual(program.prints);
    },
    90_000,
  );
});
