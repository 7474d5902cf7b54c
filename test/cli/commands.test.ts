import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import YAML from 'yaml';
import { startCliDaemon, type CliDaemon } from './helpers.js';

const CONFIG = `# cli tests
bind_addr: "127.0.0.1:0"
db_path: DIR/tresor.db
log_level: error
downstreams:
  - id: openai
    name: OpenAI
    api_formats: [openai]
    base_url: https://api.openai.com/v1
    api_key: sk-cli-literal-key-0000001
    output_model_ids: [gpt-4o]
  - id: anthropic
    api_formats: [anthropic]
    base_url: https://api.anthropic.com
    output_model_ids: [claude-sonnet-4-20250514]
rules: []
aliases:
  - input_model_id: gpt-4o
    options:
      - id: to-openai
        downstream_id: openai
        output_model_id: gpt-4o
        is_active: true
      - id: to-claude
        downstream_id: anthropic
        output_model_id: claude-sonnet-4-20250514
`;

let d: CliDaemon;
before(async () => {
  d = await startCliDaemon(CONFIG);
});
after(async () => {
  await d.close();
});

function onDisk(): Record<string, any> {
  return YAML.parse(readFileSync(d.configPath, 'utf8')) as Record<string, any>;
}

test('downstream list: a table with masked keys; --json for scripts', async () => {
  const r = await d.run('downstream', 'list');
  assert.equal(r.code, 0);
  const lines = r.stdout.trimEnd().split('\n');
  assert.match(lines[0], /^ID\s+FORMATS\s+BASE URL\s+KEY\s+MODELS$/);
  assert.match(lines[1], /^openai\s+openai\s+https:\/\/api\.openai\.com\/v1\s+sk-…0001\s+gpt-4o$/);
  assert.match(lines[2], /^anthropic\s+anthropic\s+https:\/\/api\.anthropic\.com\s+-\s+claude-sonnet-4-20250514$/);
  assert.ok(!r.stdout.includes('literal'));
  const j = await d.run('downstream', 'list', '--json');
  assert.deepEqual(
    JSON.parse(j.stdout).map((x: { id: string }) => x.id),
    ['openai', 'anthropic'],
  );
  const show = await d.run('downstream', 'show', 'openai');
  assert.equal(show.code, 0);
  assert.match(show.stdout, /^id: openai\nname: OpenAI\n/);
  assert.match(show.stdout, /api_key: sk-…0001\n/);
});

test('downstream create / update / add-model / remove-model / delete', async () => {
  const c = await d.run(
    'downstream',
    'create',
    'groq',
    '--format',
    'openai',
    '--base-url',
    'https://api.groq.com/openai/v1',
    '--api-key',
    'gsk-literal-groq-key-12345',
    '--model',
    'llama-3.3-70b,qwen3-32b',
    '--header',
    'x-team=blue',
  );
  assert.equal(c.code, 0, c.stderr);
  assert.equal(c.stdout, 'created downstream groq\n');
  assert.deepEqual(onDisk().downstreams[2], {
    id: 'groq',
    api_formats: ['openai'],
    base_url: 'https://api.groq.com/openai/v1',
    api_key: 'gsk-literal-groq-key-12345',
    output_model_ids: ['llama-3.3-70b', 'qwen3-32b'],
    headers: { 'x-team': 'blue' },
  });
  const u = await d.run('downstream', 'update', 'groq', '--name', 'Groq', '--json');
  assert.equal(u.code, 0);
  assert.equal(JSON.parse(u.stdout).name, 'Groq');
  assert.equal(onDisk().downstreams[2].api_key, 'gsk-literal-groq-key-12345');
  const add = await d.run('downstream', 'add-model', 'groq', 'm-a', 'm-b');
  assert.equal(add.code, 0);
  assert.equal(add.stdout, 'groq models: llama-3.3-70b, qwen3-32b, m-a, m-b\n');
  const rm = await d.run('downstream', 'remove-model', 'groq', 'm-a');
  assert.equal(rm.stdout, 'groq models: llama-3.3-70b, qwen3-32b, m-b\n');
  const del = await d.run('downstream', 'delete', 'groq');
  assert.equal(del.code, 0);
  assert.equal(del.stdout, 'deleted downstream groq\n');
});

