import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configSchema } from '../../src/config/schema.js';
import { Routing, globToRegExp, downstreamFormatFor } from '../../src/gateway/routing.js';
import { detectEndpoint } from '../../src/gateway/detect.js';
import { buildUpstreamUrl } from '../../src/upstream/client.js';
import { KeyRing, retryAfterMs } from '../../src/upstream/keys.js';

const cfg = configSchema.parse({
  downstreams: [
    { id: 'openai', api_formats: ['openai'], base_url: 'https://api.openai.com/v1', api_key: 'k1', output_model_ids: ['gpt-4o', 'shared'] },
    {
      id: 'anthropic',
      api_formats: ['anthropic'],
      base_url: 'https://api.anthropic.com',
      api_key: 'k2',
      output_model_ids: ['claude-sonnet-4-20250514', 'shared'],
    },
    { id: 'multi', api_formats: ['gemini', 'openai'], base_url: 'https://x.example', output_model_ids: [] },
  ],
  aliases: [
    {
      input_model_id: 'gpt-4o',
      options: [
        { id: 'a1', downstream_id: 'anthropic', output_model_id: 'claude-sonnet-4-20250514', is_active: true },
        { id: 'a2', downstream_id: 'openai', output_model_id: 'gpt-4o' },
      ],
    },
    { input_model_id: 'claude-.*', is_regex: true, options: [{ id: 'r1', downstream_id: 'anthropic', output_model_id: 'claude-sonnet-4-20250514' }] },
    {
      input_model_id: 'fb',
      fallback: true,
      options: [
        { id: 'f1', downstream_id: 'openai', output_model_id: 'gpt-4o' },
        { id: 'f2', downstream_id: 'anthropic', output_model_id: 'c', is_active: true },
        { id: 'f3', downstream_id: 'multi', output_model_id: 'm' },
      ],
    },
  ],
  rules: [
    { id: 'glob', pattern_path: '/v1beta/models/*' },
    { id: 'path', pattern_path: '/v1/chat/completions' },
    { id: 'path-model', pattern_path: '/v1/chat/completions', pattern_models: ['gpt-4o'] },
    { id: 'fmt', match_format: ['anthropic'], match_downstreams: ['openai'] },
    { id: 'off', pattern_path: '/v1/chat/completions', is_enabled: false },
  ],
});
const routing = new Routing(cfg);

test('model resolution: exact alias beats output_model_ids', () => {
  const r = routing.resolve('gpt-4o')!;
  assert.equal(r.primary.downstream.id, 'anthropic');
  assert.equal(r.primary.outputModel, 'claude-sonnet-4-20250514');
  assert.equal(r.fallbacks.length, 0, 'no fallback unless the group enables it');
});

test('model resolution: regex alias must match the whole name', () => {
  assert.equal(routing.resolve('claude-3-haiku')!.primary.option!.id, 'r1');
  assert.equal(routing.resolve('my-claude-3'), undefined);
});

test('model resolution: first downstream listing the model, else undefined', () => {
  assert.equal(routing.resolve('shared')!.primary.downstream.id, 'openai');
  assert.equal(routing.resolve('nope'), undefined);
});

test('fallback order starts at the active option and wraps', () => {
  const r = routing.resolve('fb')!;
  assert.deepEqual(
    [r.primary, ...r.fallbacks].map((t) => t.option!.id),
    ['f2', 'f3', 'f1'],
  );
});

test('rules: exact path + model > exact path > glob, disabled ignored', () => {
  assert.deepEqual(
    routing.matchRules('/v1/chat/completions', 'gpt-4o', 'openai', 'anthropic', 'anthropic').map((r) => r.id),
    ['path-model', 'path'],
  );
  assert.deepEqual(
    routing.matchRules('/v1beta/models/gemini-2.5-pro:streamGenerateContent', 'x', 'gemini', 'gemini', 'multi').map((r) => r.id),
    ['glob'],
  );
  assert.deepEqual(
    routing.matchRules('/v1/messages', 'x', 'anthropic', 'openai', 'openai').map((r) => r.id),
    ['fmt'],
  );
  assert.deepEqual(
    routing.matchRules('/v1/messages', 'x', 'anthropic', 'openai', 'anthropic').map((r) => r.id),
    [],
  );
});

test('glob: * matches any run of characters, other characters are literal', () => {
  assert.ok(globToRegExp('/v1/*').test('/v1/a/b'));
  assert.ok(!globToRegExp('/v1.x/*').test('/v1/x/a'));
});

test('downstream format: the client format when spoken, else the first', () => {
  const multi = routing.downstream('multi')!;
  assert.equal(downstreamFormatFor(multi, 'openai'), 'openai');
  assert.equal(downstreamFormatFor(multi, 'anthropic'), 'gemini');
});

test('/v1/models lists alias names and output models once', () => {
  const ids = routing.listModels().map((m) => m.id);
  assert.deepEqual(ids, ['gpt-4o', 'fb', 'shared', 'claude-sonnet-4-20250514']);
});

test('endpoint detection', () => {
  assert.deepEqual(detectEndpoint('POST', '/v1/chat/completions'), { kind: 'generate', format: 'openai' });
  assert.deepEqual(detectEndpoint('POST', '/v1beta/models/gemini-2.5-pro:streamGenerateContent'), {
    kind: 'generate',
    format: 'gemini',
    pathModel: 'gemini-2.5-pro',
    pathStream: true,
  });
  assert.deepEqual(detectEndpoint('POST', '/v1/models/gemini-2.5-flash:countTokens'), {
    kind: 'count_tokens',
    format: 'gemini',
    pathModel: 'gemini-2.5-flash',
  });
  assert.deepEqual(detectEndpoint('POST', '/v1/messages/count_tokens'), { kind: 'count_tokens', format: 'anthropic' });
  assert.equal(detectEndpoint('POST', '/v1/unknown'), undefined);
});

test('upstream URL: version segment rule', () => {
  assert.equal(buildUpstreamUrl('https://api.openai.com/v1', '/v1/chat/completions').href, 'https://api.openai.com/v1/chat/completions');
  assert.equal(buildUpstreamUrl('https://api.openai.com/', '/v1/chat/completions').href, 'https://api.openai.com/v1/chat/completions');
  assert.equal(buildUpstreamUrl('https://g.example/v1beta', '/v1beta/models/m:generateContent').href, 'https://g.example/v1beta/models/m:generateContent');
  assert.equal(buildUpstreamUrl('https://proxy.example/openai', '/v1/responses').href, 'https://proxy.example/openai/v1/responses');
});

test('key ring: round robin, a resting key is skipped, all resting gives the shortest rest', () => {
  const ring = new KeyRing(['a', 'b', 'c']);
  const t = 1_000_000;
  assert.deepEqual(
    ['a', 'b', 'c', 'a'].map(() => (ring.next(t) as { key: string }).key),
    ['a', 'b', 'c', 'a'],
  );
  ring.rest(1, 5000, t);
  assert.deepEqual(
    [0, 1, 2].map(() => (ring.next(t) as { key: string }).key),
    ['c', 'a', 'c'],
  );
  ring.rest(0, 3000, t);
  ring.rest(2, 8000, t);
  assert.deepEqual(ring.next(t), { restMs: 3000 });
  assert.equal((ring.next(t + 3000) as { key: string }).key, 'a');
});

test('retry-after: seconds, HTTP date, default', () => {
  assert.equal(retryAfterMs('7'), 7000);
  assert.equal(retryAfterMs(new Date(Date.now() + 10_000).toUTCString()) > 8000, true);
  assert.equal(retryAfterMs(undefined), 60_000);
});
