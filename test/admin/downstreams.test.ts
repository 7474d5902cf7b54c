import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import YAML from 'yaml';
import { startAdmin, type AdminHarness } from './helpers.js';

const BASE = `# downstream tests
bind_addr: "127.0.0.1:0"
downstreams:
  - id: openai            # main
    api_formats: [openai]
    base_url: https://api.openai.com/v1
    api_key: \${T_OPENAI_KEY}
    output_model_ids: [gpt-4o]
  - id: anthropic
    api_formats: [anthropic]
    base_url: https://api.anthropic.com
    api_key: sk-ant-literal-secret-1234
    output_model_ids:
      - claude-sonnet-4-20250514
rules:
  - id: only-anthropic
    match_downstreams: [anthropic]
    pipeline_config: []
  - id: both
    match_downstreams: [anthropic, openai]
aliases:
  - input_model_id: gpt-4o
    options:
      - id: gpt4o-openai
        downstream_id: openai
        output_model_id: gpt-4o
      - id: gpt4o-claude
        downstream_id: anthropic
        output_model_id: claude-sonnet-4-20250514
        is_active: true
  - input_model_id: claude
    options:
      - id: claude-only
        downstream_id: anthropic
        output_model_id: claude-sonnet-4-20250514
`;

const ENV = { ...process.env, T_OPENAI_KEY: 'sk-openai-env-value-0000' };

let h: AdminHarness;
before(async () => {
  h = await startAdmin(BASE, { env: ENV });
});
after(async () => {
  await h.close();
});

function fileValues(): Record<string, any> {
  return YAML.parse(readFileSync(h.configPath, 'utf8')) as Record<string, any>;
}

test('list and show: keys masked, ${ENV} references shown as written', async () => {
  const list = await h.api('GET', '/api/downstreams');
  assert.equal(list.status, 200);
  assert.deepEqual(
    list.body.map((d: { id: string }) => d.id),
    ['openai', 'anthropic'],
  );
  assert.equal(list.body[0].api_key, '${T_OPENAI_KEY}');
  assert.equal(list.body[1].api_key, 'sk-…1234');
  assert.ok(!JSON.stringify(list.body).includes('literal-secret'));
  assert.ok(!JSON.stringify(list.body).includes('sk-openai-env-value'));
  const one = await h.api('GET', '/api/downstreams/anthropic');
  assert.equal(one.status, 200);
  assert.equal(one.body.api_key, 'sk-…1234');
  const missing = await h.api('GET', '/api/downstreams/nope');
  assert.equal(missing.status, 404);
  assert.equal(missing.body.field, 'id');
});

