/**
 * Static per-CPU variables: declared by name before start, laid out in the first chunk's static
 * region (offsets from NULL_GUARD: no variable is at offset 0, which is NULL), and reachable by
 * name on the coordinator and on every CPU at the same offset, like DEFINE_PER_CPU variables.
 */
import { InvalidArgumentError } from '../errors.js';
import { MAX_ALIGN, MIN_ALLOC_SIZE, NULL_GUARD, PAGE_SIZE, isPowerOfTwo, roundUp } from '../memory/layout.js';
import { type PerCpuType, TYPE_WIDTH, isPerCpuType } from '../memory/types.js';

/** A static variable: one value of a type, or `size` bytes aligned to `align` (default 4). */
export type StaticDeclaration = PerCpuType | { readonly size: number; readonly align?: number };

/** The `statics` option: names to declarations. Its `typeof` types staticPtr's names. */
export type StaticDeclarations = Readonly<Record<string, StaticDeclaration>>;

export interface StaticLayout {
  readonly offsets: Readonly<Record<string, number>>;
  /** Bytes of the static region, which starts at NULL_GUARD (a multiple of 4). */
  readonly size: number;
}

/**
 * Lays the declarations out from offset NULL_GUARD. `maxSize`: the most bytes guard and
 * declarations may take (the first chunk keeps a page of dynamic space), checked here so the
 * error names `statics`, the option the caller wrote, rather than the allocator's `staticSize`.
 */
export function layoutStatics(
  declarations: Readonly<Record<string, StaticDeclaration>> | undefined,
  maxSize: number,
): StaticLayout {
  const offsets: Record<string, number> = {};
  let end = NULL_GUARD;
  if (declarations === undefined) return { offsets, size: 0 };
  if (typeof declarations !== 'object' || declarations === null) {
    throw new InvalidArgumentError('statics', declarations, 'an object mapping names to a type or { size, align }');
  }
  for (const [name, declaration] of Object.entries(declarations)) {
    let size: number;
    let align: number;
    if (isPerCpuType(declaration)) {
      size = TYPE_WIDTH[declaration];
      align = Math.max(size, MIN_ALLOC_SIZE);
    } else if (typeof declaration === 'object' && declaration !== null) {
      size = declaration.size;
      align = declaration.align ?? MIN_ALLOC_SIZE;
      if (!Number.isInteger(size) || size < 1) {
        throw new InvalidArgumentError(`statics.${name}.size`, size, 'an integer from 1 up');
      }
      if (!isPowerOfTwo(align) || align > MAX_ALIGN) {
        throw new InvalidArgumentError(`statics.${name}.align`, align, `a power of two from 1 to ${MAX_ALIGN}`);
      }
    } else {
      throw new InvalidArgumentError(`statics.${name}`, declaration, "a type ('u8' … 'f64') or { size, align }");
    }
    const offset = roundUp(end, Math.max(align, MIN_ALLOC_SIZE));
    offsets[name] = offset;
    end = roundUp(offset + size, MIN_ALLOC_SIZE);
  }
  if (end > maxSize) {
    throw new InvalidArgumentError(
      'statics',
      declarations,
      `declarations taking at most ${maxSize - NULL_GUARD} bytes` +
        ` (unitSize - ${PAGE_SIZE} - the ${NULL_GUARD}-byte NULL guard)` +
        `; these take ${end - NULL_GUARD}`,
    );
  }
  return { offsets, size: end - NULL_GUARD };
}

/**
 * The offset of static variable `name` in a layout's offsets: the same lookup on the coordinator
 * (rt.staticPtr) and on a CPU (thisCpu.staticPtr). InvalidArgumentError naming `name` and the
 * declared names for anything else (an inherited key such as 'toString' included).
 */
export function staticOffset(offsets: Readonly<Record<string, number>>, name: string): number {
  const ptr = offsets[name];
  if (ptr === undefined || !Object.hasOwn(offsets, name)) {
    const names = Object.keys(offsets);
    throw new InvalidArgumentError(
      'name',
      name,
      names.length === 0 ? 'a declared static (none are declared)' : `one of ${names.map((n) => `'${n}'`).join(', ')}`,
    );
  }
  return ptr;
}
