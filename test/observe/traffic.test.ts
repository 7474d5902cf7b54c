/**
 * Requests of every client format (stream and not, success and failure, rejected ones
 * included) through a real daemon and strict mock providers; asserts the log entries,
 * captured payloads, token counts, stats and metrics they produce.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startMockProvider, type MockProvider } from '../mocks/server.js';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import type { FormatId } from '../../src/ir/types.js';
import type { LogEntry } from '../../src/observe/types.js';
import type { Observability } from '../../src/observe/index.js';
import { SseReader, type SseEvent } from '../../src/util/sse.js';
import { get, waitFor } from './harness.js';

const PROXY_KEY = 'sk-proxy-123456';
const MOCK_USAGE = { input: 21, output: 13, cacheRead: 5 };
const FAIL_WORD = 'PLEASE_FAIL';
const BREAK_WORD = 'PLEASE_BREAK';

/** Client format → a model served by a downstream of another format (conversion on every path). */
const CROSS: Record<FormatId, { model: string; downstream: string; output: string }> = {
  openai: { model: 'claude-mock', downstream: 'an', output: 'claude-mock' },
  openai_responses: { model: 'gemini-mock', downstream: 'ge', output: 'gemini-mock' },
  anthropic: { model: 'to-gpt', downstream: 'oa', output: 'gpt-mock' },
  gemini: { model: 'resp-mock', downstream: 'rs', output: 'resp-mock' },
};

interface ClientCall {
  path: string;
  body: unknown;
  headers: Record<string, string>;
}

function clientCall(format: FormatId, model: string, stream: boolean, text: string, withKey = true): ClientCall {
  const auth: Record<FormatId, Record<string, string>> = {
    openai: { authorization: `Bearer ${PROXY_KEY}` },
    openai_responses: { authorization: `Bearer ${PROXY_KEY}` },
    anthropic: { 'x-api-key': PROXY_KEY, 'anthropic-version': '2023-06-01' },
    gemini: { 'x-goog-api-key': PROXY_KEY },
  };
  const headers = withKey ? auth[format] : format === 'anthropic' ? { 'anthropic-version': '2023-06-01' } : {};
  switch (format) {
    case 'openai':
      return {
        path: '/v1/chat/completions',
        headers,
        body: { model, messages: [{ role: 'user', content: text }], stream, ...(stream ? { stream_options: { include_usage: true } } : {}) },
      };
    case 'openai_responses':
      return { path: '/v1/responses', headers, body: { model, input: text, stream } };
    case 'anthropic':
      return { path: '/v1/messages', headers, body: { model, max_tokens: 200, messages: [{ role: 'user', content: text }], stream } };
    case 'gemini':
      return {
        path: `/v1beta/models/${model}:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`,
        headers,
        body: { contents: [{ role: 'user', parts: [{ text }] }] },
      };
  }
}

interface Sent {
  label: string;
  format: FormatId;
  status: number;
  id: string;
  text: string;
}

const FORMATS: FormatId[] = ['openai', 'openai_responses', 'anthropic', 'gemini'];