test('downstream fetch-models asks the provider and adds only when told', async () => {
  const provider: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ data: [{ id: 'local-a' }, { id: 'local-b' }] }));
  });
  await new Promise<void>((r) => provider.listen(0, '127.0.0.1', r));
  try {
    const base = `http://127.0.0.1:${(provider.address() as AddressInfo).port}/v1`;
    assert.equal((await d.run('downstream', 'create', 'local', '--format', 'openai', '--base-url', base)).code, 0);
    const look = await d.run('downstream', 'fetch-models', 'local');
    assert.equal(look.code, 0, look.stderr);
    assert.match(look.stdout, /^MODEL\s+STATUS\nlocal-a\s*\nlocal-b\s*\n\(nothing added/);
    const add = await d.run('downstream', 'fetch-models', 'local', '--add-model', 'local-b');
    assert.match(add.stdout, /local-b\s+added/);
    assert.deepEqual(onDisk().downstreams.find((x: { id: string }) => x.id === 'local').output_model_ids, ['local-b']);
    assert.equal((await d.run('downstream', 'delete', 'local')).code, 0);
  } finally {
    provider.close();
  }
});

test('alias list marks the active option; activate switches; reorder, update, delete', async () => {
  const list = await d.run('alias', 'list');
  assert.equal(list.code, 0);
  assert.equal(
    list.stdout,
    [
      'MODEL   FLAGS  ACTIVE  OPTION     DOWNSTREAM  OUTPUT MODEL',
      'gpt-4o         *       to-openai  openai      gpt-4o',
      '                       to-claude  anthropic   claude-sonnet-4-20250514',
      '',
    ].join('\n'),
  );
  const act = await d.run('alias', 'activate', 'to-claude');
  assert.equal(act.code, 0);
  assert.equal(act.stdout, 'gpt-4o -> anthropic / claude-sonnet-4-20250514: option to-claude active (was to-openai)\n');
  assert.equal(d.daemon.ctx.config.current.aliases[0].options[1].is_active, true);
  assert.deepEqual(
    onDisk().aliases[0].options.map((o: { is_active?: boolean }) => o.is_active),
    [undefined, true],
  );

  const c = await d.run('alias', 'create', 'claude-.*', 'anthropic', 'claude-sonnet-4-20250514', '--regex', '--id', 'any-claude');
  assert.equal(c.code, 0, c.stderr);
  assert.equal(c.stdout, 'created alias option any-claude: claude-.* -> anthropic / claude-sonnet-4-20250514 (active)\n');
  const re = await d.run('alias', 'reorder', 'claude-.*');
  assert.equal(re.stdout, 'alias order: claude-.*, gpt-4o\n');
  const up = await d.run('alias', 'update', 'to-openai', '--output-model', 'gpt-4o-2024-11-20', '--fallback', 'true');
  assert.equal(up.code, 0, up.stderr);
  assert.equal(d.daemon.ctx.config.current.aliases[1].fallback, true);
  const del = await d.run('alias', 'delete', 'any-claude');
  assert.equal(del.stdout, 'deleted alias option any-claude (its group had no other option and was deleted)\n');
  const json = JSON.parse((await d.run('alias', 'list', '--json')).stdout);
  assert.equal(json[0].active_id, 'to-claude');
});

test('rule create / list / show / disable / enable / update / delete', async () => {
  const c = await d.run('rule', 'create', 'hdr', '--path', '/v1/*', '--plugin', 'custom_header={"headers":{"x-env":"test"}}', '--plugin', 'remove_thinking');
  assert.equal(c.code, 0, c.stderr);
  const list = await d.run('rule', 'list');
  assert.match(list.stdout, /^ID\s+ENABLED\s+PATH\s+MATCH\s+PIPELINE\nhdr\s+yes\s+\/v1\/\*\s+-\s+custom_header > remove_thinking\n$/);
  const show = await d.run('rule', 'show', 'hdr', '--json');
  assert.deepEqual(JSON.parse(show.stdout).pipeline_config[0], { plugin_id: 'custom_header', config: { headers: { 'x-env': 'test' } } });
  assert.equal((await d.run('rule', 'disable', 'hdr')).stdout, 'disabled rule hdr\n');
  assert.equal(onDisk().rules[0].is_enabled, false);
  assert.equal((await d.run('rule', 'enable', 'hdr')).stdout, 'enabled rule hdr\n');
  assert.equal(onDisk().rules[0].is_enabled, true);
  const up = await d.run('rule', 'update', 'hdr', '--model', 'gpt-4o', '--downstream', 'openai');
  assert.equal(up.code, 0, up.stderr);
  assert.match((await d.run('rule', 'list')).stdout, /model=gpt-4o downstream=openai/);
  const bad = await d.run('rule', 'create', 'bad', '--plugin', 'custom_header={"headers":5}');
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^tresor: pipeline_config\[0\]\.config\.headers: /);
  assert.equal((await d.run('rule', 'delete', 'hdr')).stdout, 'deleted rule hdr\n');
});

