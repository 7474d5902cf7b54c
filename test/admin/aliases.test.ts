import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { startAdmin, type AdminHarness } from './helpers.js';

const BASE = `bind_addr: "127.0.0.1:0"
downstreams:
  - {id: openai, api_formats: [openai], base_url: "https://api.openai.com/v1", output_model_ids: [gpt-4o]}
  - {id: anthropic, api_formats: [anthropic], base_url: "https://api.anthropic.com", output_model_ids: [claude-sonnet-4-20250514]}
aliases:
  # the switch
  - input_model_id: gpt-4o
    options:
      - id: gpt4o-openai
        downstream_id: openai
        output_model_id: gpt-4o
      - id: gpt4o-claude
        downstream_id: anthropic
        output_model_id: claude-sonnet-4-20250514
`;

let h: AdminHarness;
before(async () => {
  h = await startAdmin(BASE);
});
after(async () => {
  await h.close();
});

type Group = { input_model_id: string; options: { id: string; is_active?: boolean }[] };

function groupsOnDisk(): Group[] {
  return (YAML.parse(readFileSync(h.configPath, 'utf8')) as { aliases: Group[] }).aliases;
}

/** In the file: exactly one option per group says is_active: true, the rest say nothing. */
function assertOneActiveInFile(): void {
  for (const g of groupsOnDisk()) {
    const marks = g.options.map((o) => o.is_active);
    assert.equal(marks.filter((m) => m === true).length, 1, `${g.input_model_id}: one is_active: true`);
    assert.equal(marks.filter((m) => m !== true && m !== undefined).length, 0, `${g.input_model_id}: no is_active: false`);
  }
}

test('list: groups in order with active_id (the first option when none is marked)', async () => {
  const r = await h.api('GET', '/api/aliases');
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, [
    {
      input_model_id: 'gpt-4o',
      is_regex: false,
      fallback: false,
      active_id: 'gpt4o-openai',
      options: [
        { id: 'gpt4o-openai', downstream_id: 'openai', output_model_id: 'gpt-4o', is_active: true },
        { id: 'gpt4o-claude', downstream_id: 'anthropic', output_model_id: 'claude-sonnet-4-20250514', is_active: false },
      ],
    },
  ]);
});

test('activate: the hot switch is in the file and the running config before the reply', async () => {
  const before = readFileSync(h.configPath, 'utf8');
  const r = await h.api('PUT', '/api/aliases/gpt4o-claude/activate');
  assert.equal(r.status, 200);
  assert.equal(r.body.is_active, true);
  assert.equal(r.body.previous_id, 'gpt4o-openai');
  const g = h.ctx.config.current.aliases[0];
  assert.equal(g.options.find((o) => o.is_active)?.id, 'gpt4o-claude');
  assert.equal(
    readFileSync(h.configPath, 'utf8'),
    before.replace('        output_model_id: claude-sonnet-4-20250514\n', '        output_model_id: claude-sonnet-4-20250514\n        is_active: true\n'),
  );
  assertOneActiveInFile();
  const back = await h.api('PUT', '/api/aliases/gpt4o-openai/activate');
  assert.equal(back.status, 200);
  assertOneActiveInFile();
  assert.equal(groupsOnDisk()[0].options[0].is_active, true);
  const missing = await h.api('PUT', '/api/aliases/nope/activate');
  assert.equal(missing.status, 404);
});

