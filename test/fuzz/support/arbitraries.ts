// Input generators shared by the fuzz targets. Random bytes alone rarely get past the first
// length check, so most targets also mutate a valid input: a few structural edits to bytes, or
// to one member of a JSON document, reach the deeper parsing code.
import fc from 'fast-check';
import { base64urlnopad } from '@scure/base';

// ---- bytes ------------------------------------------------------------------------------------

type ByteEdit =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'set'; at: number; value: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; count: number }
  | { kind: 'truncate'; keep: number }
  | { kind: 'duplicate'; at: number; count: number };

const byteEdit: fc.Arbitrary<ByteEdit> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.constantFrom(0x00, 0xff, 0x7f, 0x80, 0x18, 0x19, 0x1a, 0x1b, 0x1f, 0x9f, 0xbf, 0xff) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ kind: fc.constant('truncate' as const), keep: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 64 }) }),
);

/**
 * One edit, never in place. Copies are made with `new Uint8Array(…)`, not `slice()`: a Node
 * Buffer (what the CBOR encoder returns) answers `slice()` with a view of the same memory, and
 * editing that view rewrote the template, so each target's inputs depended on what ran before.
 */
function applyByteEdit(bytes: Uint8Array, edit: ByteEdit): Uint8Array {
  const n = bytes.length;
  const within = (raw: number, span: number) => (span === 0 ? 0 : raw % span);
  switch (edit.kind) {
    case 'flip':
    case 'set': {
      if (n === 0) return bytes;
      const out = new Uint8Array(bytes);
      const at = within(edit.at, n);
      out[at] = edit.kind === 'flip' ? out[at]! ^ (1 << edit.bit) : edit.value;
      return out;
    }
    case 'insert': {
      const at = within(edit.at, n + 1);
      return concat(bytes.subarray(0, at), edit.bytes, bytes.subarray(at));
    }
    case 'delete': {
      const at = within(edit.at, n);
      return concat(bytes.subarray(0, at), bytes.subarray(at + edit.count));
    }
    case 'truncate':
      return new Uint8Array(bytes.subarray(0, within(edit.keep, n)));
    case 'duplicate': {
      const at = within(edit.at, n);
      return concat(bytes.subarray(0, at + edit.count), bytes.subarray(at));
    }
  }
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** 1–4 structural edits of `base`; never `base` itself. */
export function mutatedBytes(base: Uint8Array): fc.Arbitrary<Uint8Array> {
  return fc
    .array(byteEdit, { minLength: 1, maxLength: 4 })
    // Edits start from a private copy: what they return is never the template itself.
    .map((edits) => edits.reduce(applyByteEdit, new Uint8Array(base)))
    .filter((bytes) => !sameBytes(bytes, base));
}

/** Random bytes, mostly short, sometimes around `sizeLimit` (where off-by-one errors live). */
export function anyBytes(sizeLimit = 0): fc.Arbitrary<Uint8Array> {
  const small = fc.uint8Array({ maxLength: 512 });
  if (sizeLimit <= 0) return small;
  const nearLimit = fc
    .tuple(fc.integer({ min: sizeLimit - 2, max: sizeLimit + 2 }), fc.uint8Array({ minLength: 1, maxLength: 8 }))
    .map(([length, head]) => {
      const out = new Uint8Array(length);
      out.set(head.subarray(0, length));
      return out;
    });
  return fc.oneof({ arbitrary: small, weight: 9 }, { arbitrary: nearLimit, weight: 1 });
}

/** Text without lone surrogates (what UTF-8 can carry unchanged). */
export function isWellFormed(text: string): boolean {
  return new TextDecoder().decode(new TextEncoder().encode(text)) === text;
}

/** Any Unicode text, all code points, no lone surrogates. */
export const anyText = (constraints: { minLength?: number; maxLength?: number } = {}) =>
  fc.string({ unit: 'binary', ...constraints }).filter(isWellFormed);

// ---- JSON-like values -------------------------------------------------------------------------

/**
 * Mutable nasty values, made anew for every sample. A shared `[]` or `{}` handed out by
 * `fc.constantFrom` was edited in place by later edits and by the code under test, so the
 * "nasty" inputs drifted from target to target and failures depended on which targets ran
 * before (issue 21). Only immutable values (primitives) may be constants.
 */
const NASTY_SHAPES: readonly (() => unknown)[] = [
  () => [],
  () => ({}),
  () => nestedArray(10),
  () => new Uint8Array(0),
  () => new Uint8Array(65),
];

/** `[[[…[]…]]]`, `depth` arrays deep. */
function nestedArray(depth: number): unknown[] {
  let out: unknown[] = [];
  for (let i = 1; i < depth; i++) out = [out];
  return out;
}

/** Immutable values that break naive code: wrong types, extremes, prototype names, odd strings. */
const nastyPrimitive = fc.constantFrom<unknown>(
  null,
  undefined,
  true,
  false,
  0,
  -0,
  -1,
  1.5,
  2 ** 31,
  -(2 ** 31) - 1,
  2 ** 53,
  Number.MAX_VALUE,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  '',
  ' ',
  '0',
  '-7',
  '__proto__',
  'constructor',
  'public-key',
  '\u0000',
  '\ud800',
  'é'.normalize('NFD'),
  'A'.repeat(70_000),
);

/** A fresh copy of one of NASTY_SHAPES. */
const nastyShape = fc.integer({ min: 0, max: NASTY_SHAPES.length - 1 }).map((i) => NASTY_SHAPES[i]!());

/** Values that break naive code: wrong types, extremes, prototype names, huge and odd strings. */
export const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  // Weighted as when all were one constantFrom: each named value equally likely.
  fc.oneof({ arbitrary: nastyPrimitive, weight: 25 }, { arbitrary: nastyShape, weight: NASTY_SHAPES.length }),
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.integer(),
  fc.double(),
  fc.jsonValue({ maxDepth: 3 }),
  fc.uint8Array({ maxLength: 80 }),
);

