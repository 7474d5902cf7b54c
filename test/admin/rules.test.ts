import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { startAdmin, type AdminHarness } from './helpers.js';

const BASE = `bind_addr: "127.0.0.1:0"
downstreams:
  - {id: anthropic, api_formats: [anthropic], base_url: "https://api.anthropic.com"}
rules:
  - id: chat-anthropic   # from the seed
    name: Chat Completions -> Anthropic
    pattern_path: /v1/chat/completions
    match_format: [openai]
    match_downstreams: [anthropic]
    pipeline_config:
      - plugin_id: openai2anthropic
    is_enabled: true
`;

let h: AdminHarness;
before(async () => {
  h = await startAdmin(BASE);
});
after(async () => {
  await h.close();
});

function rulesOnDisk(): Record<string, unknown>[] {
  return (YAML.parse(readFileSync(h.configPath, 'utf8')) as { rules: Record<string, unknown>[] }).rules;
}

test('list and show; is_enabled always present', async () => {
  const list = await h.api('GET', '/api/rules');
  assert.equal(list.status, 200);
  assert.equal(list.body.length, 1);
  assert.equal(list.body[0].id, 'chat-anthropic');
  assert.equal(list.body[0].is_enabled, true);
  const one = await h.api('GET', '/api/rules/chat-anthropic');
  assert.deepEqual(one.body.pipeline_config, [{ plugin_id: 'openai2anthropic' }]);
  assert.equal((await h.api('GET', '/api/rules/nope')).status, 404);
});

test('create: 201; steps validated against each plugin schema; unknown plugin or downstream 400; duplicate 409', async () => {
  const created = await h.api('POST', '/api/rules', {
    id: 'team-header',
    pattern_path: '/v1/*',
    pattern_models: ['gpt-4o'],
    pipeline_config: [{ plugin_id: 'custom_header', config: { headers: { 'x-team': 'blue', authorization: 'Bearer sk-team-secret-abcd' } } }],
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(created.body.is_enabled, true);
  assert.equal(created.body.pipeline_config[0].config.headers['x-team'], 'blue');
  assert.equal(created.body.pipeline_config[0].config.headers.authorization, 'Bea…abcd', 'credentials in plugin configs are masked');
  assert.equal(rulesOnDisk()[1].id, 'team-header');

  const dup = await h.api('POST', '/api/rules', { id: 'team-header' });
  assert.equal(dup.status, 409);
  const cases: [unknown, string][] = [
    [{ id: 'r1', pipeline_config: [{ plugin_id: 'custom_header', config: { headers: 5 } }] }, 'pipeline_config[0].config.headers'],
    [{ id: 'r2', pipeline_config: [{ plugin_id: 'no_such_plugin' }] }, 'pipeline_config[0].plugin_id'],
    [{ id: 'r3', pipeline_config: [{ config: {} }] }, 'pipeline_config[0].plugin_id'],
    [{ id: 'r4', match_downstreams: ['ghost'] }, 'match_downstreams[0]'],
    [{ id: 'r5', match_format: ['soap'] }, 'match_format[0]'],
    [{ id: 'r6', pipeline_config: 'openai2anthropic' }, 'pipeline_config'],
    [{ id: 'r7', priority: 1 }, 'priority'],
    [{ pattern_path: '/x' }, 'id'],
  ];
  for (const [body, field] of cases) {
    const r = await h.api('POST', '/api/rules', body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(r.body.field, field, JSON.stringify(r.body));
  }
  assert.equal(rulesOnDisk().length, 2);
});

test('update is partial; a masked plugin secret sent back is kept; null removes a criterion', async () => {
  const shown = (await h.api('GET', '/api/rules/team-header')).body;
  const r = await h.api('PUT', '/api/rules/team-header', { name: 'Team header', pipeline_config: shown.pipeline_config });
  assert.equal(r.status, 200);
  const stored = rulesOnDisk()[1] as { name: string; pipeline_config: { config: { headers: Record<string, string> } }[] };
  assert.equal(stored.name, 'Team header');
  assert.equal(stored.pipeline_config[0].config.headers.authorization, 'Bearer sk-team-secret-abcd');
  const cleared = await h.api('PUT', '/api/rules/team-header', { pattern_models: null, pattern_model: 'gpt-4.1' });
  assert.equal(cleared.body.pattern_models, undefined);
  assert.equal(cleared.body.pattern_model, 'gpt-4.1');
  const bad = await h.api('PUT', '/api/rules/team-header', { pipeline_config: [{ plugin_id: 'openai2anthropic', config: { model_map: 'x' } }] });
  assert.equal(bad.status, 400);
  assert.match(bad.body.field, /^pipeline_config\[0\]\.config/);
  const rename = await h.api('PUT', '/api/rules/team-header', { id: 'x' });
  assert.equal(rename.status, 400);
  assert.equal((await h.api('PUT', '/api/rules/nope', { name: 'x' })).status, 404);
});

test('enable / disable with PUT is_enabled, written to the file', async () => {
  const before = readFileSync(h.configPath, 'utf8');
  const off = await h.api('PUT', '/api/rules/chat-anthropic', { is_enabled: false });
  assert.equal(off.status, 200);
  assert.equal(off.body.is_enabled, false);
  assert.equal(readFileSync(h.configPath, 'utf8'), before.replace('    is_enabled: true\n', '    is_enabled: false\n'));
  assert.equal(h.ctx.config.current.rules[0].is_enabled, false);
  const on = await h.api('PUT', '/api/rules/chat-anthropic', { is_enabled: true });
  assert.equal(on.body.is_enabled, true);
  const notBool = await h.api('PUT', '/api/rules/chat-anthropic', { is_enabled: 'yes' });
  assert.equal(notBool.status, 400);
  assert.equal(notBool.body.field, 'is_enabled');
});

test('delete', async () => {
  const r = await h.api('DELETE', '/api/rules/team-header');
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, { deleted: 'team-header' });
  assert.equal(rulesOnDisk().length, 1);
  assert.equal((await h.api('DELETE', '/api/rules/team-header')).status, 404);
});

test('plugins list exists with schemas', async () => {
  const r = await h.api('GET', '/api/plugins');
  assert.equal(r.status, 200);
  const ids = r.body.map((p: { id: string }) => p.id);
  assert.ok(ids.includes('openai2anthropic'));
  assert.ok(ids.includes('custom_header'));
  assert.ok(r.body.every((p: { description: string; config_schema: unknown }) => typeof p.description === 'string' && typeof p.config_schema === 'object'));
});
