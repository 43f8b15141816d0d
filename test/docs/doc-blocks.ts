/**
 * The TypeScript blocks of the project's Markdown (README.md, docs/*.md), as doc-examples.test.ts
 * checks them. Not a test file itself. Context: main thread (vitest).
 *
 * The conventions a ```ts block follows (docs/api.md, "Examples in these docs", says the same):
 *
 * - `// file: NAME.ts` on a line of its own starts a file of the document's **program**: the
 *   lines up to the next `// file:` line or the block's end. All the `// file:` files of one
 *   document form one program, compiled together and run with node (`main.ts` is the entry); a
 *   program's files may be spread over several blocks (docs/api.md's coordinator and its tasks).
 * - `// prints VALUE` after a statement of a program's main.ts: the program prints VALUE (the first word
 *   after "prints", or the text between backquotes) on a line of its own, in that order.
 * - `// fragment: WHY` as a block's first line: a fragment (a few statements, not a module). It
 *   is type-checked after a preamble that declares what fragments use (`rt`, a typed runtime,
 *   `ptr`, an allocation, and both entry points' imports), not run.
 * - Any other block is a whole module on its own: type-checked, not run.
 */

export interface DocFile {
  /** The file's name in its program, e.g. "main.ts". */
  readonly name: string;
  readonly text: string;
}

export interface DocBlock {
  /** 1-based line of the block's opening fence. */
  readonly line: number;
  readonly kind: 'program' | 'fragment' | 'module';
  /** The block's text (program blocks: split into files). */
  readonly text: string;
  readonly files: readonly DocFile[];
  /** The reason a fragment gives. */
  readonly why: string | null;
}

export interface DocProgram {
  readonly files: readonly DocFile[];
  /** What the program prints, in order (from its `// prints` comments). */
  readonly prints: readonly string[];
}

const FILE_MARK = /^\s*\/\/ file: ([\w.-]+\.ts)\s*$/;
const FRAGMENT_MARK = /^\s*\/\/ fragment: (.+)$/;
const PRINTS_MARK = /\/\/ prints (?:`([^`]+)`|(\S+))/;

/** The ```ts blocks of a Markdown text (```typescript too), in order. */
export function tsBlocks(markdown: string): DocBlock[] {
  const lines = markdown.split('\n');
  const blocks: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(ts|typescript)\s*$/.exec(lines[i]!);
    if (open === null) continue;
    const indent = open[1]!.length;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !/^\s*```\s*$/.test(lines[j]!)) body.push(lines[j++]!.slice(indent));
    if (j === lines.length) throw new Error(`line ${i + 1}: a \`\`\`ts block that never closes`);
    blocks.push(classify(i + 1, body));
    i = j;
  }
  return blocks;
}

function classify(line: number, body: readonly string[]): DocBlock {
  const text = body.join('\n') + '\n';
  const fragment = body.length > 0 ? FRAGMENT_MARK.exec(body[0]!) : null;
  if (fragment !== null) return { line, kind: 'fragment', text, files: [], why: fragment[1]!.trim() };
  if (!body.some((l) => FILE_MARK.test(l))) return { line, kind: 'module', text, files: [], why: null };
  const files: DocFile[] = [];
  let name: string | null = null;
  let current: string[] = [];
  const flush = (): void => {
    if (name !== null) files.push({ name, text: current.join('\n').trim() + '\n' });
  };
  for (const l of body) {
    const mark = FILE_MARK.exec(l);
    if (mark !== null) {
      flush();
      name = mark[1]!;
      current = [];
    } else if (name === null) {
      if (l.trim() !== '') throw new Error(`line ${line}: code before the block's first "// file:" line`);
    } else current.push(l);
  }
  flush();
  return { line, kind: 'program', text, files, why: null };
}

/** A document's program: its blocks' `// file:` files (each name once), or null when it has none. */
export function docProgram(blocks: readonly DocBlock[]): DocProgram | null {
  const files = blocks.flatMap((b) => b.files);
  if (files.length === 0) return null;
  const names = files.map((f) => f.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) throw new Error(`the file ${twice} is defined twice`);
  if (!names.includes('main.ts')) throw new Error(`a program needs a main.ts (it has ${names.join(', ')})`);
  const prints: string[] = [];
  for (const l of files.find((f) => f.name === 'main.ts')!.text.split('\n')) {
    const mark = PRINTS_MARK.exec(l);
    if (mark !== null) prints.push(mark[1] ?? mark[2]!);
  }
  return { files, prints };
}

/** What a fragment is compiled after: the names the docs' fragments use. */
export const FRAGMENT_PREAMBLE = [
  "import { Runtime } from 'percpu';",
  "import { thisCpu } from 'percpu/cpu';",
  'declare const rt: Runtime;',
  'declare const ptr: number;',
  'void Runtime;',
  'void thisCpu;',
  'void rt;',
  'void ptr;',
  'export {};',
  '',
].join('\n');
