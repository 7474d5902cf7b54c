/** The nesting guard in front of JSON.parse agrees with a real parse on any JSON text. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { nestsDeeperThan } from '../../src/util/json-depth.js';
import { deepJson } from './mutate.js';

function depthOf(v: unknown): number {
  if (Array.isArray(v)) return 1 + Math.max(0, ...v.map(depthOf));
  if (v && typeof v === 'object') return 1 + Math.max(0, ...Object.values(v).map(depthOf));
  return 0;
}

test('agrees with the parsed depth, strings with brackets, quotes and escapes included', () => {
  const tricky = fc.oneof(fc.string(), fc.constantFrom('[', ']', '{', '}', '"', '\\', '\\"', '[[[', '\\\\', '"]}'));
  const value = fc.letrec((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      tricky,
      fc.integer(),
      fc.array(tie('node'), { maxLength: 3 }),
      fc.dictionary(tricky, tie('node'), { maxKeys: 3 }),
    ),
  })).node;
  fc.assert(
    fc.property(value, fc.nat(8), (v, max) => {
      const text = Buffer.from(JSON.stringify(v));
      assert.equal(nestsDeeperThan(text, max), depthOf(v) > max);
    }),
    { numRuns: 2000 },
  );
});

test('refuses 50,000 levels and lets a 10 MB base64 string through', () => {
  assert.equal(nestsDeeperThan(Buffer.from(deepJson(50_000, 'array')), 128), true);
  assert.equal(nestsDeeperThan(Buffer.from(deepJson(50_000, 'object')), 128), true);
  assert.equal(nestsDeeperThan(Buffer.from(deepJson(128, 'object')), 128), false);
  const big = Buffer.from(JSON.stringify({ messages: [{ content: [{ image: 'A'.repeat(10_000_000) }] }] }));
  assert.equal(nestsDeeperThan(big, 128), false);
});
