/**
 * The gateway loads undici's dispatchers without the whole package (start-up time): they must
 * be the package's own classes, and a dispatcher must carry the request API that undici's
 * index attaches.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { Agent, EnvHttpProxyAgent } from '../../src/upstream/undici.js';

// Runs first: before anything loads the whole package, which would attach the API itself.
test('a lean Agent sends a request and reads the answer', async () => {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`${req.method} ${req.url}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const agent = new Agent({ connect: { timeout: 2000 } });
  try {
    const { port } = server.address() as AddressInfo;
    const res = await agent.request({ origin: `http://127.0.0.1:${port}`, path: '/ping', method: 'GET' });
    assert.equal(res.statusCode, 200);
    assert.equal(await res.body.text(), 'GET /ping');
  } finally {
    await agent.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test('the lean Agent and EnvHttpProxyAgent are undici’s own classes', () => {
  const undici = createRequire(import.meta.url)('undici') as typeof import('undici');
  assert.equal(Agent, undici.Agent);
  assert.equal(EnvHttpProxyAgent, undici.EnvHttpProxyAgent);
});