type Path = (string | number)[];

/**
 * Every path in a document. Generated documents are trees; a cycle would mean a value was shared
 * and edited in place (issue 21), so it is reported as such, not followed until the stack ends.
 */
function pathsOf(value: unknown, prefix: Path = [], out: Path[] = [], ancestors = new Set<object>()): Path[] {
  out.push(prefix);
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return out;
  if (ancestors.has(value)) throw new Error(`The generated document holds a cycle at ${JSON.stringify(prefix)}: a generator shared a value`);
  ancestors.add(value);
  if (Array.isArray(value)) value.forEach((v, i) => pathsOf(v, [...prefix, i], out, ancestors));
  else for (const [k, v] of Object.entries(value)) pathsOf(v, [...prefix, k], out, ancestors);
  ancestors.delete(value);
  return out;
}

type JsonEdit =
  | { kind: 'replace'; path: number; value: unknown }
  | { kind: 'delete'; path: number }
  | { kind: 'add'; path: number; key: string; value: unknown }
  | { kind: 'wrap'; path: number };

/**
 * Deep copy of a document (objects, arrays, byte arrays), so edits never touch the template nor
 * a value fast-check keeps for shrinking and replay.
 */
export function clone(value: unknown): unknown {
  // Not slice(): on a Node Buffer that is a view of the same memory.
  if (ArrayBuffer.isView(value)) return value instanceof Uint8Array ? new Uint8Array(value) : structuredClone(value);
  if (Array.isArray(value)) return value.map(clone);
  // fromEntries defines members: a "__proto__" member stays a member, as JSON.parse makes it.
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, clone(v)]));
  return value;
}

/** Sets a member without running a "__proto__" setter. */
function setMember(container: Record<string | number, unknown>, key: string | number, value: unknown): void {
  Object.defineProperty(container, key, { value, enumerable: true, writable: true, configurable: true });
}

function valueAt(root: unknown, path: Path): unknown {
  return path.reduce<unknown>((node, key) => (node as Record<string | number, unknown>)[key], root);
}

/**
 * Applies one edit in place. What it inserts is a copy: the edit's value belongs to fast-check
 * (it is reused when shrinking and replaying), and a later edit may change the inserted value.
 */
