import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import { SseReader, type SseEvent } from '../../src/util/sse.js';
import { ApiError, type AdminRequest } from '../../src/admin/router.js';
import type { LogEntry } from '../../src/observe/types.js';
import { get, makeEntry, nextTurn, startHarness, waitFor, type Harness } from './harness.js';

const DOWNSTREAMS = `downstreams:
  - id: a
    api_formats: [openai]
    base_url: http://127.0.0.1:9
  - id: b
    api_formats: [anthropic]
    base_url: http://127.0.0.1:9
  - id: idle
    api_formats: [gemini]
    base_url: http://127.0.0.1:9
`;

interface LogPageBody {
  entries: LogEntry[];
  next_before: number | null;
}

test('GET /api/logs pages newest first through memory and SQLite, with filters', async () => {
  const h = await startHarness({ options: { ringSize: 8, flushIntervalMs: 60_000 } });
  try {
    const ids: string[] = [];
    for (let i = 0; i < 25; i++) {
      const e = makeEntry({ downstream_id: i % 5 === 0 ? 'b' : 'a', model: i % 2 ? 'm-odd' : 'm-even', status: i === 3 ? 429 : i === 4 ? 502 : 200 });
      ids.push(e.id);
      h.obs.observer.finished(e);
      if (i === 19) h.obs.observer.flush();
    }
    const seen: string[] = [];
    let url = `${h.url}/api/logs?limit=10`;
    for (;;) {
      const r = await get(url);
      assert.equal(r.status, 200);
      const body = r.json() as LogPageBody;
      seen.push(...body.entries.map((e) => e.id));
      if (body.next_before === null) break;
      url = `${h.url}/api/logs?limit=10&before=${body.next_before}`;
    }
    assert.deepEqual(seen, [...ids].reverse());

    const b = (await get(`${h.url}/api/logs?downstream=b`)).json() as LogPageBody;
    assert.deepEqual(
      b.entries.map((e) => e.id),
      [ids[20], ids[15], ids[10], ids[5], ids[0]],
    );
    const errors = (await get(`${h.url}/api/logs?status=error`)).json() as LogPageBody;
    assert.deepEqual(
      errors.entries.map((e) => e.status),
      [502, 429],
    );
    const fiveXx = (await get(`${h.url}/api/logs?status=5xx&model=m-even`)).json() as LogPageBody;
    assert.deepEqual(
      fiveXx.entries.map((e) => e.id),
      [ids[4]],
    );
    const exact = (await get(`${h.url}/api/logs?status=429`)).json() as LogPageBody;
    assert.equal(exact.entries.length, 1);

    const bad = await get(`${h.url}/api/logs?limit=0`);
    assert.equal(bad.status, 400);
    assert.equal((bad.json() as { field: string }).field, 'limit');
    const badStatus = await get(`${h.url}/api/logs?status=teapot`);
    assert.equal(badStatus.status, 400);
    assert.equal((badStatus.json() as { field: string }).field, 'status');
  } finally {
    await h.close();
  }
});