test('create: 201 with the object, in the file before the reply; duplicate 409; invalid fields named', async () => {
  const created = await h.api('POST', '/api/downstreams', {
    id: 'gemini',
    name: 'Gemini',
    api_formats: ['gemini'],
    base_url: 'https://generativelanguage.googleapis.com',
    api_key: 'AIzaSyA-literal-gemini-key-77',
    output_model_ids: ['gemini-2.5-pro'],
  });
  assert.equal(created.status, 201);
  assert.equal(created.body.id, 'gemini');
  assert.equal(created.body.api_key, 'AIz…y-77');
  const onDisk = fileValues().downstreams.find((d: { id: string }) => d.id === 'gemini');
  assert.equal(onDisk.api_key, 'AIzaSyA-literal-gemini-key-77');

  const dup = await h.api('POST', '/api/downstreams', { id: 'gemini', api_formats: ['gemini'], base_url: 'https://x.example' });
  assert.equal(dup.status, 409);
  assert.equal(dup.body.field, 'id');

  const cases: [unknown, string][] = [
    [{ id: 'x1', api_formats: ['openai'], base_url: 'ftp://x' }, 'base_url'],
    [{ id: 'x2', api_formats: ['cobol'], base_url: 'https://x' }, 'api_formats[0]'],
    [{ id: 'x3', api_formats: [], base_url: 'https://x' }, 'api_formats'],
    [{ id: 'bad id!', api_formats: ['openai'], base_url: 'https://x' }, 'id'],
    [{ id: 'x4', api_formats: ['openai'], base_url: 'https://x', colour: 'blue' }, 'colour'],
    [{ id: 'x5', base_url: 'https://x' }, 'api_formats'],
    [{ id: 'x6', api_formats: ['openai'], base_url: 'https://x', api_key: 'a', api_keys: ['b'] }, 'api_keys'],
    [{ id: 'x7', api_formats: ['openai'], base_url: 'https://x', timeouts: { connect_ms: -1 } }, 'timeouts.connect_ms'],
    [{ id: 'x8', api_formats: ['openai'], base_url: 'https://x', api_key: '${T_UNSET_VAR_X}' }, 'api_key'],
  ];
  for (const [body, field] of cases) {
    const r = await h.api('POST', '/api/downstreams', body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(r.body.field, field, `${JSON.stringify(body)} → ${JSON.stringify(r.body)}`);
  }
  const notJson = await h.api('POST', '/api/downstreams', '{nope');
  assert.equal(notJson.status, 400);
  assert.ok(!fileValues().downstreams.some((d: { id: string }) => d.id.startsWith('x')));
});

test('update is partial; echoing the mask keeps the secret; a literal replaces an ${ENV} reference', async () => {
  const before = readFileSync(h.configPath, 'utf8');
  const shown = (await h.api('GET', '/api/downstreams/anthropic')).body;
  const r = await h.api('PUT', '/api/downstreams/anthropic', { ...shown, name: 'Claude' });
  assert.equal(r.status, 200);
  assert.equal(r.body.name, 'Claude');
  assert.equal(fileValues().downstreams[1].api_key, 'sk-ant-literal-secret-1234', 'mask echoed back: secret kept');
  assert.equal(
    readFileSync(h.configPath, 'utf8'),
    before.replace('      - claude-sonnet-4-20250514\n  - id: gemini', '      - claude-sonnet-4-20250514\n    name: Claude\n  - id: gemini'),
  );

  const echoRef = await h.api('PUT', '/api/downstreams/openai', { api_key: '${T_OPENAI_KEY}' });
  assert.equal(echoRef.status, 200);
  assert.match(readFileSync(h.configPath, 'utf8'), /api_key: \$\{T_OPENAI_KEY\}/);

  const literal = await h.api('PUT', '/api/downstreams/openai', { api_key: 'sk-new-literal-key-9876' });
  assert.equal(literal.body.api_key, 'sk-…9876');
  assert.equal(fileValues().downstreams[0].api_key, 'sk-new-literal-key-9876');
  assert.equal(h.ctx.config.current.downstreams[0].api_key, 'sk-new-literal-key-9876');

  const toKeys = await h.api('PUT', '/api/downstreams/openai', { api_keys: ['sk-one-aaaaaaaaaaaa', 'sk-two-bbbbbbbbbbbb'] });
  assert.equal(toKeys.status, 200);
  assert.deepEqual(toKeys.body.api_keys, ['sk-…aaaa', 'sk-…bbbb']);
  assert.equal(toKeys.body.api_key, undefined, 'setting api_keys drops api_key');
  const echoKeys = await h.api('PUT', '/api/downstreams/openai', { api_keys: ['sk-…bbbb', 'sk-…aaaa'] });
  assert.equal(echoKeys.status, 200);
  assert.deepEqual(fileValues().downstreams[0].api_keys, ['sk-two-bbbbbbbbbbbb', 'sk-one-aaaaaaaaaaaa'], 'masks map back to their keys');

  const staleMask = await h.api('PUT', '/api/downstreams/openai', { api_key: 'sk-…zzzz' });
  assert.equal(staleMask.status, 400);
  assert.equal(staleMask.body.field, 'api_key');

  const removeName = await h.api('PUT', '/api/downstreams/anthropic', { name: null });
  assert.equal(removeName.body.name, undefined);

  const rename = await h.api('PUT', '/api/downstreams/anthropic', { id: 'other' });
  assert.equal(rename.status, 400);
  assert.equal(rename.body.field, 'id');
  const bad = await h.api('PUT', '/api/downstreams/anthropic', { base_url: 'nope' });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.field, 'base_url');
  const unknown = await h.api('PUT', '/api/downstreams/zzz', { name: 'x' });
  assert.equal(unknown.status, 404);
});

