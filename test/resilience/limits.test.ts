/**
 * Limits with clear answers (issue 8 §2): slow and idle clients cannot hold sockets, oversized
 * headers and URLs get 431/414 instead of a hang, keep-alive sockets close when idle, and a
 * client that stops reading a stream makes the gateway stop reading the downstream.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { request, type IncomingMessage } from 'node:http';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { sleep, sseHead, startFaultServer, streamFrames, waitFor, type FaultServer } from './fault-server.js';

/** Open a raw socket and collect what the server sends until it closes the connection. */
function rawSocket(port: number): { socket: Socket; received: () => string; closed: Promise<number> } {
  const t0 = performance.now();
  const socket = connect(port, '127.0.0.1');
  let got = '';
  socket.on('data', (d) => (got += d.toString('latin1')));
  socket.on('error', () => {});
  const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(performance.now() - t0)));
  return { socket, received: () => got, closed };
}

/** Resolves with the elapsed ms when `p` settles, or -1 after `ms`. */
function within(p: Promise<number>, ms: number): Promise<number> {
  return Promise.race([p, sleep(ms).then(() => -1)]);
}

describe('server timeouts against slow and idle clients', () => {
  let gw: TestDaemon;
  before(async () => {
    gw = await startTestDaemon({ headers_timeout_ms: 400, request_timeout_ms: 800, keep_alive_timeout_ms: 300, downstreams: [] });
  });
  after(() => gw.close());

  test('a client sending headers byte by byte is cut off after headers_timeout_ms with 408', async () => {
    const c = rawSocket(gw.daemon.port);
    const header = `GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ${'a'.repeat(400)}\r\n\r\n`;
    let i = 0;
    // one byte every 20 ms: the whole header would take 8+ s, each byte well inside any idle timer
    const drip = setInterval(() => {
      if (i < header.length && !c.socket.destroyed) c.socket.write(header[i++]);
    }, 20);
    const ms = await within(c.closed, 3000);
    clearInterval(drip);
    c.socket.destroy();
    assert.ok(ms > 0, 'the server still held the dripping socket after 3 s');
    assert.ok(ms >= 350, `closed too early (${ms.toFixed(0)} ms)`);
    assert.match(c.received(), /^HTTP\/1\.1 408 /);
  });

  test('a connection that never sends a request is closed after headers_timeout_ms', async () => {
    const c = rawSocket(gw.daemon.port);
    const ms = await within(c.closed, 3000);
    c.socket.destroy();
    assert.ok(ms > 0 && ms < 2500, `idle socket closed after ${ms.toFixed(0)} ms`);
  });

  test('a client dribbling its body is cut off after request_timeout_ms', async () => {
    const c = rawSocket(gw.daemon.port);
    c.socket.write('POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{');
    const drip = setInterval(() => !c.socket.destroyed && c.socket.write(' '), 50);
    const ms = await within(c.closed, 4000);
    clearInterval(drip);
    c.socket.destroy();
    assert.ok(ms > 0, 'the server still held the slow-body socket after 4 s');
    assert.ok(ms >= 700, `closed too early (${ms.toFixed(0)} ms)`);
  });

  test('an idle keep-alive socket is closed after keep_alive_timeout_ms', async () => {
    const c = rawSocket(gw.daemon.port);
    c.socket.write('GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    const ms = await within(c.closed, 4000);
    c.socket.destroy();
    assert.match(c.received(), /^HTTP\/1\.1 200 /);
    assert.match(c.received(), /keep-alive/i);
    // Node keeps the socket about one second past the advertised timeout (a race margin)
    assert.ok(ms >= 300 && ms < 2500, `keep-alive socket closed after ${ms.toFixed(0)} ms`);
  });
});

describe('header and URL size limits', () => {
  let gw: TestDaemon;
  before(async () => {
    gw = await startTestDaemon({ downstreams: [] });
  });
  after(() => gw.close());

  test('headers larger than the limit get 431 and the socket closes', async () => {
    const c = rawSocket(gw.daemon.port);
    c.socket.write(`GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'b'.repeat(70 * 1024)}\r\n\r\n`);
    const ms = await within(c.closed, 3000);
    c.socket.destroy();
    assert.ok(ms > 0, 'no answer, socket left open');
    assert.match(c.received(), /^HTTP\/1\.1 431 /);
  });

  test('a URL over the limit gets 414 in the client format, on gateway and admin paths', async () => {
    const long = 'q='.padEnd(20 * 1024, 'x');
    const r1 = await fetch(`${gw.url}/v1/messages?${long}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: '{}',
    });
    assert.equal(r1.status, 414);
    const b1 = (await r1.json()) as { type: string; error: { message: string } };
    assert.equal(b1.type, 'error', 'Anthropic error shape');
    assert.match(b1.error.message, /URL/);
    const r2 = await fetch(`${gw.url}/v1beta/models/m:generateContent?${long}`, { method: 'POST', body: '{}' });
    assert.equal(r2.status, 414);
    assert.equal(((await r2.json()) as { error: { code: number } }).error.code, 414, 'Gemini error shape');
    const r3 = await fetch(`${gw.url}/api/health?${long}`);
    assert.equal(r3.status, 414);
    await r3.arrayBuffer();
  });

  test('a normal request still works after the refusals', async () => {
    const r = await fetch(`${gw.url}/api/health`);
    assert.equal(r.status, 200);
    await r.arrayBuffer();
  });
});

/** An OpenAI chat chunk carrying `size` characters of text. */
function openaiFrame(size: number): (i: number) => string {
  const text = 'x'.repeat(size);
  return (i) =>
    `data: {"id":"chatcmpl-bp","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"${i % 10}${text}"},"finish_reason":null}]}\n\n`;
}
const OPENAI_TAIL =
  'data: {"id":"chatcmpl-bp","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n';

const ANTHROPIC_HEAD =
  'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_bp","type":"message","role":"assistant","model":"m","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":1,"output_tokens":1}}}\n\n' +
  'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n';
function anthropicFrame(size: number): (i: number) => string {
  const text = 'y'.repeat(size);
  return (i) =>
    (i === 0 ? ANTHROPIC_HEAD : '') +
    `event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"${i % 10}${text}"}}\n\n`;
}
const ANTHROPIC_TAIL =
  'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n' +
  'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":5}}\n\n' +
  'event: message_stop\ndata: {"type":"message_stop"}\n\n';

describe('backpressure: a client that stops reading stops the downstream read', () => {
  // The provider would send ~800 MB; the gateway may buffer only what the sockets on the way hold.
  const FRAMES = 100_000;
  const FRAME_BYTES = 8192;
  const BOUND_BYTES = 32 * 1024 * 1024;
  let fs: FaultServer;
  let gw: TestDaemon;
  before(async () => {
    fs = await startFaultServer();
    gw = await startTestDaemon({
      downstreams: [
        { id: 'oai', api_formats: ['openai'], base_url: `${fs.url}/v1`, api_key: 'k-123456789', output_model_ids: ['pass'] },
        { id: 'ant', api_formats: ['anthropic'], base_url: fs.url, api_key: 'k-123456789', output_model_ids: ['conv'] },
      ],
    });
  });
  after(async () => {
    await gw.close();
    await fs.close();
  });

  for (const [model, label] of [
    ['pass', 'pass-through (openai → openai)'],
    ['conv', 'converted (openai → anthropic)'],
  ] as const) {
    test(`${label}: the downstream's writes stall while the client is paused, and resume after`, async () => {
      fs.framesWritten = 0;
      fs.handle(async (_q, res) => {
        sseHead(res);
        if (model === 'pass') await streamFrames(fs, res, openaiFrame(FRAME_BYTES), FRAMES, OPENAI_TAIL);
        else await streamFrames(fs, res, anthropicFrame(FRAME_BYTES), FRAMES, ANTHROPIC_TAIL);
      });
      const heapBefore = process.memoryUsage().heapUsed;
      const res = await new Promise<IncomingMessage>((resolve, reject) => {
        const req = request(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' } }, resolve);
        req.on('error', reject);
        req.end(JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: 'hi' }] }));
      });
      assert.equal(res.statusCode, 200);
      res.pause();
      try {
        await expectStallThenResume(res, heapBefore);
      } finally {
        res.destroy();
      }
    });
  }

  async function expectStallThenResume(res: IncomingMessage, heapBefore: number): Promise<void> {
    // wait until the downstream's frame count stops moving for a second (every buffer on the
    // way is full); without backpressure it runs past the bound instead
    let last = -1;
    let stableSince = performance.now();
    const settled = await waitFor(
      () => {
        if (fs.framesWritten * FRAME_BYTES >= BOUND_BYTES) return true;
        if (fs.framesWritten !== last) {
          last = fs.framesWritten;
          stableSince = performance.now();
        }
        return performance.now() - stableSince > 1000;
      },
      15_000,
      20,
    );
    const stalledAt = fs.framesWritten;
    const mb = (frames: number) => ((frames * FRAME_BYTES) / 1048576).toFixed(0);
    assert.ok(stalledAt * FRAME_BYTES < BOUND_BYTES, `the gateway kept reading: ${stalledAt} frames (${mb(stalledAt)} MB) written while the client was paused`);
    assert.ok(settled, `the downstream never stalled (${stalledAt} frames written)`);
    await sleep(500);
    assert.ok(fs.framesWritten * FRAME_BYTES < BOUND_BYTES, `frames kept flowing while the client was paused (${mb(fs.framesWritten)} MB)`);
    const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
    assert.ok(heapGrowth < BOUND_BYTES, `heap grew by ${(heapGrowth / 1048576).toFixed(1)} MB while paused`);

    // reading again lets the downstream continue
    let bytes = 0;
    res.on('data', (d: Buffer) => (bytes += d.length));
    res.resume();
    const resumed = await waitFor(() => fs.framesWritten > stalledAt + 500, 10_000, 10);
    assert.ok(resumed, `the downstream did not resume (${fs.framesWritten} frames)`);
    assert.ok(bytes > 0);
    res.destroy();
    assert.ok(await waitFor(() => fs.requests.at(-1)?.abortedAt !== undefined, 2000), 'the downstream request was aborted with the client');
  }
});