test('GET /api/logs/{id} returns the entry with its four captured bodies, or nulls', async () => {
  const h = await startHarness({ options: { flushIntervalMs: 60_000 } });
  try {
    const captured = makeEntry({ stream: true });
    const plain = makeEntry();
    const sse = 'event: message_start\ndata: {"type":"message_start"}\n\nevent: message_stop\ndata: {"type":"message_stop"}\n\n';
    h.obs.observer.finished(captured, {
      client_request: { body: '{"model":"gpt-4o","stream":true}', truncated: false },
      downstream_request: { body: '{"model":"claude-sonnet-4-20250514","stream":true}', truncated: false },
      downstream_response: { body: sse, truncated: false },
      client_response: { body: 'data: {"choices":[]}\n\ndata: [DONE]\n\n', truncated: true },
      client_headers: { authorization: 'Bearer sk-…1234' },
    });
    h.obs.observer.finished(plain);

    const check = async () => {
      const r = await get(`${h.url}/api/logs/${captured.id}`);
      assert.equal(r.status, 200);
      const body = r.json() as LogEntry & { payloads: Record<string, { body: string; truncated: boolean } | null> };
      assert.equal(body.id, captured.id);
      assert.equal(body.stream, true);
      assert.deepEqual(body.payloads.client_request, { body: '{"model":"gpt-4o","stream":true}', truncated: false });
      assert.equal(body.payloads.downstream_request?.body, '{"model":"claude-sonnet-4-20250514","stream":true}');
      assert.equal(body.payloads.downstream_response?.body, sse);
      assert.equal(body.payloads.client_response?.truncated, true);
      assert.deepEqual(body.payloads.client_headers, { authorization: 'Bearer sk-…1234' });
    };
    await check(); // from memory (not yet written)
    h.obs.observer.flush();
    h.obs.observer.prune(); // the retention run saves the captures to SQLite
    assert.equal(h.obs.log!.payloads(captured.id)?.downstream_response?.body, sse, 'saved for the next start');
    await check();

    const none = (await get(`${h.url}/api/logs/${plain.id}`)).json() as { payloads: Record<string, unknown> };
    assert.deepEqual(none.payloads, { client_request: null, downstream_request: null, downstream_response: null, client_response: null });
    const missing = await get(`${h.url}/api/logs/nope`);
    assert.equal(missing.status, 404);
  } finally {
    await h.close();
  }
});

interface SseClient {
  events: SseEvent[];
  raw: string;
  comments: number;
  ended: Promise<void>;
  close(): void;
}

function openStream(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    const reader = new SseReader();
    const client: SseClient = { events: [], raw: '', comments: 0, ended: Promise.resolve(), close: () => req.destroy() };
    let endResolve: () => void = () => {};
    client.ended = new Promise((r) => (endResolve = r));
    const req = request(url, { headers }, (res) => {
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), /^text\/event-stream/);
      res.on('data', (chunk: Buffer) => {
        const text = chunk.toString('utf8');
        client.raw += text;
        client.comments += (text.match(/^: ping$/gm) ?? []).length;
        client.events.push(...reader.pushBytes(chunk));
      });
      res.on('end', endResolve);
      res.on('close', endResolve);
      resolve(client);
    });
    req.on('error', (e) => {
      endResolve();
      reject(e);
    });
    req.end();
  });
}

function entriesOf(c: SseClient, kind = 'entry'): LogEntry[] {
  return c.events.filter((e) => e.event === kind).map((e) => JSON.parse(e.data) as LogEntry);
}

test('SSE: filtered live entries, started updates, replay=N and heartbeats', async () => {
  const h = await startHarness({ options: { heartbeatMs: 40 } });
  try {
    for (let i = 0; i < 6; i++) h.obs.observer.finished(makeEntry({ id: `old-${i}`, downstream_id: i % 2 ? 'a' : 'b' }));
    await nextTurn();
    const all = await openStream(`${h.url}/api/logs/stream`);
    const onlyA = await openStream(`${h.url}/api/logs/stream?downstream=a&replay=2`);
    const errors = await openStream(`${h.url}/api/logs/stream?status=error`);
    await waitFor(() => entriesOf(onlyA).length === 2, 2000, 'replay');
    assert.deepEqual(
      entriesOf(onlyA).map((e) => e.id),
      ['old-3', 'old-5'],
      'replay: the newest N matching, oldest first',
    );
    assert.equal(entriesOf(all).length, 0, 'no replay unless asked');

    const streaming = makeEntry({ id: 'live-stream', downstream_id: 'a', stream: true, status: 200 });
    h.obs.observer.started?.({ ...streaming, ttfb_ms: 5 });
    h.obs.observer.finished(streaming);
    h.obs.observer.finished(makeEntry({ id: 'live-b-500', downstream_id: 'b', status: 500, error: 'upstream\nbroke' }));
    await waitFor(() => entriesOf(all).length === 2 && entriesOf(onlyA).length === 3 && entriesOf(errors).length === 1, 2000, 'live entries');
    assert.deepEqual(
      entriesOf(onlyA).map((e) => e.id),
      ['old-3', 'old-5', 'live-stream'],
    );
    assert.deepEqual(
      entriesOf(errors).map((e) => e.id),
      ['live-b-500'],
    );
    assert.equal(entriesOf(errors)[0].error, 'upstream\nbroke');
    const started = entriesOf(onlyA, 'started');
    assert.equal(started.length, 1);
    assert.equal(started[0].state, 'started');
    assert.equal(started[0].id, 'live-stream');
    assert.equal(entriesOf(errors, 'started').length, 0);
    assert.equal(entriesOf(all).find((e) => e.id === 'live-stream')?.state, undefined);
    await waitFor(() => all.comments >= 2, 2000, 'heartbeats');
    assert.equal(h.obs.live.count, 3);
    all.close();
    await waitFor(() => h.obs.live.count === 2, 2000, 'viewer detached');
    onlyA.close();
    errors.close();
  } finally {
    await h.close();
  }
});

