/**
 * docs/api.md's error table against the classes: every row's code is made by the class the row
 * names (an instance of it and of PercpuError, with that `code` and `name`), provoked through the
 * public API where one call provokes it and constructed where only a fault would (a bug in
 * percpu, a CPU whose workers keep failing, a process out of memory); every code of
 * PercpuErrorCode has a row and every exported error class a code; and no file of src/ or
 * workers/ throws an error of another class.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as percpu from 'percpu';
import * as percpuCpu from 'percpu/cpu';
import {
  CounterDestroyedError,
  CpuFailedError,
  InsufficientMemoryError,
  PerCpuMemory,
  PercpuAllocator,
  PercpuError,
  type PercpuErrorCode,
  VerifyError,
} from 'percpu';
import {
  BROKEN_TASKS,
  type Counting,
  captureLogger,
  mustAlloc,
  rejectionOf,
  thrownBy,
  trackRuntimes,
} from '../runtime/helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Row {
  readonly code: string;
  readonly className: string;
}

/** The rows of the table under "## Errors" in docs/api.md: `CODE` and `ClassName`. */
function tableRows(): Row[] {
  const api = readFileSync(join(ROOT, 'docs/api.md'), 'utf8');
  const section = api.slice(api.indexOf('\n## Errors'));
  const rows: Row[] = [];
  for (const match of section.matchAll(/^\| `(PERCPU_[A-Z_]+)` \| `([A-Za-z]+)`/gm))
    rows.push({ code: match[1]!, className: match[2]! });
  return rows;
}

const runtimes = trackRuntimes();
const unitAllocator = (): PercpuAllocator => new PercpuAllocator({ unitSize: 65536, areaSize: 65536 * 4 });

/**
 * One way to get each code's error. The type makes the list cover PercpuErrorCode exactly: a new
 * code without an entry here (or an entry for a code that is gone) does not compile.
 */
const PROVOKE: Record<PercpuErrorCode, () => unknown> = {
  PERCPU_INVALID_ARGUMENT: () => thrownBy(() => unitAllocator().alloc(0)),
  PERCPU_INVALID_FREE: () => thrownBy(() => unitAllocator().free(4096)),
  PERCPU_UNALIGNED_ACCESS: () => thrownBy(() => new PerCpuMemory(1, 4096).read(2, 0, 's32')),
  PERCPU_OUT_OF_SPACE: async () => {
    const rt = await runtimes.start<Counting>({ cpus: 1, maxCounters: 1 });
    rt.counter();
    return thrownBy(() => rt.counter());
  },
  // Thrown on a CPU only (test/errors/across-workers.test.ts provokes it there).
  PERCPU_COUNTER_DESTROYED: () => new CounterDestroyedError(0),
  PERCPU_TASK_FAILED: async () => {
    const rt = await runtimes.start<Counting>({ cpus: 1 });
    return rejectionOf(rt.runOn(0, 'fail', { message: 'on purpose' }));
  },
  PERCPU_CPU_DIED: async () => {
    const rt = await runtimes.start<Counting>({ cpus: 1 });
    return rejectionOf(rt.runOn(0, 'incrementThenExit', { ptr: mustAlloc(rt, 4), times: 1, code: 3 }));
  },
  PERCPU_CPU_OFFLINE: async () => {
    const rt = await runtimes.start<Counting>({ cpus: 2, online: [0] });
    return rejectionOf(rt.runOn(1, 'whoAmI'));
  },
  // Needs workers that keep dying at start (test/runtime/cpu-states.test.ts does that).
  PERCPU_CPU_FAILED: () => new CpuFailedError(1, 3),
  // Needs a process short of memory.
  PERCPU_INSUFFICIENT_MEMORY: () => new InsufficientMemoryError('start 2 CPU workers', 2, 1, 'not enough memory'),
  PERCPU_CLOSED: async () => {
    const rt = await runtimes.start<Counting>({ cpus: 1 });
    await rt.close();
    return thrownBy(() => rt.alloc(4));
  },
  PERCPU_NOT_ON_CPU: () => thrownBy(() => percpuCpu.thisCpu.id),
  PERCPU_TASKS_LOAD_FAILED: () =>
    rejectionOf(percpu.Runtime.start({ cpus: 1, tasks: BROKEN_TASKS, logger: captureLogger().logger })),
  // A bug in percpu.
  PERCPU_VERIFY_FAILED: () => new VerifyError(['a broken invariant']),
  PERCPU_TASK_ABORTED: async () => {
    const rt = await runtimes.start<Counting>({ cpus: 1 });
    return rejectionOf(rt.runOn(0, 'whoAmI', undefined, { signal: AbortSignal.abort() }));
  },
  PERCPU_TASK_TIMEOUT: async () => {
    const rt = await runtimes.start<Counting>({ cpus: 1 });
    return rejectionOf(rt.runOn(0, 'incrementThenHang', { ptr: mustAlloc(rt, 4), times: 1 }, { timeout: 50 }));
  },
  PERCPU_QUEUE_FULL: async () => {
    const rt = await runtimes.start<Counting>({ cpus: 1, maxQueue: 0 });
    const busy = rt.runOn(0, 'increment', { ptr: mustAlloc(rt, 4), times: 1_000_000 });
    const full = await rejectionOf(rt.runOn(0, 'whoAmI'));
    await busy;
    return full;
  },
  PERCPU_TRACING_OFF: async () => {
    const rt = await runtimes.start<Counting>({ cpus: 1 });
    return thrownBy(() => rt.trace.stats());
  },
  PERCPU_TOO_MANY_SERIES: async () => {
    const rt = await runtimes.start<Counting>({ cpus: 1 });
    const hits = rt.metrics().counter({ name: 'hits', help: 'hits', labelNames: ['route'], maxChildren: 1 });
    hits.labels('/a').inc();
    return thrownBy(() => hits.labels('/b').inc());
  },
  PERCPU_LISTEN_FAILED: async () => {
    const rt = await runtimes.start<Counting>({ cpus: 1 });
    const server = await rt.metrics().serve({ port: 0 });
    try {
      return await rejectionOf(rt.metrics().serve({ port: Number(new URL(server.url).port) }));
    } finally {
      await server.close();
    }
  },
};