test('plugin list, config show / set, version, logs', async () => {
  const p = await d.run('plugin', 'list');
  assert.match(p.stdout, /^ID\s+KIND\s+DESCRIPTION\n/);
  assert.match(p.stdout, /\nopenai2anthropic\s+converter\s+/);
  const show = await d.run('config', 'show');
  assert.match(show.stdout, /^log_level\s+error$/m);
  assert.match(show.stdout, /^admin_password\s+-$/m);
  const set = await d.run('config', 'set', 'retry_on_empty', 'true', 'cors_origins', 'https://a.example,https://b.example');
  assert.equal(set.code, 0, set.stderr);
  assert.equal(set.stdout, 'changed retry_on_empty, cors_origins\n');
  assert.deepEqual(d.daemon.ctx.config.current.cors_origins, ['https://a.example', 'https://b.example']);
  const badValue = await d.run('config', 'set', 'capture_payloads', 'maybe');
  assert.equal(badValue.code, 2);
  const refused = await d.run('config', 'set', 'log_level', 'loud');
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^tresor: log_level: /);
  const v = await d.run('version');
  assert.equal(v.code, 0);
  assert.match(v.stdout, /^tresor \d+\.\d+\.\d+.* \(cli\)\ndaemon \d+\.\d+\.\d+.* \(node /);

  // One gateway request (an unknown model: 404) so the log has an entry.
  await fetch(`${d.daemon.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'no-such-model', messages: [{ role: 'user', content: 'hi' }] }),
  });
  let logs = await d.run('logs', '--json');
  for (let i = 0; i < 50 && JSON.parse(logs.stdout).entries.length === 0; i++) {
    await new Promise((r) => setTimeout(r, 100));
    logs = await d.run('logs', '--json');
  }
  assert.equal(logs.code, 0, logs.stderr);
  assert.equal(JSON.parse(logs.stdout).entries[0].model, 'no-such-model');
  const table = await d.run('logs', '--limit', '5');
  assert.match(table.stdout, /^TIME\s+STATUS\s+FORMAT\s+MODEL/);
  assert.match(table.stdout, /\s404\s+openai\s+no-such-model\s/);
});

test('exit codes: 2 for usage errors, 1 with one line on stderr for failed operations', async () => {
  const usage: string[][] = [
    ['downstream'],
    ['downstream', 'frobnicate'],
    ['downstream', 'show'],
    ['downstream', 'create', 'x', '--base-url', 'https://x'],
    ['downstream', 'list', '--colour'],
    ['alias', 'create', 'only-model'],
    ['alias', 'update', 'to-openai'],
    ['alias', 'update', 'to-openai', '--fallback', 'perhaps'],
    ['rule', 'create', 'r', '--pipeline', 'not json'],
    ['config', 'set', 'log_level'],
    ['logs', '--limit', 'many'],
    ['plugin', 'show'],
  ];
  for (const args of usage) {
    const r = await d.run(...args);
    assert.equal(r.code, 2, `${args.join(' ')} → ${r.code}`);
    assert.match(r.stderr, /^tresor: .+\nUsage: tresor /, args.join(' '));
    assert.equal(r.stdout, '');
  }
  const failed: [string[], RegExp][] = [
    [['downstream', 'show', 'nope'], /^tresor: no downstream "nope"\n$/],
    [['downstream', 'create', 'openai', '--format', 'openai', '--base-url', 'https://x'], /^tresor: downstream "openai" already exists\n$/],
    [['downstream', 'create', 'x', '--format', 'openai', '--base-url', 'ftp://x'], /^tresor: base_url: must be an http\(s\) URL\n$/],
    [['alias', 'activate', 'nope'], /^tresor: no alias option "nope"\n$/],
    [['rule', 'delete', 'nope'], /^tresor: no rule "nope"\n$/],
  ];
  for (const [args, msg] of failed) {
    const r = await d.run(...args);
    assert.equal(r.code, 1, args.join(' '));
    assert.match(r.stderr, msg);
  }
  const help = await d.run('alias', '--help');
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: tresor alias/);
});
