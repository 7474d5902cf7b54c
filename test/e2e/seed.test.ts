/**
 * The user's scenario (shared/seed/transparent-provider-switching.txt) exactly as the README
 * walks through it: the real `tresor` binary, the README's config, an unchanged `openai` SDK
 * app, switching providers back and forth, and the mirror case with `@anthropic-ai/sdk`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../helpers/daemon.js';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startMockProvider, type MockProvider } from '../mocks/server.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

let mock: MockProvider;
let daemon: ChildProcess;
let dir: string;
let base: string;
let configPath: string;
let output = '';

before(async () => {
  mock = await startMockProvider((r) =>
    r.format === 'anthropic'
      ? { model: String(r.body.model), text: 'Hello from Claude!', usage: { input: 12, output: 5 } }
      : { model: String(r.body.model), text: 'Hello from GPT-4o!', usage: { input: 12, output: 5 } },
  );
  dir = mkdtempSync(join(tmpdir(), 'tresor-seed-'));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  configPath = join(dir, 'config.yaml');
  // The README's walkthrough config, with the provider URLs pointed at the local mock.
  writeFileSync(
    configPath,
    `bind_addr: "127.0.0.1:${port}"
db_path: "${join(dir, 'tresor.db')}"
proxy_api_keys: [sk-proxy-123]     # the key your apps present to Tresor

downstreams:
  - id: openai
    name: OpenAI
    api_formats: [openai]
    base_url: ${mock.url}/v1
    api_key: \${OPENAI_API_KEY}
    output_model_ids: [gpt-4o]

  - id: anthropic
    name: Anthropic
    api_formats: [anthropic]
    base_url: ${mock.url}
    api_key: \${ANTHROPIC_API_KEY}
    output_model_ids: [claude-sonnet-4-20250514]

# The switch: apps ask for gpt-4o; the active option decides who answers.
aliases:
  - input_model_id: gpt-4o
    options:
      - id: gpt4o-via-anthropic
        downstream_id: anthropic
        output_model_id: claude-sonnet-4-20250514
        is_active: true
      - id: gpt4o-via-openai
        downstream_id: openai
        output_model_id: gpt-4o
  - input_model_id: claude-app
    options:
      - id: claude-app-via-openai
        downstream_id: openai
        output_model_id: gpt-4o

rules:
  - id: chat-anthropic
    name: Chat Completions -> Anthropic
    pattern_path: /v1/chat/completions
    match_format: [openai]
    match_downstream_format: [anthropic]
    match_downstreams: [anthropic]
    pipeline_config:
      - plugin_id: openai2anthropic
        is_enabled: true
`,
  );
  daemon = spawn(process.execPath, [join(ROOT, 'bin/tresor.js'), 'run', '--config', configPath], {
    env: { ...process.env, OPENAI_API_KEY: 'sk-proj-openai-secret-1111', ANTHROPIC_API_KEY: 'sk-ant-secret-2222', TRESOR_ADMIN_PASSWORD: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  daemon.stdout!.on('data', (d) => (output += d));
  daemon.stderr!.on('data', (d) => (output += d));
  const t0 = Date.now();
  for (;;) {
    if (Date.now() - t0 > 15_000) throw new Error(`daemon did not become healthy:\n${output}`);
    try {
      const r = await fetch(`${base}/api/health`);
      if (r.ok) {
        assert.deepEqual(await r.json(), { status: 'ok' });
        break;
      }
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
});

after(async () => {
  if (daemon && daemon.exitCode === null) daemon.kill('SIGKILL');
  await mock?.close();
  rmSync(dir, { recursive: true, force: true });
});

const app = () => new OpenAI({ baseURL: `${base}/v1`, apiKey: 'sk-proxy-123', maxRetries: 0 });

test('an unchanged openai SDK app asking for gpt-4o is answered by Anthropic (non-streaming and streaming)', async () => {
  const n0 = mock.requests.length;
  const r = await app().chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hello!' }] });
  assert.equal(r.choices[0].message.content, 'Hello from Claude!');
  assert.equal(r.model, 'gpt-4o', 'the app sees the model it asked for');
  let streamed = '';
  for await (const c of await app().chat.completions.create({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'Hello!' }] }))
    streamed += c.choices[0]?.delta?.content ?? '';
  assert.equal(streamed, 'Hello from Claude!');
  for (const req of mock.requests.slice(n0)) {
    assert.equal(req.format, 'anthropic');
    assert.deepEqual(req.problems, [], 'converted once, valid for Anthropic');
    assert.equal((req.body as { model: string }).model, 'claude-sonnet-4-20250514');
    assert.equal(req.headers['x-api-key'], 'sk-ant-secret-2222');
    assert.equal(req.headers.authorization, undefined, "the app's key is never forwarded");
  }
});

test('one command switches every app to OpenAI, and back; the file keeps the choice', async () => {
  const cli = (...args: string[]) =>
    new Promise<{ code: number | null; out: string }>((resolve) => {
      const p = spawn(process.execPath, [join(ROOT, 'bin/tresor.js'), '--config', configPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      p.stdout.on('data', (d) => (out += d));
      p.stderr.on('data', (d) => (out += d));
      p.on('exit', (code) => resolve({ code, out }));
    });
  const sw = await cli('alias', 'activate', 'gpt4o-via-openai');
  assert.equal(sw.code, 0, sw.out);
  const r = await app().chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hello!' }] });
  assert.equal(r.choices[0].message.content, 'Hello from GPT-4o!');
  assert.equal(mock.requests.at(-1)!.format, 'openai');
  assert.equal(mock.requests.at(-1)!.headers.authorization, 'Bearer sk-proj-openai-secret-1111');
  const yaml = readFileSync(configPath, 'utf8');
  assert.match(yaml, /- id: gpt4o-via-openai\n\s+downstream_id: openai\n\s+output_model_id: gpt-4o\n\s+is_active: true/);
  assert.match(yaml, /# The switch: apps ask for gpt-4o/, 'comments kept');
  assert.match(yaml, /api_key: \$\{OPENAI_API_KEY\}/, 'env references kept, never the secret');
  const back = await fetch(`${base}/api/aliases/gpt4o-via-anthropic/activate`, { method: 'PUT' });
  assert.equal(back.status, 200);
  const r2 = await app().chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hello!' }] });
  assert.equal(r2.choices[0].message.content, 'Hello from Claude!');
});

test('the mirror case: an @anthropic-ai/sdk app served by an OpenAI-format downstream', async () => {
  const client = new Anthropic({ baseURL: base, apiKey: 'sk-proxy-123', maxRetries: 0 });
  const m = await client.messages.create({ model: 'claude-app', max_tokens: 100, messages: [{ role: 'user', content: 'Hello!' }] });
  assert.equal(m.content[0].type === 'text' && m.content[0].text, 'Hello from GPT-4o!');
  assert.equal(m.stop_reason, 'end_turn');
  assert.equal(mock.requests.at(-1)!.format, 'openai');
  assert.deepEqual(mock.requests.at(-1)!.problems, []);
  const s = client.messages.stream({ model: 'claude-app', max_tokens: 100, messages: [{ role: 'user', content: 'Hello!' }] });
  const final = await s.finalMessage();
  assert.equal(final.content[0].type === 'text' && final.content[0].text, 'Hello from GPT-4o!');
});

test('under load every request gets exactly one stdout line, whole, also once the write thread writes them (stdout a pipe)', async () => {
  const ids: string[] = [];
  const body = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hello!' }] });
  const headers = { 'content-type': 'application/json', authorization: 'Bearer sk-proxy-123' };
  // waves of 100 at once: the first batch of 128 entries moves the SQLite writes (and from
  // then on the request lines) to the write thread
  for (let wave = 0; wave < 6; wave++) {
    const rs = await Promise.all(Array.from({ length: 100 }, () => fetch(`${base}/v1/chat/completions`, { method: 'POST', headers, body })));
    for (const r of rs) {
      assert.equal(r.status, 200);
      ids.push(r.headers.get('x-tresor-request-id')!);
      await r.arrayBuffer();
    }
  }
  const lineIds = () =>
    output
      .split('\n')
      .filter((l) => l.includes('"msg":"request"'))
      .map((l) => (JSON.parse(l) as { id: string }).id);
  const t0 = Date.now();
  // the write thread writes them with each batch: within the 1 s flush interval
  while (ids.some((id) => !lineIds().includes(id)) && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 100));
  const seen = lineIds();
  for (const id of ids) assert.equal(seen.filter((x) => x === id).length, 1, `one line for ${id}`);
});

test('secrets never reach the daemon log; SIGTERM drains and exits 0', async () => {
  const exited = new Promise<number | null>((r) => daemon.on('exit', (code) => r(code)));
  daemon.kill('SIGTERM');
  assert.equal(await exited, 0);
  // the request lines are there (written in batches, the last ones at shutdown)…
  const requestLines = output.split('\n').filter((l) => l.includes('"msg":"request"'));
  assert.ok(requestLines.length >= 4, `request lines on stdout: ${requestLines.length}`);
  assert.equal((JSON.parse(requestLines[0]) as { level: string }).level, 'info');
  // …and no secret is anywhere in the output
  assert.doesNotMatch(output, /sk-ant-secret-2222|sk-proj-openai-secret-1111|sk-proxy-123/);
});
