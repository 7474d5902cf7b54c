import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startMockProvider } from '../mocks/server.js';
import { startTestDaemon } from '../helpers/daemon.js';

test('shutdown ends live log viewers as it begins, while a request is still draining', async () => {
  const slow = await startMockProvider(undefined, { chunkDelayMs: 150 });
  const gw = await startTestDaemon({
    downstreams: [{ id: 'a', api_formats: ['anthropic'], base_url: slow.url, api_key: 'k-1234567890', output_model_ids: ['m'] }],
  });
  try {
    slow.respond(() => ({ model: 'm', text: 'a b c d e f g h' }));
    const viewer = await fetch(`${gw.url}/api/logs/stream`);
    assert.equal(viewer.status, 200);
    const ended = viewer.text().then(() => Date.now());
    const inflight = fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'm', max_tokens: 50, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    }).then(async (r) => {
      await r.text();
      return Date.now();
    });
    await new Promise((r) => setTimeout(r, 200));
    const closing = gw.daemon.close(10_000);
    const [viewerEnd, requestEnd] = await Promise.all([ended, inflight]);
    assert.ok(viewerEnd < requestEnd, 'the viewer was ended before the in-flight stream finished');
    await closing;
  } finally {
    await slow.close();
  }
});