test('model ids: add (201), duplicate 409, remove, remove unknown 404, ids with slashes', async () => {
  const add = await h.api('POST', '/api/downstreams/anthropic/models', { model_id: 'claude-opus-4' });
  assert.equal(add.status, 201);
  assert.deepEqual(add.body.output_model_ids, ['claude-sonnet-4-20250514', 'claude-opus-4']);
  assert.match(readFileSync(h.configPath, 'utf8'), / {6}- claude-sonnet-4-20250514\n {6}- claude-opus-4\n/);
  const dup = await h.api('POST', '/api/downstreams/anthropic/models', { model_id: 'claude-opus-4' });
  assert.equal(dup.status, 409);
  const empty = await h.api('POST', '/api/downstreams/anthropic/models', { model_id: '' });
  assert.equal(empty.status, 400);
  assert.equal(empty.body.field, 'model_id');
  const slash = await h.api('POST', '/api/downstreams/anthropic/models', { model_id: 'vendor/model-x' });
  assert.equal(slash.status, 201);
  const delSlash = await h.api('DELETE', `/api/downstreams/anthropic/models/${encodeURIComponent('vendor/model-x')}`);
  assert.equal(delSlash.status, 200);
  const del = await h.api('DELETE', '/api/downstreams/anthropic/models/claude-opus-4');
  assert.deepEqual(del.body.output_model_ids, ['claude-sonnet-4-20250514']);
  const delMissing = await h.api('DELETE', '/api/downstreams/anthropic/models/claude-opus-4');
  assert.equal(delMissing.status, 404);
  const noDs = await h.api('POST', '/api/downstreams/nope/models', { model_id: 'x' });
  assert.equal(noDs.status, 404);
});

test('delete cascades to rules and alias options, and says what else changed', async () => {
  const r = await h.api('DELETE', '/api/downstreams/anthropic');
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, {
    deleted: 'anthropic',
    rules_changed: [
      { id: 'only-anthropic', match_downstreams: [], disabled: true },
      { id: 'both', match_downstreams: ['openai'], disabled: false },
    ],
    alias_options_deleted: ['gpt4o-claude', 'claude-only'],
    alias_groups_deleted: ['claude'],
    alias_groups_reactivated: [{ input_model_id: 'gpt-4o', active_id: 'gpt4o-openai' }],
  });
  const v = fileValues();
  assert.deepEqual(
    v.downstreams.map((d: { id: string }) => d.id),
    ['openai', 'gemini'],
  );
  assert.deepEqual(v.rules[0], { id: 'only-anthropic', pipeline_config: [], is_enabled: false });
  assert.deepEqual(v.rules[1].match_downstreams, ['openai']);
  assert.deepEqual(v.aliases, [
    { input_model_id: 'gpt-4o', options: [{ id: 'gpt4o-openai', downstream_id: 'openai', output_model_id: 'gpt-4o', is_active: true }] },
  ]);
  const again = await h.api('DELETE', '/api/downstreams/anthropic');
  assert.equal(again.status, 404);
});

// ---- model discovery against fake providers ----

interface Seen {
  url: string;
  headers: IncomingMessage['headers'];
}

