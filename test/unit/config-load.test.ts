import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, statSync, readFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfigText, discoverConfigPath, writeStarterConfig, ConfigError, loadConfigFile } from '../../src/config/load.js';

const problems = (text: string, env: NodeJS.ProcessEnv = {}) => {
  try {
    parseConfigText(text, 'test.yaml', env);
    return [];
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e.problems;
  }
};

test('an empty file is a valid config with defaults', () => {
  const c = parseConfigText('', 'x', {}).config;
  assert.equal(c.bind_addr, '127.0.0.1:11510');
  assert.equal(c.max_body_bytes, 33554432);
  assert.deepEqual(c.downstreams, []);
});

test('errors name the key path and the problem', () => {
  const p = problems(`downstreams:\n  - id: a\n    api_formats: [openai, klingon]\n    base_url: ftp://x\n`);
  assert.ok(
    p.some((x) => x.startsWith('downstreams[0].api_formats[1]:')),
    p.join('\n'),
  );
  assert.ok(
    p.some((x) => x === 'downstreams[0].base_url: must be an http(s) URL'),
    p.join('\n'),
  );
});

test('unknown keys, duplicate ids, dangling alias downstreams and two active options are errors', () => {
  const p = problems(`colour: blue
downstreams:
  - {id: a, api_formats: [openai], base_url: "http://x"}
  - {id: a, api_formats: [openai], base_url: "http://y"}
aliases:
  - input_model_id: m
    options:
      - {id: o1, downstream_id: a, output_model_id: x, is_active: true}
      - {id: o2, downstream_id: zz, output_model_id: y, is_active: true}
`);
  const all = p.join('\n');
  assert.match(all, /colour/);
  assert.match(all, /downstreams\[1\]\.id: duplicate downstream id "a"/);
  assert.match(all, /aliases\[0\]\.options\[1\]\.downstream_id: unknown downstream "zz"/);
  assert.match(all, /aliases\[0\]\.options: more than one option has is_active: true/);
});

test('${ENV} references expand; an unset one is an error naming it', () => {
  const text = `downstreams:\n  - {id: a, api_formats: [openai], base_url: "\${BASE}/v1", api_key: "\${KEY}"}\n`;
  const c = parseConfigText(text, 'x', { BASE: 'https://api.example', KEY: 'sk-123' }).config;
  assert.equal(c.downstreams[0].base_url, 'https://api.example/v1');
  assert.equal(c.downstreams[0].api_key, 'sk-123');
  assert.deepEqual(problems(text, { BASE: 'https://x' }), ['downstreams[0].api_key: environment variable KEY is not set']);
});

test('YAML syntax errors are reported, not thrown raw', () => {
  assert.match(problems('downstreams: [\n')[0], /^YAML:/);
});

test('discovery order: --config > TRESOR_CONFIG > ./config.yaml > ~/.config/tresor/config.yaml', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tresor-disc-'));
  writeFileSync(join(dir, 'config.yaml'), '');
  assert.equal(discoverConfigPath('a.yaml', {}, dir).path, join(dir, 'a.yaml'));
  assert.equal(discoverConfigPath(undefined, { TRESOR_CONFIG: 'b.yaml' }, dir).path, join(dir, 'b.yaml'));
  assert.deepEqual(discoverConfigPath(undefined, {}, dir), { path: join(dir, 'config.yaml'), exists: true });
  const empty = mkdtempSync(join(tmpdir(), 'tresor-disc-'));
  assert.match(discoverConfigPath(undefined, {}, empty).path, /\.config\/tresor\/config\.yaml$/);
});

test('the starter config is commented, valid and written with mode 0600', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tresor-start-'));
  mkdirSync(join(dir, 'nested'));
  const file = join(dir, 'nested', 'config.yaml');
  writeStarterConfig(file);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.match(readFileSync(file, 'utf8'), /^# Tresor configuration/);
  assert.equal(loadConfigFile(file, {}).config.downstreams.length, 0);
});

test('format_urls may override a single format (SPEC §2 example)', () => {
  const c = parseConfigText(
    `downstreams:\n  - {id: a, api_formats: [openai, anthropic], base_url: "https://x.example", format_urls: {anthropic: "https://example.com/anthropic"}}\n`,
    'x',
    {},
  ).config;
  assert.equal(c.downstreams[0].format_urls?.anthropic, 'https://example.com/anthropic');
});
