import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import YAML from 'yaml';
import { renderConfigChange } from '../../src/config/writeback.js';
import { RICH_CONFIG } from './rich-config.js';

/** Parsed YAML that the tests edit freely; the assertions check every result. */
type Tree = Record<string, any>;

/** Strings an operator might type, including ones YAML must quote. */
const text = fc.oneof(
  fc.constantFrom(
    'gpt-4o',
    'claude-sonnet-4-20250514',
    'true',
    '123',
    'a: b',
    'x # y',
    '${ENV_X}',
    'with, comma',
    '[x]',
    "it's",
    'multi\nline',
    '',
    ' lead',
    '*star',
    '&amp',
  ),
  fc.string({ maxLength: 12 }),
);

type Op = (d: Tree) => void;

const ops: fc.Arbitrary<Op>[] = [
  text.map((s) => (d: Tree) => void d.downstreams[0]?.output_model_ids?.push(s)),
  text.map((s) => (d: Tree) => void d.downstreams[1]?.output_model_ids?.push(s)),
  fc.nat(5).map((i) => (d: Tree) => {
    const ids = d.downstreams[i % d.downstreams.length]?.output_model_ids;
    if (ids?.length) ids.splice(i % ids.length, 1);
  }),
  text.map((s) => (d: Tree) => void (d.downstreams[0] && (d.downstreams[0].name = s))),
  text.map((s) => (d: Tree) => void (d.log_level = s)),
  fc.boolean().map((b) => (d: Tree) => void (d.capture_payloads = b)),
  text.map((s) => (d: Tree) => void (d.admin_password = s)),
  fc.constant((d: Tree) => void delete d.db_path),
  fc.constant((d: Tree) => void d.aliases.reverse()),
  fc.nat(3).map((i) => (d: Tree) => {
    const g = d.aliases[0];
    if (!g) return;
    for (const o of g.options) delete o.is_active;
    g.options[i % g.options.length].is_active = true;
  }),
  text.map(
    (s) => (d: Tree) => void d.aliases.push({ input_model_id: `g-${s}`, options: [{ id: 'o', downstream_id: 'openai', output_model_id: s, is_active: true }] }),
  ),
  fc.constant((d: Tree) => void d.aliases.shift()),
  fc.constant((d: Tree) => void d.downstreams.splice(1, 1)),
  text.map((s) => (d: Tree) => void d.downstreams.push({ id: `ds-${d.downstreams.length}`, api_formats: ['openai'], base_url: 'https://x', api_key: s })),
  fc.boolean().map((b) => (d: Tree) => void (d.rules[0] && (d.rules[0].is_enabled = b))),
  fc.constant((d: Tree) => void (d.rules = [])),
  text.map((s) => (d: Tree) => void d.proxy_api_keys?.push(s)),
  fc.constant((d: Tree) => void (d.proxy_api_keys = [])),
  fc
    .dictionary(fc.constantFrom('x-a', 'x-b', 'authorization'), text, { maxKeys: 2 })
    .map((h) => (d: Tree) => void (d.downstreams[0] && (d.downstreams[0].headers = { ...h }))),
];

test('any sequence of edits splices exactly (no re-render) and reparses to the edited values', () => {
  fc.assert(
    fc.property(fc.array(fc.oneof(...ops), { minLength: 1, maxLength: 8 }), (seq) => {
      let source = RICH_CONFIG;
      for (const op of seq) {
        const before = YAML.parse(source) as Tree;
        const after = structuredClone(before);
        op(after);
        const { text: out, exact } = renderConfigChange(source, before, after);
        assert.deepEqual(YAML.parse(out), after);
        assert.ok(exact, `spliced exactly:\n${out}`);
        // Untouched comments survive every step.
        assert.ok(out.includes('# Comments everywhere must survive.'));
        assert.ok(out.includes('# trailing comment'));
        source = out;
      }
    }),
    { numRuns: 300, seed: 20250801 },
  );
});