test('SSE: a reconnecting browser resumes after Last-Event-ID', async () => {
  const h = await startHarness();
  try {
    for (let i = 0; i < 5; i++) h.obs.observer.finished(makeEntry({ id: `e-${i}` }));
    await nextTurn();
    const first = await openStream(`${h.url}/api/logs/stream?replay=5`);
    await waitFor(() => entriesOf(first).length === 5);
    assert.match(first.raw, /^id: 3\nevent: entry\ndata: \{"id":"e-2"/m, 'entries carry their cursor as the SSE id');
    first.close();
    const again = await openStream(`${h.url}/api/logs/stream`, { 'last-event-id': '3' });
    await waitFor(() => entriesOf(again).length === 2);
    assert.deepEqual(
      entriesOf(again).map((e) => e.id),
      ['e-3', 'e-4'],
    );
    again.close();
  } finally {
    await h.close();
  }
});

test('SSE: a viewer that stops reading is dropped while others keep up and requests keep flowing', async () => {
  const h = await startHarness({ options: { maxBufferedBytes: 64 * 1024, flushIntervalMs: 60_000, ringSize: 100, sendIntervalMs: 1, eventsPerSend: 10_000 } });
  try {
    const fast = await openStream(`${h.url}/api/logs/stream?model=fast`);
    const slow = connect(Number(new URL(h.url).port), '127.0.0.1');
    let slowClosed = false;
    slow.on('close', () => (slowClosed = true));
    slow.on('error', () => {});
    await new Promise<void>((r) => slow.once('connect', () => r()));
    slow.write('GET /api/logs/stream HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n');
    slow.pause(); // never read: the kernel buffers fill, then the server-side buffer
    await waitFor(() => h.obs.live.count === 2, 2000, 'both viewers');

    const big = 'x'.repeat(16 * 1024);
    let fastSent = 0;
    for (let round = 0; round < 200 && h.obs.live.count === 2; round++) {
      for (let i = 0; i < 20; i++) h.obs.observer.finished(makeEntry({ model: 'bulk', error: big }));
      h.obs.observer.finished(makeEntry({ model: 'fast', id: `fast-${round}` }));
      fastSent++;
      await nextTurn();
      await new Promise((r) => setTimeout(r, 3)); // a send tick
    }
    assert.equal(h.obs.live.count, 1, 'slow viewer dropped');
    slow.resume();
    slow.on('data', () => {});
    await waitFor(() => slowClosed, 5000, 'slow viewer disconnected');
    await waitFor(() => entriesOf(fast).length === fastSent, 5000, 'fast viewer has every entry');
    assert.match(await h.obs.metrics.text(), /tresor_log_viewers_dropped_total 1/);
    fast.close();
  } finally {
    await h.close();
  }
});

test('SSE: under heavy traffic a send shares its event budget between viewers, newest first, and counts what it skipped', async () => {
  const h = await startHarness({ options: { sendIntervalMs: 50, eventsPerSend: 10 } });
  try {
    const viewers = [await openStream(`${h.url}/api/logs/stream`), await openStream(`${h.url}/api/logs/stream`)];
    await waitFor(() => h.obs.live.count === 2);
    for (let i = 0; i < 50; i++) h.obs.observer.finished(makeEntry({ id: `burst-${i}` }));
    for (const viewer of viewers) {
      await waitFor(() => entriesOf(viewer).length === 5, 2000, 'the newest five (10 events per send, 2 viewers)');
      assert.deepEqual(
        entriesOf(viewer).map((e) => e.id),
        ['burst-45', 'burst-46', 'burst-47', 'burst-48', 'burst-49'],
      );
      assert.match(viewer.raw, /event: skipped\ndata: \{"count":45\}\n\n/);
      assert.ok(viewer.raw.indexOf('event: skipped') < viewer.raw.indexOf('burst-45'), 'the count comes before the entries it precedes');
    }
    // history still has every one of them
    const page = (await get(`${h.url}/api/logs?limit=100`)).json() as { entries: LogEntry[] };
    assert.equal(page.entries.filter((e) => e.id.startsWith('burst-')).length, 50);
    for (const v of viewers) v.close();
  } finally {
    await h.close();
  }
});

test('SSE viewers are ended when the daemon closes', async () => {
  const h = await startHarness();
  const viewer = await openStream(`${h.url}/api/logs/stream`);
  await waitFor(() => h.obs.live.count === 1);
  await h.close();
  await viewer.ended;
  assert.equal(h.obs.live.count, 0);
});

test('GET /metrics exposes request, latency, TTFB, token, in-flight and upstream error metrics', async () => {
  const h = await startHarness({ options: { processMetrics: true } });
  try {
    h.obs.observer.finished(
      makeEntry({
        client_format: 'anthropic',
        downstream_id: 'a',
        model: 'claude-x',
        status: 200,
        ttfb_ms: 30,
        duration_ms: 1200,
        usage: { input_tokens: 100, output_tokens: 40, cache_read_tokens: 7, cache_creation_tokens: 3, reasoning_tokens: 11 },
        attempts: [
          { downstream_id: 'b', status: 503, duration_ms: 10, error: 'overloaded' },
          { downstream_id: 'a', status: 200, duration_ms: 1100 },
        ],
      }),
    );
    h.obs.observer.finished(makeEntry({ client_format: 'gemini', model: 'made-up-name', downstream_id: null, output_model: null, status: 404, ttfb_ms: null }));
    h.ctx.services.gateway = { inflightCount: 3 };
    h.obs.metrics.inflight(1);
    h.obs.metrics.inflight(1);
    h.obs.metrics.inflight(-1);
    const s1 = makeEntry({ id: 'stream-1', stream: true });
    const s2 = makeEntry({ id: 'stream-2', stream: true });
    h.obs.observer.started?.(s1);
    h.obs.observer.started?.(s2);
    h.obs.observer.finished(s1);
    await nextTurn();
    const r = await get(`${h.url}/metrics`);
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /^text\/plain/);
    const m = r.text;
    assert.match(m, /tresor_requests_total\{client_format="anthropic",downstream="a",model="claude-x",status="200"\} 1/);
    assert.match(m, /tresor_requests_total\{client_format="gemini",downstream="",model="",status="404"\} 1/);
    assert.doesNotMatch(m, /made-up-name/, 'unrouted model names never become labels');
    assert.match(m, /tresor_request_duration_seconds_bucket\{le="2.5",client_format="anthropic",downstream="a",model="claude-x",status="200"\} 1/);
    assert.match(m, /tresor_request_duration_seconds_bucket\{le="1",client_format="anthropic",downstream="a",model="claude-x",status="200"\} 0/);
    assert.match(m, /tresor_ttfb_seconds_count\{client_format="anthropic",downstream="a",model="claude-x",status="200"\} 1/);
    assert.match(m, /tresor_tokens_total\{kind="input",downstream="a",model="claude-x"\} 100/);
    assert.match(m, /tresor_tokens_total\{kind="cache_read",downstream="a",model="claude-x"\} 7/);
    assert.match(m, /tresor_tokens_total\{kind="reasoning",downstream="a",model="claude-x"\} 11/);
    assert.match(m, /tresor_inflight_requests 4/, "the gateway's count plus manual adjustments");
    assert.match(m, /tresor_inflight_streams 1/, 'started and not yet finished');
    assert.match(m, /tresor_upstream_errors_total\{downstream="b",kind="server"\} 1/);
    assert.doesNotMatch(m, /tresor_upstream_errors_total\{downstream="a"/);
    assert.match(m, /tresor_process_cpu_seconds_total/);
    assert.match(m, /tresor_nodejs_eventloop_lag_seconds/);
  } finally {
    await h.close();
  }
});

test('/metrics with a password: admin bearer or metrics token, nothing else', async () => {
  const h = await startHarness({ yaml: 'admin_password: "pw-123"\nmetrics_token: "mt-456"\n' });
  try {
    assert.equal((await get(`${h.url}/metrics`)).status, 401);
    assert.equal((await get(`${h.url}/metrics`, { authorization: 'Bearer wrong' })).status, 401);
    assert.equal((await get(`${h.url}/metrics`, { authorization: 'Bearer mt-456' })).status, 200);
    assert.equal((await get(`${h.url}/metrics`, { authorization: 'Bearer pw-123' })).status, 200);
    assert.equal((await get(`${h.url}/api/logs`, { authorization: 'Bearer mt-456' })).status, 401, 'the metrics token opens /metrics only');
    assert.equal((await get(`${h.url}/api/logs`, { authorization: 'Bearer pw-123' })).status, 200);
  } finally {
    await h.close();
  }
});

async function callMetrics(h: Harness, clientAddr: string, headers: Record<string, string> = {}): Promise<number> {
  const match = h.ctx.adminRouter.match('GET', '/metrics');
  assert.ok(match && match !== 'method' && match.public);
  let status = 0;
  const res = { writeHead: (s: number) => (status = s), end: () => {} };
  const r = {
    method: 'GET',
    path: '/metrics',
    params: {},
    query: new URLSearchParams(),
    body: undefined,
    headers,
    clientAddr,
    ctx: h.ctx,
    res,
  } as unknown as AdminRequest;
  try {
    await match.handler(r);
  } catch (e) {
    assert.ok(e instanceof ApiError);
    return e.status;
  }
  return status;
}

test('/metrics without a password: open on loopback, token needed from elsewhere', async () => {
  const h = await startHarness({ yaml: 'metrics_token: "mt-456"\n' });
  try {
    assert.equal((await get(`${h.url}/metrics`)).status, 200);
    assert.equal(await callMetrics(h, '127.0.0.1'), 200);
    assert.equal(await callMetrics(h, '10.1.2.3'), 403);
    assert.equal(await callMetrics(h, '10.1.2.3', { authorization: 'Bearer mt-456' }), 200);
  } finally {
    await h.close();
  }
});

interface StatsBody {
  from: string;
  to: string;
  rows: { key: string; requests: number; errors: number; input_tokens: number; output_tokens: number; p50_ms: number | null; p95_ms: number | null }[];
}

test('GET /api/stats groups by model, downstream, client and day within from/to', async () => {
  const h = await startHarness({ options: { flushIntervalMs: 60_000 } });
  try {
    const at = (day: string, over: Partial<LogEntry>) => makeEntry({ time: `${day}T08:00:00.000Z`, ...over });
    h.obs.observer.finished(at('2025-03-01', { model: 'gpt-4o', downstream_id: 'a', duration_ms: 100 }));
    h.obs.observer.finished(at('2025-03-01', { model: 'gpt-4o', downstream_id: 'a', duration_ms: 100, status: 500 }));
    h.obs.observer.finished(at('2025-03-02', { model: 'gemini', downstream_id: 'b', duration_ms: 300, client_addr: '10.0.0.9' }));
    h.obs.observer.finished(at('2025-04-10', { model: 'gpt-4o', downstream_id: 'a' }));
    // no flush: the endpoint counts what just finished

    const byModel = (await get(`${h.url}/api/stats?from=2025-03-01&to=2025-03-31&group_by=model`)).json() as StatsBody;
    assert.equal(byModel.from, '2025-03-01');
    assert.equal(byModel.to, '2025-03-31');
    assert.deepEqual(
      byModel.rows.map((r) => [r.key, r.requests, r.errors, r.input_tokens, r.output_tokens, r.p50_ms]),
      [
        ['gpt-4o', 2, 1, 20, 10, 100],
        ['gemini', 1, 0, 10, 5, 300],
      ],
    );
    const byDay = (
      await get(`${h.url}/api/stats?from=${Date.parse('2025-03-01T00:00:00Z')}&to=${Date.parse('2025-04-30T00:00:00Z')}&group_by=day`)
    ).json() as StatsBody;
    assert.deepEqual(
      byDay.rows.map((r) => [r.key, r.requests]),
      [
        ['2025-03-01', 2],
        ['2025-03-02', 1],
        ['2025-04-10', 1],
      ],
    );
    const byClient = (await get(`${h.url}/api/stats?from=2025-03-02&to=2025-03-02&group_by=client`)).json() as StatsBody;
    assert.deepEqual(
      byClient.rows.map((r) => r.key),
      ['10.0.0.9'],
    );
    const byDs = (await get(`${h.url}/api/stats?from=2025-01-01T00:00:00Z&to=2025-12-31&group_by=downstream`)).json() as StatsBody;
    assert.deepEqual(
      byDs.rows.map((r) => [r.key, r.requests]),
      [
        ['a', 3],
        ['b', 1],
      ],
    );

    const recent = makeEntry({ model: 'now-model' });
    h.obs.observer.finished(recent);
    const def = (await get(`${h.url}/api/stats?group_by=model`)).json() as StatsBody;
    assert.deepEqual(
      def.rows.map((r) => r.key),
      ['now-model'],
      'default range: last 30 days',
    );

    const badGroup = await get(`${h.url}/api/stats?group_by=color`);
    assert.equal(badGroup.status, 400);
    assert.equal((badGroup.json() as { field: string }).field, 'group_by');
    const badFrom = await get(`${h.url}/api/stats?from=yesterday`);
    assert.equal((badFrom.json() as { field: string }).field, 'from');
    const reversed = await get(`${h.url}/api/stats?from=2025-05-01&to=2025-04-01`);
    assert.equal(reversed.status, 400);
  } finally {
    await h.close();
  }
});

test('GET /api/health/downstreams reports recent success rate and latency per downstream', async () => {
  const h = await startHarness({ yaml: DOWNSTREAMS });
  try {
    for (const ms of [100, 200, 300])
      h.obs.observer.finished(makeEntry({ downstream_id: 'a', attempts: [{ downstream_id: 'a', status: 200, duration_ms: ms }] }));
    h.obs.observer.finished(
      makeEntry({
        downstream_id: 'a',
        status: 200,
        attempts: [
          { downstream_id: 'b', status: 0, error: 'connect ECONNREFUSED', duration_ms: 5 },
          { downstream_id: 'a', status: 200, duration_ms: 400 },
        ],
      }),
    );
    h.obs.observer.finished(
      makeEntry({ downstream_id: 'b', status: 200, error: 'stream broke', attempts: [{ downstream_id: 'b', status: 200, duration_ms: 50 }] }),
    );
    h.obs.observer.finished(makeEntry({ downstream_id: null, status: 404, attempts: [] }));
    await nextTurn();
    const r = await get(`${h.url}/api/health/downstreams`);
    assert.equal(r.status, 200);
    const body = r.json() as {
      downstreams: { id: string; requests: number; failures: number; success_rate: number | null; p50_ms: number | null; last_error: string | null }[];
    };
    const [a, b, idle] = body.downstreams;
    assert.deepEqual([a.id, a.requests, a.failures, a.success_rate, a.p50_ms], ['a', 4, 0, 1, 200]);
    assert.deepEqual([b.id, b.requests, b.failures, b.success_rate], ['b', 2, 2, 0]);
    assert.equal(b.last_error, 'stream broke');
    assert.deepEqual([idle.id, idle.requests, idle.success_rate], ['idle', 0, null]);
  } finally {
    await h.close();
  }
});
