/**
 * The plugin registry as operators meet it: GET /api/plugins lists the twelve converters and
 * the five other built-ins with a description and a config JSON schema; pipeline steps with
 * an unknown plugin or an invalid config are rejected when the config file is loaded (the
 * daemon refuses to start) or reloaded (the running config stays), naming the key path.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import YAML from 'yaml';
import { ConfigError, parseConfigText } from '../../src/config/load.js';
import { PluginRegistry } from '../../src/plugins/registry.js';
import { registerBuiltinPlugins } from '../../src/plugins/builtins.js';
import { mergeConverterConfigs } from '../../src/plugins/builtin/converters.js';
import { startTestDaemon } from '../helpers/daemon.js';

const CONVERTERS = [
  'openai2anthropic',
  'anthropic2openai',
  'openai2responses',
  'responses2openai',
  'openai2gemini',
  'gemini2openai',
  'anthropic2responses',
  'responses2anthropic',
  'anthropic2gemini',
  'gemini2anthropic',
  'responses2gemini',
  'gemini2responses',
];
const OTHERS = ['custom_header', 'fix_anthropic_images', 'fix_anthropic_usage', 'remove_thinking', 'break_repeat'];

interface PluginInfo {
  id: string;
  description: string;
  config_schema: {
    type?: string;
    properties?: Record<string, { type?: string; additionalProperties?: unknown; default?: unknown }>;
    additionalProperties?: unknown;
  };
}

function registry(): PluginRegistry {
  const r = new PluginRegistry();
  registerBuiltinPlugins(r);
  return r;
}

test('GET /api/plugins: 12 converters and 5 other built-ins, each with a description and a config JSON schema', async () => {
  const gw = await startTestDaemon({});
  try {
    const res = await fetch(`${gw.url}/api/plugins`);
    assert.equal(res.status, 200);
    const list = (await res.json()) as PluginInfo[];
    assert.deepEqual(list.map((p) => p.id).sort(), [...CONVERTERS, ...OTHERS].sort());
    for (const p of list) {
      assert.ok(p.description.length > 20, `${p.id} has a description`);
      assert.equal(p.config_schema.type, 'object', `${p.id}: config schema is a JSON schema object`);
      assert.equal(p.config_schema.additionalProperties, false, `${p.id}: unknown config keys are refused`);
    }
    for (const id of CONVERTERS) {
      const p = list.find((x) => x.id === id)!;
      assert.equal(p.config_schema.properties?.model_map?.type, 'object', `${id} takes a model_map`);
      assert.deepEqual(p.config_schema.properties?.model_map?.additionalProperties, { type: 'string' });
    }
    const header = list.find((x) => x.id === 'custom_header')!;
    assert.equal(header.config_schema.properties?.headers?.type, 'object');
    const repeat = list.find((x) => x.id === 'break_repeat')!;
    assert.equal(repeat.config_schema.properties?.turns?.default, 3);
  } finally {
    await gw.close();
  }
});

test('step validation names the config key and the problem', () => {
  const r = registry();
  assert.deepEqual(r.validateConfig('custom_header', { headers: { 'x-team': 'blue' } }), []);
  assert.deepEqual(r.validateConfig('custom_header', { headers: { 'x-nl': 'a\nb', 'bad name': 'x' } }), [
    'config.headers.x-nl: must not contain line breaks',
    'config.headers.bad name: must be a valid header name',
  ]);
  assert.deepEqual(r.validateConfig('custom_header', { header: {} }), ['config.header: unknown key']);
  assert.deepEqual(r.validateConfig('break_repeat', { turns: 1 }), ['config.turns: Too small: expected number to be >=2']);
  assert.deepEqual(r.validateConfig('openai2anthropic', { model_map: { 'gpt-4o': 4 } }), [
    'config.model_map.gpt-4o: Invalid input: expected string, received number',
  ]);
  assert.deepEqual(r.validateConfig('remove_thinking', { strip: true }), ['config.strip: unknown key']);
  assert.deepEqual(r.validateConfig('no_such_plugin', {}), ['unknown plugin "no_such_plugin"']);
});

const BAD_RULES = {
  rules: [
    {
      id: 'headers',
      pipeline_config: [
        { plugin_id: 'openai2anthropic', config: { model_map: { 'gpt-4o': 'claude-sonnet-4-20250514' } } },
        { plugin_id: 'custom_header', config: { headers: { 'x-team': 'line\nbreak' } } },
      ],
    },
    { id: 'unknown', pipeline_config: [{ plugin_id: 'remove_thinkin' }] },
    { id: 'disabled-but-wrong', pipeline_config: [{ plugin_id: 'break_repeat', config: { turns: 'three' }, is_enabled: false }] },
  ],
};

test('config load: invalid pipeline steps are rejected with their key paths', () => {
  const r = registry();
  const check = (id: string, config: unknown) => r.validateConfig(id, config);
  const text = YAML.stringify(BAD_RULES);
  assert.throws(
    () => parseConfigText(text, 'config.yaml', {}, check),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.deepEqual(e.problems, [
        'rules[0].pipeline_config[1].config.headers.x-team: must not contain line breaks',
        'rules[1].pipeline_config[0].plugin_id: unknown plugin "remove_thinkin"',
        'rules[2].pipeline_config[0].config.turns: Invalid input: expected number, received string',
      ]);
      return true;
    },
  );
  // ${ENV} references are checked after expansion
  const withEnv = YAML.stringify({ rules: [{ id: 'e', pipeline_config: [{ plugin_id: 'custom_header', config: { headers: { 'x-key': '${TEAM_KEY}' } } }] }] });
  assert.equal(parseConfigText(withEnv, 'config.yaml', { TEAM_KEY: 'abc' }, check).config.rules.length, 1);
  // without a registry to check against (tools that only read the file), steps are not judged
  assert.equal(parseConfigText(text, 'config.yaml', {}).config.rules.length, 3);
});

test('the daemon refuses to start on a config with an invalid pipeline step', async () => {
  await assert.rejects(startTestDaemon(BAD_RULES), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.match(e.message, /rules\[0\]\.pipeline_config\[1\]\.config\.headers\.x-team: must not contain line breaks/);
    assert.match(e.message, /rules\[1\]\.pipeline_config\[0\]\.plugin_id: unknown plugin "remove_thinkin"/);
    return true;
  });
});

test('a hand edit with an invalid pipeline step is not applied; the running config stays', async () => {
  const good = { rules: [{ id: 'ok', pipeline_config: [{ plugin_id: 'remove_thinking' }] }] };
  const gw = await startTestDaemon(good);
  try {
    const config = gw.daemon.ctx.config;
    const text = config.file.text;
    writeFileSync(gw.configPath, text.replace('plugin_id: remove_thinking', 'plugin_id: remove_thinking\n      config: {keep: true}'));
    assert.equal(await config.reload(), false, 'the edit was refused');
    assert.deepEqual(config.current.rules[0].pipeline_config, [{ plugin_id: 'remove_thinking' }]);
    writeFileSync(gw.configPath, text.replace('plugin_id: remove_thinking', 'plugin_id: break_repeat'));
    assert.equal(await config.reload(), true, 'a valid edit is applied');
    assert.equal(config.current.rules[0].pipeline_config[0].plugin_id, 'break_repeat');
  } finally {
    await gw.close();
  }
});

test('converter configs named by several rules combine; the first wins a clash', () => {
  assert.deepEqual(mergeConverterConfigs([]), {});
  assert.deepEqual(mergeConverterConfigs([undefined, {}]), {});
  assert.deepEqual(mergeConverterConfigs([{ model_map: { a: 'first' } }, {}, { model_map: { a: 'second', b: 'b2' } }]), {
    model_map: { a: 'first', b: 'b2' },
  });
});
