/**
 * Malformed inputs that go deep: valid JSON documents with a few nodes replaced by arbitrary
 * JSON of the wrong type, deleted, or wrapped — so decoders are exercised past their first
 * shape check — plus plain arbitrary JSON, deep nesting and hostile strings.
 */
import fc from 'fast-check';

type Path = (string | number)[];

/** Every path into a JSON value (the root included). */
export function paths(v: unknown, at: Path = [], out: Path[] = []): Path[] {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...at, i], out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) paths(x, [...at, k], out);
  return out;
}

export type Mutation = { pick: number; op: 'replace' | 'delete' | 'wrap' | 'duplicate'; value: unknown };

function clone<T>(v: T): T {
  return structuredClone(v);
}

/** Apply one mutation at the node `pick` selects (modulo the node count). */
export function applyMutation(doc: unknown, m: Mutation): unknown {
  const all = paths(doc);
  const path = all[m.pick % all.length];
  if (path.length === 0) return m.op === 'wrap' ? [doc] : m.op === 'replace' ? m.value : doc;
  const root = clone(doc) as Record<string | number, unknown>;
  let parent: Record<string | number, unknown> = root;
  for (const k of path.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
  const key = path[path.length - 1];
  switch (m.op) {
    case 'replace':
      parent[key] = m.value;
      break;
    case 'delete':
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete parent[key];
      break;
    case 'wrap':
      parent[key] = { value: parent[key] };
      break;
    case 'duplicate':
      if (Array.isArray(parent)) parent.splice(Number(key), 0, clone(parent[key]));
      else parent[key] = [parent[key], parent[key]];
      break;
  }
  return root;
}

/** JSON values that tend to break assumptions: wrong types, empties, huge or odd numbers, odd strings. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  fc.constantFrom(null, true, false, 0, -1, 1e308, -1e308, 2 ** 53 + 1, 0.5, '', ' ', '\n', '\u0000', '\ud800', '[DONE]', 'null', '{}', [], {}, [[]], [null], {
    type: null,
  }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    'text',
    'image',
    'tool_use',
    'tool_result',
    'function',
    'message',
    'thinking',
    'user',
    'assistant',
    'model',
    'tool',
    'system',
    'input_text',
    'output_text',
  ),
);

export const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  pick: fc.nat(),
  op: fc.constantFrom('replace', 'replace', 'delete', 'wrap', 'duplicate'),
  value: hostileValue,
});

/** A document derived from a valid one by 1–4 mutations. */
export function mutated(valid: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc.tuple(valid, fc.array(mutationArb, { minLength: 1, maxLength: 4 })).map(([doc, ms]) => ms.reduce(applyMutation, doc));
}

/** `[[[…]]]` or `{"a":{"a":…}}`, `depth` levels deep, as JSON text (built without recursion). */
export function deepJson(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array' ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}