async function fakeProvider(
  handler: (url: URL, seen: Seen[]) => { status: number; body: unknown } | 'hang',
): Promise<{ url: string; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    seen.push({ url: req.url ?? '', headers: req.headers });
    const a = handler(url, seen);
    if (a === 'hang') return;
    res.writeHead(a.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(a.body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

test('fetch-models: openai format, version rule, bearer key, nothing added unless asked', async () => {
  const p = await fakeProvider((url) =>
    url.pathname === '/v1/models'
      ? { status: 200, body: { object: 'list', data: [{ id: 'gpt-4o' }, { id: 'gpt-4.1' }, { id: 'o3' }] } }
      : { status: 404, body: {} },
  );
  try {
    await h.api('POST', '/api/downstreams', {
      id: 'oai-v',
      api_formats: ['openai'],
      base_url: `${p.url}/v1`,
      api_key: 'sk-discover-key-1111',
      output_model_ids: ['gpt-4o'],
    });
    await h.api('POST', '/api/downstreams', { id: 'oai-bare', api_formats: ['openai_responses'], base_url: p.url, api_key: 'sk-discover-key-2222' });
    const r = await h.api('POST', '/api/downstreams/oai-v/fetch-models');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.models, ['gpt-4o', 'gpt-4.1', 'o3']);
    assert.deepEqual(r.body.added, []);
    assert.deepEqual(r.body.output_model_ids, ['gpt-4o']);
    assert.equal(p.seen[0].url, '/v1/models', 'base ending in /v1: no second /v1');
    assert.equal(p.seen[0].headers.authorization, 'Bearer sk-discover-key-1111');
    const bare = await h.api('POST', '/api/downstreams/oai-bare/fetch-models', {});
    assert.equal(bare.status, 200);
    assert.equal(p.seen[1].url, '/v1/models', 'bare base: /v1 added');

    const some = await h.api('POST', '/api/downstreams/oai-v/fetch-models', { add: ['o3'] });
    assert.deepEqual(some.body.added, ['o3']);
    assert.deepEqual(some.body.output_model_ids, ['gpt-4o', 'o3']);
    const all = await h.api('POST', '/api/downstreams/oai-v/fetch-models', { add: true });
    assert.deepEqual(all.body.added, ['gpt-4.1']);
    assert.deepEqual(fileValues().downstreams.find((d: { id: string }) => d.id === 'oai-v').output_model_ids, ['gpt-4o', 'o3', 'gpt-4.1']);
    const notListed = await h.api('POST', '/api/downstreams/oai-v/fetch-models', { add: ['made-up'] });
    assert.equal(notListed.status, 400);
    assert.equal(notListed.body.field, 'add');
    const badBody = await h.api('POST', '/api/downstreams/oai-v/fetch-models', { add: 'yes' });
    assert.equal(badBody.status, 400);
    const none = await h.api('POST', '/api/downstreams/nope/fetch-models');
    assert.equal(none.status, 404);
  } finally {
    await p.close();
  }
});

test('fetch-models: anthropic (x-api-key, anthropic-version, pages) and gemini (x-goog-api-key, models/ prefix, pages)', async () => {
  const p = await fakeProvider((url) => {
    if (url.pathname === '/v1/models') {
      if (!url.searchParams.get('after_id')) return { status: 200, body: { data: [{ id: 'claude-a' }], has_more: true, last_id: 'claude-a' } };
      return { status: 200, body: { data: [{ id: 'claude-b' }], has_more: false, last_id: 'claude-b' } };
    }
    if (url.pathname === '/v1beta/models') {
      if (!url.searchParams.get('pageToken')) return { status: 200, body: { models: [{ name: 'models/gemini-2.5-pro' }], nextPageToken: 'p2' } };
      return { status: 200, body: { models: [{ name: 'models/gemini-2.5-flash' }] } };
    }
    return { status: 404, body: {} };
  });
  try {
    await h.api('POST', '/api/downstreams', { id: 'ant', api_formats: ['anthropic', 'openai'], base_url: p.url, api_key: 'sk-ant-discover-3333' });
    await h.api('POST', '/api/downstreams', { id: 'gem', api_formats: ['gemini'], base_url: p.url, api_key: 'AIza-discover-4444' });
    const a = await h.api('POST', '/api/downstreams/ant/fetch-models');
    assert.equal(a.status, 200, JSON.stringify(a.body));
    assert.deepEqual(a.body.models, ['claude-a', 'claude-b']);
    assert.equal(a.body.format, 'anthropic', 'the first format is used');
    const first = p.seen.find((s) => s.url.startsWith('/v1/models'))!;
    assert.equal(first.headers['x-api-key'], 'sk-ant-discover-3333');
    assert.equal(first.headers['anthropic-version'], '2023-06-01');
    assert.equal(first.headers.authorization, undefined);
    const g = await h.api('POST', '/api/downstreams/gem/fetch-models');
    assert.deepEqual(g.body.models, ['gemini-2.5-pro', 'gemini-2.5-flash']);
    const gs = p.seen.filter((s) => s.url.startsWith('/v1beta/models'));
    assert.equal(gs[0].headers['x-goog-api-key'], 'AIza-discover-4444');
    assert.match(gs[1].url, /pageToken=p2/);
  } finally {
    await p.close();
  }
});

test('fetch-models: a provider error is a 502 with its message; an unreachable one a 502; nothing is added', async () => {
  const p = await fakeProvider(() => ({ status: 401, body: { error: { message: 'Incorrect API key provided' } } }));
  try {
    await h.api('POST', '/api/downstreams', { id: 'denied', api_formats: ['openai'], base_url: p.url, api_key: 'sk-wrong-key-55555555' });
    const r = await h.api('POST', '/api/downstreams/denied/fetch-models', { add: true });
    assert.equal(r.status, 502);
    assert.match(r.body.error, /401.*Incorrect API key provided/);
    assert.ok(!r.body.error.includes('sk-wrong-key'));
  } finally {
    await p.close();
  }
  await h.api('POST', '/api/downstreams', { id: 'gone', api_formats: ['openai'], base_url: p.url });
  const gone = await h.api('POST', '/api/downstreams/gone/fetch-models');
  assert.equal(gone.status, 502);
  assert.match(gone.body.error, /cannot reach downstream "gone"/);
});
