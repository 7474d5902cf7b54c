/**
 * The benchmark's mock provider must answer what the real providers answer, or the
 * translation cases would measure error paths: every answer, JSON and streamed, in each
 * format, decodes through that format's own decoder into the expected text, finish and usage.
 * Also checks that the benchmark's client requests decode as valid requests.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createMockProvider } from '../../bench/lib/mock-provider.js';
import { chunkText, clientRequest, REPLY_TEXT, streamEndMarker, WIRES, type Wire } from '../../bench/lib/wire.js';
import { formatModule } from '../../src/formats/registry.js';
import { ReasoningStore } from '../../src/ir/reasoning-store.js';
import type { StreamEvent } from '../../src/ir/types.js';
import { SseReader } from '../../src/util/sse.js';

let server: Server;
let base: string;

before(async () => {
  server = createMockProvider();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** What the gateway would send downstream: the request as the mock receives it. */
async function post(prefix: string, wire: Wire, stream: boolean): Promise<{ status: number; type: string; text: string }> {
  const r = clientRequest(wire, 'mock-model', stream);
  const res = await fetch(base + prefix + r.path, { method: 'POST', headers: r.headers, body: r.body });
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
}

function decodeStream(wire: Wire, text: string): StreamEvent[] {
  const decoder = formatModule(wire).createStreamDecoder({ reasoningStore: new ReasoningStore() });
  const reader = new SseReader();
  const events: StreamEvent[] = [];
  for (const sse of [...reader.push(text), ...reader.end()]) events.push(...decoder.push(sse));
  events.push(...decoder.end());
  return events;
}

for (const wire of WIRES) {
  test(`mock ${wire}: a JSON answer decodes to the reply text, a stop and usage`, async () => {
    const r = await post('', wire, false);
    assert.equal(r.status, 200);
    assert.match(r.type, /json/);
    const res = formatModule(wire).decodeResponse(JSON.parse(r.text), { reasoningStore: new ReasoningStore() });
    const text = res.parts.map((p) => (p.type === 'text' ? p.text : '')).join('');
    assert.equal(text, REPLY_TEXT);
    assert.equal(res.finishReason, 'stop');
    assert.ok((res.usage?.inputTokens ?? 0) > 0, 'usage carries input tokens');
  });

  test(`mock ${wire}: a stream of 7 chunks decodes to those chunks and one normal finish`, async () => {
    const r = await post('/c7', wire, true);
    assert.equal(r.status, 200);
    assert.match(r.type, /event-stream/);
    assert.ok(r.text.includes(streamEndMarker(wire)), 'the stream carries its end marker');
    const events = decodeStream(wire, r.text);
    const text = events.map((e) => (e.type === 'text' ? e.text : '')).join('');
    assert.equal(text, Array.from({ length: 7 }, (_, i) => chunkText(i)).join(''));
    const terminal = events.filter((e) => e.type === 'finish' || e.type === 'error');
    assert.deepEqual(
      terminal.map((e) => e.type),
      ['finish'],
    );
  });

  test(`bench client request in ${wire} decodes as a valid request`, () => {
    const r = clientRequest(wire, 'bench-model', false);
    const m = /models\/([^:]+):/.exec(r.path);
    const ir = formatModule(wire).decodeRequest(JSON.parse(r.body), { pathModel: m?.[1], pathStream: false });
    assert.ok(ir.messages.length >= 1);
  });
}

test('mock: a per-chunk delay spaces the chunks out (the first one too)', async () => {
  const t0 = performance.now();
  const r = await post('/c3/d20', 'anthropic', true);
  const took = performance.now() - t0;
  assert.equal(r.status, 200);
  assert.ok(took >= 55, `3 chunks 20 ms apart took ${took.toFixed(0)} ms`);
});

test('mock: unknown routes are 404', async () => {
  const res = await fetch(base + '/v1/nothing', { method: 'POST', body: '{}' });
  assert.equal(res.status, 404);
  await res.text();
});