describe('traffic of every client format through the daemon', () => {
  let mock: MockProvider;
  let gw: TestDaemon;
  let obs: Observability;
  const sent: Sent[] = [];
  const live: SseEvent[] = [];
  let liveReq: AbortController;

  async function send(label: string, format: FormatId, call: ClientCall, raw?: string): Promise<Sent> {
    const r = await fetch(gw.url + call.path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...call.headers },
      body: raw ?? JSON.stringify(call.body),
    });
    const text = await r.text();
    const s: Sent = { label, format, status: r.status, id: r.headers.get('x-tresor-request-id') ?? '', text };
    assert.ok(s.id, `${label}: x-tresor-request-id`);
    sent.push(s);
    return s;
  }

  async function entryOf(s: Sent): Promise<LogEntry & { payloads: Record<string, { body: string; truncated: boolean } | null> }> {
    const r = await get(`${gw.url}/api/logs/${s.id}`);
    assert.equal(r.status, 200, `${s.label}: log entry exists`);
    return r.json() as LogEntry & { payloads: Record<string, { body: string; truncated: boolean } | null> };
  }

  before(async () => {
    mock = await startMockProvider((r) => {
      const text = JSON.stringify(r.body);
      const model = typeof r.body.model === 'string' ? r.body.model : (/models\/([^:]+):/.exec(r.path)?.[1] ?? 'mock');
      if (text.includes(FAIL_WORD)) return { error: { status: 503, message: 'mock is overloaded' } };
      if (text.includes(BREAK_WORD)) return { model, text: 'one two three four', usage: MOCK_USAGE, errorAfter: 2 };
      return { model, text: 'Hello from the mock provider.', usage: MOCK_USAGE };
    });
    gw = await startTestDaemon({
      capture_payloads: true,
      proxy_api_keys: [PROXY_KEY],
      downstreams: [
        { id: 'oa', api_formats: ['openai'], base_url: `${mock.url}/v1`, api_key: 'sk-oa-secret-0001', output_model_ids: ['gpt-mock'] },
        { id: 'an', api_formats: ['anthropic'], base_url: mock.url, api_key: 'sk-an-secret-0002', output_model_ids: ['claude-mock'], auto_cache: false },
        { id: 'ge', api_formats: ['gemini'], base_url: mock.url, api_key: 'sk-ge-secret-0003', output_model_ids: ['gemini-mock'] },
        { id: 'rs', api_formats: ['openai_responses'], base_url: `${mock.url}/v1`, api_key: 'sk-rs-secret-0004', output_model_ids: ['resp-mock'] },
      ],
      aliases: [{ input_model_id: 'to-gpt', options: [{ id: 'to-gpt-oa', downstream_id: 'oa', output_model_id: 'gpt-mock' }] }],
    });
    obs = gw.daemon.ctx.services.observability as Observability;

    liveReq = new AbortController();
    const res = await fetch(`${gw.url}/api/logs/stream`, { signal: liveReq.signal });
    const reader = new SseReader();
    void (async () => {
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) live.push(...reader.pushBytes(chunk));
      } catch {
        /* aborted at the end */
      }
    })();
    await waitFor(() => obs.live.count === 1);

    for (const format of FORMATS) {
      const cross = CROSS[format];
      for (const stream of [false, true]) {
        await send(`${format} ${stream ? 'stream' : 'buffered'} ok`, format, clientCall(format, cross.model, stream, 'Hi there'));
        await send(`${format} ${stream ? 'stream' : 'buffered'} upstream 503`, format, clientCall(format, cross.model, stream, `Hi ${FAIL_WORD}`));
      }
      await send(`${format} stream broken mid-way`, format, clientCall(format, cross.model, true, `Hi ${BREAK_WORD}`));
      await send(`${format} no key`, format, clientCall(format, cross.model, false, 'Hi', false));
      await send(`${format} unknown model`, format, clientCall(format, 'no-such-model', false, 'Hi'));
      await send(`${format} bad json`, format, clientCall(format, cross.model, false, 'Hi'), '{not json');
    }
    await waitFor(() => live.filter((e) => e.event === 'entry').length === sent.length, 5000, 'live entries');
  });

  after(async () => {
    liveReq?.abort();
    await gw?.close();
    await mock?.close();
  });

  test('every request has one log entry with its format, routing, status and timings', async () => {
    assert.equal(sent.length, FORMATS.length * 8);
    for (const s of sent) {
      const e = await entryOf(s);
      const cross = CROSS[s.format];
      assert.equal(e.id, s.id);
      assert.equal(e.client_format, s.format, s.label);
      assert.equal(e.status, s.status, `${s.label}: logged status is what the client got`);
      assert.ok(e.duration_ms >= 0 && Number.isFinite(e.duration_ms), s.label);
      assert.ok(e.ttfb_ms !== null && e.ttfb_ms <= e.duration_ms + 1, `${s.label}: ttfb ${e.ttfb_ms} ≤ duration ${e.duration_ms}`);
      assert.equal(e.client_addr.endsWith('127.0.0.1'), true);
      if (s.label.endsWith(' ok')) {
        assert.equal(s.status, 200, s.label);
        assert.equal(e.model, cross.model, s.label);
        assert.equal(e.downstream_id, cross.downstream, s.label);
        assert.equal(e.output_model, cross.output, s.label);
        assert.equal(e.error, null, s.label);
        assert.equal(e.stream, s.label.includes('stream'), s.label);
        assert.deepEqual(
          e.attempts.map((a) => [a.downstream_id, a.status]),
          [[cross.downstream, 200]],
          s.label,
        );
        assert.ok(e.plugins.length >= 1, `${s.label}: a converter ran`);
      } else if (s.label.endsWith('upstream 503')) {
        assert.equal(s.status, 503, s.label);
        assert.equal(e.downstream_id, cross.downstream);
        assert.match(e.error ?? '', /mock is overloaded/, s.label);
        assert.deepEqual(
          e.attempts.map((a) => a.status),
          [503],
        );
      } else if (s.label.endsWith('broken mid-way')) {
        assert.equal(s.status, 200, s.label);
        assert.ok(e.error, `${s.label}: the stream's failure is logged`);
      } else if (s.label.endsWith('no key')) {
        assert.equal(s.status, 401, s.label);
        assert.equal(e.downstream_id, null);
      } else if (s.label.endsWith('unknown model')) {
        assert.equal(s.status, 404, s.label);
        assert.equal(e.model, 'no-such-model');
        assert.equal(e.downstream_id, null);
      } else if (s.label.endsWith('bad json')) {
        assert.equal(s.status, 400, s.label);
      }
    }
  });

  test('token counts arrive from every downstream format, buffered and streamed, in the hub meaning', async () => {
    for (const s of sent.filter((x) => x.label.endsWith(' ok'))) {
      const e = await entryOf(s);
      assert.equal(e.usage.input_tokens, MOCK_USAGE.input, `${s.label}: input = every prompt token`);
      assert.equal(e.usage.output_tokens, MOCK_USAGE.output, `${s.label}: output`);
      assert.equal(e.usage.cache_read_tokens, MOCK_USAGE.cacheRead, `${s.label}: cache read`);
    }
    for (const s of sent.filter((x) => !x.label.endsWith(' ok') && !x.label.endsWith('broken mid-way'))) {
      const e = await entryOf(s);
      assert.deepEqual(e.usage, { input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_creation_tokens: 0, reasoning_tokens: 0 }, s.label);
    }
  });

  test('the inspector holds the four bodies of a converted stream, secrets masked', async () => {
    const s = sent.find((x) => x.label === 'openai stream ok')!;
    const e = await entryOf(s);
    const p = e.payloads;
    assert.equal(JSON.parse(p.client_request!.body).model, 'claude-mock');
    const down = JSON.parse(p.downstream_request!.body) as { model: string; max_tokens: number; stream: boolean; messages: unknown[] };
    assert.equal(down.model, 'claude-mock');
    assert.equal(down.stream, true);
    assert.ok(down.max_tokens > 0, 'converted to Anthropic shape');
    assert.match(p.downstream_response!.body, /^event: message_start\n/m);
    assert.match(p.downstream_response!.body, /event: message_stop/);
    assert.match(p.client_response!.body, /"object":"chat\.completion\.chunk"/);
    assert.match(p.client_response!.body, /data: \[DONE\]/);
    assert.equal(p.client_response!.body, s.text, 'the captured response is exactly what the client received');
    for (const b of [p.client_request, p.downstream_request, p.downstream_response, p.client_response]) assert.equal(b!.truncated, false);
    const all = JSON.stringify(e);
    assert.doesNotMatch(all, /sk-proxy-123456|sk-an-secret-0002/, 'no secret in the inspector');
    assert.match(all, /"authorization":"Bearer sk-…3456"/);
    // the headers as sent downstream, the key included, masked
    const sentHeaders = (e.payloads as unknown as { downstream_headers: Record<string, string> }).downstream_headers;
    assert.equal(sentHeaders['x-api-key'], 'sk-…0002');
    assert.equal(sentHeaders['anthropic-version'], '2023-06-01');
  });

  test('the live stream carried an entry per request and a started update per stream', () => {
    const entries = live.filter((e) => e.event === 'entry').map((e) => JSON.parse(e.data) as LogEntry);
    assert.deepEqual(entries.map((e) => e.id).sort(), sent.map((s) => s.id).sort());
    const started = live.filter((e) => e.event === 'started').map((e) => JSON.parse(e.data) as LogEntry);
    const streamsThatStarted = sent.filter((s) => s.label.endsWith('stream ok') || s.label.endsWith('broken mid-way'));
    for (const s of streamsThatStarted)
      assert.ok(
        started.some((x) => x.id === s.id && x.state === 'started'),
        `${s.label}: started update`,
      );
  });

  test('stats count every request, errors and tokens per downstream, model and client', async () => {
    const byDs = (await get(`${gw.url}/api/stats?group_by=downstream`)).json() as {
      rows: { key: string; requests: number; errors: number; input_tokens: number; output_tokens: number; p50_ms: number | null }[];
    };
    for (const format of FORMATS) {
      const row = byDs.rows.find((r) => r.key === CROSS[format].downstream)!;
      assert.ok(row, format);
      assert.equal(row.requests, 5, `${format}: 2 ok, 2 failed, 1 broken`);
      assert.equal(row.errors, 2);
      assert.ok(row.input_tokens >= 2 * MOCK_USAGE.input, `${format}: input tokens`);
      assert.ok(row.p50_ms !== null);
    }
    const none = byDs.rows.find((r) => r.key === '(none)')!;
    assert.equal(none.requests, 4 * 3, 'rejected before routing: 401, 404, 400 of each format');
    assert.equal(none.errors, 12);
    const byClient = (await get(`${gw.url}/api/stats?group_by=client`)).json() as { rows: { key: string; requests: number }[] };
    assert.equal(
      byClient.rows.reduce((n, r) => n + r.requests, 0),
      sent.length,
    );
    const byModel = (await get(`${gw.url}/api/stats?group_by=model`)).json() as { rows: { key: string; requests: number }[] };
    assert.equal(byModel.rows.find((r) => r.key === 'no-such-model')?.requests, 4);
  });

  test('metrics count requests by format and status, tokens, and upstream errors by kind', async () => {
    const m = (await get(`${gw.url}/metrics`)).text;
    const count = (re: RegExp) => [...m.matchAll(re)].reduce((n, x) => n + Number(x[1]), 0);
    for (const format of FORMATS) {
      const ds = CROSS[format].downstream;
      assert.equal(
        count(new RegExp(`tresor_requests_total\\{client_format="${format}",downstream="${ds}",model="[^"]*",status="200"\\} (\\d+)`, 'g')),
        3,
        `${format} 200s`,
      );
      assert.equal(
        count(new RegExp(`tresor_requests_total\\{client_format="${format}",downstream="${ds}",model="[^"]*",status="503"\\} (\\d+)`, 'g')),
        2,
        `${format} 503s`,
      );
      assert.equal(
        count(new RegExp(`tresor_requests_total\\{client_format="${format}",downstream="",model="",status="401"\\} (\\d+)`, 'g')),
        1,
        `${format} 401`,
      );
      assert.ok(
        count(new RegExp(`tresor_tokens_total\\{kind="input",downstream="${ds}",model="[^"]*"\\} (\\d+)`, 'g')) >= 2 * MOCK_USAGE.input,
        `${format} tokens`,
      );
      assert.equal(count(new RegExp(`tresor_upstream_errors_total\\{downstream="${ds}",kind="server"\\} (\\d+)`, 'g')), 2, `${ds} server errors`);
      assert.equal(count(new RegExp(`tresor_upstream_errors_total\\{downstream="${ds}",kind="stream"\\} (\\d+)`, 'g')), 1, `${ds} broken stream`);
    }
    assert.match(m, /tresor_inflight_requests 0/);
    assert.match(m, /tresor_inflight_streams 0/);
    assert.match(m, /tresor_ttfb_seconds_bucket/);
    assert.match(m, /tresor_process_resident_memory_bytes/);
  });

  test('downstream health reflects the live traffic', async () => {
    const h = (await get(`${gw.url}/api/health/downstreams`)).json() as {
      downstreams: { id: string; requests: number; failures: number; success_rate: number }[];
    };
    for (const format of FORMATS) {
      const d = h.downstreams.find((x) => x.id === CROSS[format].downstream)!;
      assert.equal(d.requests, 5, d.id);
      assert.equal(d.failures, 3, `${d.id}: two 503s and a broken stream`);
    }
  });
});