test('create: joins an existing group or creates one (201); duplicates 409; bad input 400 naming the field', async () => {
  const joined = await h.api('POST', '/api/aliases', { input_model_id: 'gpt-4o', downstream_id: 'openai', output_model_id: 'gpt-4o-mini', id: 'gpt4o-mini' });
  assert.equal(joined.status, 201);
  assert.equal(joined.body.is_active, false, 'joining does not switch');
  const created = await h.api('POST', '/api/aliases', {
    input_model_id: 'claude-.*',
    is_regex: true,
    fallback: true,
    downstream_id: 'anthropic',
    output_model_id: 'claude-sonnet-4-20250514',
  });
  assert.equal(created.status, 201);
  assert.equal(created.body.id, 'claude-.-anthropic', 'an id is generated from model and downstream');
  assert.equal(created.body.is_active, true, "a new group's option is active");
  assert.equal(created.body.is_regex, true);
  const activating = await h.api('POST', '/api/aliases', {
    input_model_id: 'gpt-4o',
    downstream_id: 'anthropic',
    output_model_id: 'claude-opus-4',
    id: 'gpt4o-opus',
    activate: true,
  });
  assert.equal(activating.body.is_active, true);
  assertOneActiveInFile();

  const dup = await h.api('POST', '/api/aliases', { input_model_id: 'x', downstream_id: 'openai', output_model_id: 'y', id: 'gpt4o-mini' });
  assert.equal(dup.status, 409);
  assert.equal(dup.body.field, 'id');
  const cases: [unknown, string][] = [
    [{ downstream_id: 'openai', output_model_id: 'y' }, 'input_model_id'],
    [{ input_model_id: 'x', downstream_id: 'nope', output_model_id: 'y' }, 'downstream_id'],
    [{ input_model_id: 'x', downstream_id: 'openai' }, 'output_model_id'],
    [{ input_model_id: 'x', downstream_id: 'openai', output_model_id: 'y', id: 'bad id' }, 'id'],
    [{ input_model_id: 'x', downstream_id: 'openai', output_model_id: 'y', colour: 1 }, 'colour'],
    [{ input_model_id: '(', is_regex: true, downstream_id: 'openai', output_model_id: 'y' }, 'input_model_id'],
  ];
  for (const [body, field] of cases) {
    const r = await h.api('POST', '/api/aliases', body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(r.body.field, field, JSON.stringify(r.body));
  }
});

test('get and update one option; group settings through the option; moving to another group', async () => {
  const one = await h.api('GET', '/api/aliases/gpt4o-mini');
  assert.equal(one.status, 200);
  assert.equal(one.body.input_model_id, 'gpt-4o');
  const upd = await h.api('PUT', '/api/aliases/gpt4o-mini', { output_model_id: 'gpt-4.1-mini', fallback: true });
  assert.equal(upd.status, 200);
  assert.equal(upd.body.output_model_id, 'gpt-4.1-mini');
  assert.equal(upd.body.fallback, true);
  assert.equal(h.ctx.config.current.aliases[0].fallback, true);
  const bad = await h.api('PUT', '/api/aliases/gpt4o-mini', { downstream_id: 'nope' });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.field, 'downstream_id');
  const rename = await h.api('PUT', '/api/aliases/gpt4o-mini', { id: 'other' });
  assert.equal(rename.status, 400);
  const deactivate = await h.api('PUT', '/api/aliases/gpt4o-opus', { is_active: false });
  assert.equal(deactivate.status, 400, 'the active option cannot just be switched off');
  const move = await h.api('PUT', '/api/aliases/gpt4o-mini', { input_model_id: 'mini' });
  assert.equal(move.status, 200);
  assert.equal(move.body.input_model_id, 'mini');
  assert.equal(move.body.is_active, true);
  assertOneActiveInFile();
  const missing = await h.api('GET', '/api/aliases/nope');
  assert.equal(missing.status, 404);
});

test('reorder: listed groups first; unknown or repeated names 400', async () => {
  const before = (await h.api('GET', '/api/aliases')).body.map((g: Group) => g.input_model_id);
  assert.deepEqual(before, ['gpt-4o', 'claude-.*', 'mini']);
  const r = await h.api('POST', '/api/aliases/reorder', { order: ['mini', 'gpt-4o'] });
  assert.equal(r.status, 200);
  assert.deepEqual(
    r.body.map((g: Group) => g.input_model_id),
    ['mini', 'gpt-4o', 'claude-.*'],
  );
  assert.deepEqual(
    groupsOnDisk().map((g) => g.input_model_id),
    ['mini', 'gpt-4o', 'claude-.*'],
  );
  assert.match(readFileSync(h.configPath, 'utf8'), / {2}# the switch\n {2}- input_model_id: gpt-4o/, 'the comment moved with its group');
  const unknown = await h.api('POST', '/api/aliases/reorder', { order: ['nope'] });
  assert.equal(unknown.status, 400);
  assert.equal(unknown.body.field, 'order[0]');
  const twice = await h.api('POST', '/api/aliases/reorder', { order: ['mini', 'mini'] });
  assert.equal(twice.status, 400);
  const notList = await h.api('POST', '/api/aliases/reorder', { order: 'mini' });
  assert.equal(notList.status, 400);
  assert.equal(notList.body.field, 'order');
});

test('delete an option (the next becomes active when it was active; an emptied group goes) and a group', async () => {
  const r = await h.api('DELETE', '/api/aliases/gpt4o-opus');
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, { deleted: 'gpt4o-opus', group_deleted: false, active_id: 'gpt4o-openai' });
  assertOneActiveInFile();
  const last = await h.api('DELETE', '/api/aliases/gpt4o-mini');
  assert.deepEqual(last.body, { deleted: 'gpt4o-mini', group_deleted: true });
  assert.ok(!groupsOnDisk().some((g) => g.input_model_id === 'mini'));
  const again = await h.api('DELETE', '/api/aliases/gpt4o-mini');
  assert.equal(again.status, 404);
  const group = await h.api('DELETE', `/api/aliases/group/${encodeURIComponent('claude-.*')}`);
  assert.equal(group.status, 200);
  assert.deepEqual(group.body, { deleted: 'claude-.*', options_deleted: ['claude-.-anthropic'] });
  const noGroup = await h.api('DELETE', '/api/aliases/group/nope');
  assert.equal(noGroup.status, 404);
  assert.deepEqual(
    groupsOnDisk().map((g) => g.input_model_id),
    ['gpt-4o'],
  );
});
