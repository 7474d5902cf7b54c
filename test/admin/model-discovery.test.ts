import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { discoverModels, modelListUrl } from '../../src/admin/model-discovery.js';
import { ApiError } from '../../src/admin/router.js';
import type { DownstreamConfig } from '../../src/config/schema.js';

function ds(over: Partial<DownstreamConfig>): DownstreamConfig {
  return { id: 'd', api_formats: ['openai'], base_url: 'https://api.example.com', output_model_ids: [], ...over };
}

test('model list URLs follow the version rule and per-format URLs', () => {
  assert.equal(modelListUrl(ds({ base_url: 'https://api.openai.com/v1' }), 'openai').href, 'https://api.openai.com/v1/models');
  assert.equal(modelListUrl(ds({ base_url: 'https://api.openai.com/v1/' }), 'openai').href, 'https://api.openai.com/v1/models');
  assert.equal(modelListUrl(ds({ base_url: 'https://openrouter.ai/api' }), 'openai').href, 'https://openrouter.ai/api/v1/models');
  assert.equal(modelListUrl(ds({ base_url: 'https://api.anthropic.com' }), 'anthropic').href, 'https://api.anthropic.com/v1/models');
  assert.equal(modelListUrl(ds({ base_url: 'https://g.example.com' }), 'gemini').href, 'https://g.example.com/v1beta/models');
  assert.equal(modelListUrl(ds({ base_url: 'https://g.example.com/v1beta' }), 'gemini').href, 'https://g.example.com/v1beta/models');
  assert.equal(
    modelListUrl(ds({ base_url: 'https://a.example.com', format_urls: { anthropic: 'https://b.example.com/anthropic' } }), 'anthropic').href,
    'https://b.example.com/anthropic/v1/models',
  );
  assert.throws(
    () => modelListUrl(ds({ base_url: 'file:///etc/passwd' }), 'openai'),
    (e: unknown) => e instanceof ApiError && e.status === 400,
  );
});

test('a provider that does not answer in time is a 504; a redirect is not followed', async () => {
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/slow')) return; // never answers
    res.writeHead(302, { location: 'http://evil.example/steal' });
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const t0 = Date.now();
    await assert.rejects(discoverModels(ds({ base_url: `${base}/slow` }), 'none', 300), (e: unknown) => e instanceof ApiError && e.status === 504);
    assert.ok(Date.now() - t0 < 3000);
    await assert.rejects(
      discoverModels(ds({ base_url: base, api_key: 'sk-never-leaves-1234' }), 'none', 2000),
      (e: unknown) => e instanceof ApiError && e.status === 502 && /302/.test(e.message),
    );
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
