/**
 * The parser of the docs' TypeScript blocks (doc-blocks.ts): what makes a block a program file,
 * a fragment or a module, and what a program prints. Context: main thread (vitest), no threads.
 */
import { describe, expect, it } from 'vitest';
import { FRAGMENT_PREAMBLE, docProgram, tsBlocks } from './doc-blocks.js';

const FENCE = '```';

const MARKDOWN = [
  '# A doc',
  `${FENCE}ts`,
  '// file: tasks.ts',
  'export const t = (): number => 1;',
  '// file: main.ts',
  'console.log(1); // prints 1 (one)',
  `${FENCE}`,
  'Text.',
  `${FENCE}sh`,
  'npm test',
  `${FENCE}`,
  `${FENCE}ts`,
  '// fragment: uses rt from above',
  'rt.alloc(4);',
  `${FENCE}`,
  '- a list item with a block:',
  `  ${FENCE}typescript`,
  '  export const x = 1;',
  `  ${FENCE}`,
  `${FENCE}ts`,
  '// file: helper.ts',
  'export const h = 2;',
  "console.log('x'); // prints `two words`",
  `${FENCE}`,
].join('\n');

describe('the docs’ TypeScript blocks', () => {
  it('splits a document into program files, fragments and modules, skipping other languages', () => {
    const blocks = tsBlocks(MARKDOWN);
    expect(blocks.map((b) => [b.line, b.kind])).toEqual([
      [2, 'program'],
      [12, 'fragment'],
      [17, 'module'],
      [20, 'program'],
    ]);
    expect(blocks[0]!.files).toEqual([
      { name: 'tasks.ts', text: 'export const t = (): number => 1;\n' },
      { name: 'main.ts', text: 'console.log(1); // prints 1 (one)\n' },
    ]);
    expect(blocks[1]!.why).toBe('uses rt from above');
    expect(blocks[2]!.text).toBe('export const x = 1;\n');
  });

  it('a program is the document’s files; its prints come from main.ts', () => {
    const program = docProgram(tsBlocks(MARKDOWN));
    expect(program?.files.map((f) => f.name)).toEqual(['tasks.ts', 'main.ts', 'helper.ts']);
    expect(program?.prints).toEqual(['1']);
    expect(docProgram(tsBlocks(MARKDOWN.replace('// prints 1 (one)', '// prints `1 and more`')))?.prints).toEqual([
      '1 and more',
    ]);
  });

  it('refuses a program without main.ts, a file defined twice, code before the first file, an open block', () => {
    expect(() => docProgram(tsBlocks(`${FENCE}ts\n// file: a.ts\nx;\n${FENCE}\n`))).toThrow(/needs a main\.ts/);
    expect(() =>
      docProgram(tsBlocks(`${FENCE}ts\n// file: main.ts\n${FENCE}\n${FENCE}ts\n// file: main.ts\n${FENCE}\n`)),
    ).toThrow(/defined twice/);
    expect(() => tsBlocks(`${FENCE}ts\nconst a = 1;\n// file: main.ts\n${FENCE}\n`)).toThrow(
      /before the block's first/,
    );
    expect(() => tsBlocks(`${FENCE}ts\nconst a = 1;\n`)).toThrow(/never closes/);
  });

  it('a document without file blocks has no program; fragments get the preamble that declares rt and ptr', () => {
    expect(docProgram(tsBlocks(`${FENCE}ts\nexport {};\n${FENCE}\n`))).toBeNull();
    expect(FRAGMENT_PREAMBLE).toContain('declare const rt: Runtime;');
    expect(FRAGMENT_PREAMBLE).toContain('declare const ptr: number;');
  });
});
