/**
 * Model discovery only calls the downstream's own configured URL (issue 8 §6): whatever the
 * provider answers (pagination tokens shaped like URLs, "next" links, redirects), every request
 * goes to the configured origin and model-list path, and the key goes nowhere else.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { discoverModels } from '../../src/admin/model-discovery.js';
import type { DownstreamConfig } from '../../src/config/schema.js';

interface Listener {
  url: string;
  seen: string[];
  server: Server;
}

async function listen(handler: (url: URL, n: number) => { status: number; body?: unknown; headers?: Record<string, string> }): Promise<Listener> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(req.url ?? '');
    const a = handler(new URL(req.url ?? '/', 'http://x'), seen.length);
    res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers });
    res.end(a.body === undefined ? '' : JSON.stringify(a.body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}

function close(l: Listener): Promise<void> {
  l.server.closeAllConnections();
  return new Promise((r) => l.server.close(() => r()));
}

const KEY = 'sk-discovery-never-elsewhere-1234';

test('pagination tokens and links that point elsewhere are only ever sent as query values to the configured URL', async () => {
  const elsewhere = await listen(() => ({ status: 200, body: { data: [{ id: 'stolen' }], models: [{ name: 'models/stolen' }] } }));
  const evilNext = `${elsewhere.url}/steal?x=1`;
  const provider = await listen((url, n) => {
    if (url.pathname === '/base/v1/models') {
      // Anthropic-style paging with a URL as the cursor, plus OpenAI-style "next" links
      return n < 3
        ? { status: 200, body: { data: [{ id: `claude-${n}` }], has_more: true, last_id: evilNext, next: evilNext, next_page_url: evilNext } }
        : { status: 200, body: { data: [{ id: 'claude-last' }], has_more: false } };
    }
    if (url.pathname === '/base/v1beta/models') {
      return n < 6 ? { status: 200, body: { models: [{ name: `models/gem-${n}` }], nextPageToken: evilNext } } : { status: 200, body: { models: [] } };
    }
    return { status: 404, body: {} };
  });
  try {
    const base: DownstreamConfig = { id: 'd', api_formats: ['anthropic'], base_url: `${provider.url}/base`, api_key: KEY, output_model_ids: [] };
    const a = await discoverModels(base, 'none', 3000);
    assert.deepEqual(a.models, ['claude-1', 'claude-2', 'claude-last']);
    const g = await discoverModels({ ...base, api_formats: ['gemini'] }, 'none', 3000);
    assert.deepEqual(g.models, ['gem-4', 'gem-5']);
    assert.equal(elsewhere.seen.length, 0, 'nothing was sent anywhere but the configured URL');
    for (const u of provider.seen) assert.match(u, /^\/base\/v1(beta)?\/models\?/, `request to ${u}`);
  } finally {
    await close(provider);
    await close(elsewhere);
  }
});

test('a redirect to another host is not followed, so the key is not sent there', async () => {
  const elsewhere = await listen(() => ({ status: 200, body: { data: [{ id: 'stolen' }] } }));
  const provider = await listen(() => ({ status: 307, headers: { location: `${elsewhere.url}/v1/models` } }));
  try {
    await assert.rejects(discoverModels({ id: 'd', api_formats: ['openai'], base_url: provider.url, api_key: KEY, output_model_ids: [] }, 'none', 3000), /307/);
    assert.equal(elsewhere.seen.length, 0);
  } finally {
    await close(provider);
    await close(elsewhere);
  }
});