function applyJsonEdit(root: unknown, paths: Path[], edit: JsonEdit): unknown {
  const path = paths[edit.path % paths.length]!;
  if (path.length === 0) {
    if (edit.kind === 'replace') return clone(edit.value);
    if (edit.kind === 'wrap') return [root];
    return root;
  }
  const parent = valueAt(root, path.slice(0, -1));
  if (parent === null || typeof parent !== 'object') return root;
  const container = parent as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  switch (edit.kind) {
    case 'replace':
      setMember(container, last, clone(edit.value));
      break;
    case 'delete':
      if (Array.isArray(container)) container.splice(Number(last), 1);
      else delete container[last];
      break;
    case 'add': {
      const target = container[last];
      if (Array.isArray(target)) target.push(clone(edit.value));
      else if (target !== null && typeof target === 'object' && !ArrayBuffer.isView(target)) setMember(target as Record<string, unknown>, edit.key, clone(edit.value));
      break;
    }
    case 'wrap':
      setMember(container, last, [container[last]]);
      break;
  }
  return root;
}

const memberName = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'type', 'id', 'toJSON', ''), fc.string({ maxLength: 8 }));

/**
 * 1–3 edits of a valid document: replace a member with a nasty value, delete it, add an extra
 * member (prototype names included) or wrap it in an array. Paths are picked after each edit,
 * so later edits can land inside earlier ones.
 */
export function mutatedValue(base: unknown, replacement: fc.Arbitrary<unknown> = nastyValue): fc.Arbitrary<unknown> {
  const edit: fc.Arbitrary<JsonEdit> = fc.oneof(
    { arbitrary: fc.record({ kind: fc.constant('replace' as const), path: fc.nat(), value: replacement }), weight: 4 },
    { arbitrary: fc.record({ kind: fc.constant('delete' as const), path: fc.nat() }), weight: 2 },
    { arbitrary: fc.record({ kind: fc.constant('add' as const), path: fc.nat(), key: memberName, value: replacement }), weight: 1 },
    { arbitrary: fc.record({ kind: fc.constant('wrap' as const), path: fc.nat() }), weight: 1 },
  );
  return fc.array(edit, { minLength: 1, maxLength: 3 }).map((edits) => {
    let doc = clone(base);
    for (const e of edits) doc = applyJsonEdit(doc, pathsOf(doc), e);
    return doc;
  });
}

/**
 * `base` with an own member `name` added to one of its objects, defined rather than assigned, so a
 * "__proto__" member stays a member (as JSON.parse and structured cloning make it).
 */
export function withOwnMember(base: unknown, name: string, value: fc.Arbitrary<unknown> = nastyValue): fc.Arbitrary<unknown> {
  const objects = pathsOf(base).filter((path) => {
    const v = valueAt(base, path);
    return v !== null && typeof v === 'object' && !Array.isArray(v) && !ArrayBuffer.isView(v);
  });
  return fc.tuple(fc.constantFrom(...objects), value).map(([path, v]) => {
    const doc = clone(base);
    setMember(valueAt(doc, path) as Record<string, unknown>, name, clone(v));
    return doc;
  });
}

/** The JSON text of a mutated document (with JSON-safe replacement values). */
export function mutatedJsonText(base: unknown): fc.Arbitrary<string> {
  const jsonSafe = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.string(), fc.constantFrom<unknown>('__proto__', '', -1, 1e308, null));
  return mutatedValue(base, jsonSafe).map((doc) => JSON.stringify(doc) ?? 'null');
}

const B64URL = /^[A-Za-z0-9_-]{8,}$/;

function decodes(text: string): boolean {
  try {
    base64urlnopad.decode(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * The document with the bytes inside one of its base64url members damaged (attestation objects,
 * authenticatorData, signatures, client data): reaches the binary parsers behind the JSON schema.
 */
export function mutatedB64Member(base: unknown): fc.Arbitrary<unknown> {
  const members = pathsOf(base).filter((path) => {
    const value = valueAt(base, path);
    return typeof value === 'string' && B64URL.test(value) && decodes(value);
  });
  if (members.length === 0) return fc.constant(base);
  return fc.constantFrom(...members).chain((path) =>
    mutatedBytes(base64urlnopad.decode(valueAt(base, path) as string)).map((bytes) => {
      const doc = clone(base);
      setMember(valueAt(doc, path.slice(0, -1)) as Record<string | number, unknown>, path[path.length - 1]!, base64urlnopad.encode(bytes));
      return doc;
    }),
  );
}

/** Structured-clone-able values of every shape (what a page can pass through postMessage). */
export const anyValue: fc.Arbitrary<unknown> = fc.anything({
  maxDepth: 4,
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withSparseArray: true,
  withTypedArray: true,
  withObjectString: true,
});