/** Classes exported by a module that extend PercpuError (PercpuError itself excluded). */
function errorClasses(module: Record<string, unknown>): string[] {
  return Object.entries(module)
    .filter(([, value]) => typeof value === 'function' && value.prototype instanceof PercpuError)
    .map(([name]) => name)
    .sort();
}

/** Every .ts file under `dir`, relative to the project root. */
function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => join(dir, name));
}

describe('the error table of docs/api.md', () => {
  const rows = tableRows();

  it('has one row per code of PercpuErrorCode, and a row for every exported error class', () => {
    expect(rows.map((r) => r.code).sort()).toEqual(Object.keys(PROVOKE).sort());
    expect(new Set(rows.map((r) => r.code)).size).toBe(rows.length);
    expect(rows.map((r) => r.className).sort()).toEqual(errorClasses(percpu));
    // percpu/cpu exports the same classes, not copies.
    expect(errorClasses(percpuCpu)).toEqual(errorClasses(percpu));
    for (const name of errorClasses(percpu))
      expect((percpuCpu as Record<string, unknown>)[name]).toBe((percpu as Record<string, unknown>)[name]);
  });

  it.each(tableRows())('$code is a $className', async ({ code, className }) => {
    const error = await PROVOKE[code as PercpuErrorCode]();
    const expectedClass = (percpu as Record<string, unknown>)[className] as abstract new (
      ...args: never[]
    ) => PercpuError;
    expect(error).toBeInstanceOf(expectedClass);
    expect(error).toBeInstanceOf(PercpuError);
    expect(error).toMatchObject({ code, name: className });
  });

  it('a wrapping error carries what it wraps as cause', async () => {
    const rt = await runtimes.start<Counting>({ cpus: 1 });
    const uncloneable = { f: (): void => undefined };
    const invalid = await rejectionOf(rt.runOn(0, 'whoAmI', uncloneable));
    expect(invalid).toBeInstanceOf(percpu.InvalidArgumentError);
    expect((invalid as Error).cause).toBeInstanceOf(Error);
    const died = await PROVOKE.PERCPU_CPU_DIED();
    expect(died).toBeInstanceOf(percpu.CpuDiedError);
    expect((died as Error).cause).toBeDefined();
    const error = new Error('inner');
    expect(new VerifyError(['outer'], { cause: error }).cause).toBe(error);
  });
});

describe('errors thrown on purpose in src/ and workers/', () => {
  it("are of a class of the table (the CLI also uses commander's usage error; one fault injection throws an Error on purpose)", () => {
    const classes = new Set([...tableRows().map((r) => r.className), 'PercpuError']);
    const found: string[] = [];
    for (const file of [...sourceFiles('src'), ...sourceFiles('workers')]) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      for (const match of text.matchAll(/new ([A-Za-z]*Error)\(/g)) {
        const name = match[1]!;
        if (classes.has(name) && name !== 'PercpuError') continue;
        if (name === 'CommanderArgumentError' && file.startsWith('src/cli/')) continue;
        const line = text.slice(0, match.index).split('\n').length;
        const source = text.split('\n')[line - 1]!;
        // The stress workload's fault injection throws what a user's task would.
        if (file === 'src/cli/stress-tasks.ts' && source.includes('injected fault')) continue;
        found.push(`${file}:${line}: ${source.trim()}`);
      }
    }
    expect(found).toEqual([]);
  });
});
