import type { IncomingHttpHeaders } from 'node:http';
import type { DownstreamConfig } from '../config/schema.js';
import type { FormatId, Request, Response, StreamEvent, Usage } from '../ir/types.js';
import { isContentEvent, isEmptyResponse, responseToEvents } from '../ir/events.js';
import { formatModule } from '../formats/registry.js';
import type { FormatModule, StreamEncoder } from '../formats/types.js';
import type { PluginContext } from '../plugins/types.js';
import { buildUpstreamUrl, timeoutsOf, upstreamFailure, type UpstreamResponse } from '../upstream/client.js';
import { retryAfterMs } from '../upstream/keys.js';
import { Cancellation } from '../util/cancellation.js';
import { GatewayError, badRequest } from '../util/errors.js';
import { SseReader } from '../util/sse.js';
import type { Attempt } from '../observe/types.js';
import type { Endpoint } from './detect.js';
import type { GatewayShared, RequestInfo } from './gateway.js';
import type { Pipeline } from './pipeline.js';
import { downstreamFormatFor, type Resolution, type Target } from './routing.js';
import { UsageTap } from './usage-tap.js';
import { streamErrorFrame, WholeEvents } from './stream-frames.js';
import { createGeminiStreamEncoder, geminiStreamContentType } from '../formats/gemini/index.js';

/** Anthropic version the gateway declares on requests it converted (SPEC §5). */
export const GATEWAY_ANTHROPIC_VERSION = '2023-06-01';

const EMPTY_RETRY_BACKOFF_MS = [100, 200, 400];

/** Client headers never forwarded: hop-by-hop, the client's own auth, and what we set ourselves. */
const NOT_FORWARDED = new Set([
  'host',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'proxy-authorization',
  'proxy-connection',
  'authorization',
  'x-api-key',
  'x-goog-api-key',
  'cookie',
  'content-length',
  'content-type',
  'accept-encoding',
  'accept',
  'origin',
  'referer',
  'expect',
  'anthropic-version',
]);

type Outcome = { kind: 'done' } | { kind: 'failed'; error: GatewayError; retryable: boolean } | { kind: 'empty' };

interface Prepared {
  target: Target;
  ds: DownstreamConfig;
  dsFormat: FormatId;
  dsModule: FormatModule;
  pipeline: Pipeline;
  useHub: boolean;
  ir?: Request;
  pctx: PluginContext;
  url: URL;
  body: string | Buffer;
  headers: Record<string, string>;
}

/**
 * One generate request from the moment its model resolved: build the downstream request for
 * each target in turn (fallback), send it, and answer the client buffered or streamed.
 */
export class Exchange {
  private readonly cancel = new Cancellation();
  private readonly clientFormat: FormatId;
  private readonly clientModule: FormatModule;
  private readonly stream: boolean;
  private clientGone = false;
  private upstreamStartedAt = 0;

  constructor(
    private readonly gw: GatewayShared,
    private readonly info: RequestInfo,
    private readonly ep: Extract<Endpoint, { kind: 'generate' }>,
    private readonly raw: Buffer,
    private readonly body: Record<string, unknown>,
    private readonly model: string,
    private readonly resolution: Resolution,
  ) {
    this.clientFormat = ep.format;
    this.clientModule = formatModule(ep.format);
    this.stream = ep.format === 'gemini' ? ep.pathStream === true : body.stream === true;
    info.entry.stream = this.stream;
  }

  /** End the request from the gateway's side (shutdown): the client gets a 503 or error event saying why. */
  abort(reason: string): void {
    this.cancel.cancel(new GatewayError(503, 'overloaded', reason));
  }

  async run(): Promise<void> {
    const { res } = this.info;
    res.once('close', () => {
      if (!res.writableFinished) {
        this.clientGone = true;
        this.cancel.cancel(new Error('client disconnected'));
      }
    });
    const cfg = this.gw.ctx.config.current;
    const targets = [this.resolution.primary, ...this.resolution.fallbacks];
    const deadline = this.info.start + cfg.fallback_deadline_ms;
    let last: GatewayError | undefined;
    for (let i = 0; i < targets.length; i++) {
      if (i > 0 && performance.now() > deadline) break;
      const outcome = await this.tryTarget(targets[i]);
      if (outcome.kind === 'done' || this.clientGone) {
        if (this.clientGone && !res.writableFinished) this.finishGone();
        return;
      }
      if (outcome.kind === 'failed') {
        last = outcome.error;
        if (!outcome.retryable) break;
      }
    }
    const err = last ?? new GatewayError(502, 'upstream', 'no downstream could serve the request');
    this.gw.fail(this.info, this.clientFormat, err, this.attemptsHeader());
  }

  private finishGone(): void {
    this.info.entry.status = this.info.res.headersSent ? this.info.entry.status || 200 : 499;
    this.info.entry.error = 'client disconnected';
    this.gw.finish(this.info);
  }

  private attemptsHeader(): Record<string, string> {
    const a = this.info.entry.attempts;
    if (a.length === 0) return {};
    return { 'x-tresor-attempts': a.map((x) => `${x.downstream_id}:${x.status}`).join(',') };
  }

  private record(p: Prepared, status: number, startedAt: number, error?: string): Attempt {
    const a: Attempt = { downstream_id: p.ds.id, status, duration_ms: Math.round(performance.now() - startedAt) };
    if (p.target.option) a.option_id = p.target.option.id;
    if (error) a.error = error;
    this.info.entry.attempts.push(a);
    return a;
  }

  /** Build the downstream request for a target: conversion and request plugins run here. */
  private prepare(target: Target): Prepared {
    const ds = target.downstream;
    const dsFormat = downstreamFormatFor(ds, this.clientFormat);
    const dsModule = formatModule(dsFormat);
    const cfg = this.gw.ctx.config.current;
    const rules = this.gw.routing.matchRules(this.info.path, this.model, this.clientFormat, dsFormat, ds.id);
    const pipeline = this.gw.pipelines.build(rules, this.clientFormat, dsFormat);
    // A Gemini client streaming without alt=sse wants a JSON array, while the downstream is
    // always asked for SSE: only the hub can re-frame it, pass-through traffic included.
    const useHub = pipeline.needsHub || cfg.retry_on_empty || this.geminiArray();
    const entry = this.info.entry;
    entry.downstream_id = ds.id;
    entry.output_model = target.outputModel;
    entry.alias_option_id = target.option?.id ?? null;
    entry.rules = rules.map((r) => r.id);
    entry.plugins = [...pipeline.names];

    const base: PluginContext = { clientFormat: this.clientFormat, downstreamFormat: dsFormat, downstreamId: ds.id, model: this.model, path: this.info.path };
    let ir: Request | undefined;
    let body: string | Buffer;
    let upstreamModel = target.outputModel;
    if (useHub) {
      ir = this.clientModule.decodeRequest(this.body, { pathModel: this.ep.pathModel, pathStream: this.ep.pathStream });
      ir.model = target.outputModel;
      for (const step of pipeline.steps) step.request?.(ir, base);
      if (ir.previousResponseId && dsFormat !== 'openai_responses') {
        throw badRequest(
          `previous_response_id cannot be honoured: downstream "${ds.id}" speaks ${dsFormat}, which keeps no server-side conversation state; send the full conversation in input instead`,
          'previous_response_id',
        );
      }
      upstreamModel = ir.model;
      const out = dsModule.encodeRequest(ir, {
        model: ir.model,
        autoCache: ds.auto_cache ?? true,
        anthropicVersion: this.anthropicVersion(dsFormat),
        reasoningStore: this.gw.ctx.reasoningStore,
      });
      body = JSON.stringify(out);
    } else if (this.clientFormat !== 'gemini' && this.body.model !== target.outputModel) {
      body = JSON.stringify({ ...this.body, model: target.outputModel });
    } else {
      body = this.raw;
    }
    entry.output_model = upstreamModel;
    const pctx: PluginContext = ir ? Object.assign({}, base, { request: ir }) : base;
    const url = buildUpstreamUrl(ds.format_urls?.[dsFormat] ?? ds.base_url, dsModule.upstreamPath(upstreamModel, this.stream));
    const headers = this.outgoingHeaders(ds, dsFormat, pipeline, pctx);
    return { target, ds, dsFormat, dsModule, pipeline, useHub, ir, pctx, url, body, headers };
  }

  private anthropicVersion(dsFormat: FormatId): string {
    const v = this.info.req.headers['anthropic-version'];
    return this.clientFormat === 'anthropic' && dsFormat === 'anthropic' && typeof v === 'string' && v ? v : GATEWAY_ANTHROPIC_VERSION;
  }

  private outgoingHeaders(ds: DownstreamConfig, dsFormat: FormatId, pipeline: Pipeline, pctx: PluginContext): Record<string, string> {
    const h: Record<string, string> = {};
    const client = this.info.req.headers;
    if (dsFormat === this.clientFormat) {
      const hopByHop = connectionNominated(client.connection);
      for (const [k, v] of Object.entries(client)) {
        if (v === undefined || NOT_FORWARDED.has(k) || hopByHop.has(k) || k.startsWith('proxy-') || k.startsWith('sec-')) continue;
        h[k] = Array.isArray(v) ? v.join(', ') : v;
      }
    } else if (typeof client['user-agent'] === 'string') {
      h['user-agent'] = client['user-agent'];
    }
    if (ds.headers) for (const [k, v] of Object.entries(ds.headers)) h[k.toLowerCase()] = v;
    for (const step of pipeline.steps) step.headers?.(h, pctx);
    h['content-type'] = 'application/json';
    h['accept'] = this.stream ? 'text/event-stream' : 'application/json';
    h['accept-encoding'] = 'identity';
    if (dsFormat === 'anthropic') h['anthropic-version'] = this.anthropicVersion(dsFormat);
    return h;
  }

  private async tryTarget(target: Target): Promise<Outcome> {
    let p: Prepared;
    try {
      p = this.prepare(target);
    } catch (e) {
      if (e instanceof GatewayError) return { kind: 'failed', error: e, retryable: false };
      throw e;
    }
    const cap = this.info.payloads;
    if (cap) {
      cap.downstreamRequest = cap.body(p.body);
      cap.downstreamUrl = p.url;
    }
    const ring = this.gw.keys.for(p.ds);
    const timeouts = timeoutsOf(p.ds);
    let emptyRetries = 0;
    for (;;) {
      const pick = ring.next();
      if ('restMs' in pick) {
        const secs = String(Math.max(1, Math.ceil(pick.restMs / 1000)));
        const err = new GatewayError(429, 'rate_limit', `every API key of downstream ${p.ds.id} is rate limited; retry after ${secs}s`, { retryAfter: secs });
        this.record(p, 429, performance.now(), err.message);
        return { kind: 'failed', error: err, retryable: true };
      }
      const headers = pick.key ? Object.assign({}, p.headers, p.dsModule.authHeaders(pick.key)) : p.headers;
      // as sent, the key included (masked when the inspector reads it)
      if (cap) cap.downstreamHeaders = headers;
      const startedAt = performance.now();
      if (this.upstreamStartedAt === 0) this.upstreamStartedAt = startedAt;
      let up: UpstreamResponse;
      try {
        up = await this.gw.upstream.send(p.ds, { url: p.url, headers, body: p.body, cancel: this.cancel, timeouts });
      } catch (e) {
        if (this.clientGone) return { kind: 'done' };
        const err = upstreamFailure(p.ds, e);
        this.record(p, err.info.status, startedAt, err.message);
        return { kind: 'failed', error: err, retryable: true };
      }
      const status = up.statusCode;
      if (status >= 400) {
        const text = await up.body.text().catch(() => '');
        // Resting only makes sense with keys to rotate to: a lone key keeps being tried, and
        // the provider's own 429 (with its retry-after) reaches the client.
        if (status === 429 && ring.keys.length > 1) {
          ring.rest(pick.slot, retryAfterMs(up.headers['retry-after']));
          this.record(p, 429, startedAt, 'rate limited; trying the next key');
          continue;
        }
        const err = this.downstreamError(p, status, text, up.headers);
        this.record(p, status, startedAt, err.message);
        if (cap) cap.downstreamResponse = cap.body(text);
        return { kind: 'failed', error: err, retryable: status === 429 || status >= 500 };
      }
      // recorded before answering, so the x-tresor-attempts header and the log entry include it
      const attempt = this.record(p, status, startedAt);
      let outcome: Outcome;
      try {
        outcome = this.stream ? await this.respondStream(p, up, emptyRetries < 3) : await this.respondBuffered(p, up, emptyRetries < 3);
      } catch (e) {
        if (this.clientGone) return { kind: 'done' };
        const err = e instanceof GatewayError ? e : upstreamFailure(p.ds, e);
        attempt.status = err.info.status;
        attempt.error = err.message;
        attempt.duration_ms = Math.round(performance.now() - startedAt);
        return { kind: 'failed', error: err, retryable: !this.info.res.headersSent && err.info.status >= 500 };
      }
      if (outcome.kind === 'empty') {
        attempt.error = 'empty response';
        attempt.duration_ms = Math.round(performance.now() - startedAt);
        await delay(EMPTY_RETRY_BACKOFF_MS[emptyRetries++], this.cancel);
        if (this.clientGone) return { kind: 'done' };
        continue;
      }
      return outcome;
    }
  }

  /** A downstream 4xx/5xx in the client's terms (SPEC §5 errors, §8). */
  private downstreamError(p: Prepared, status: number, text: string, headers: IncomingHttpHeaders): GatewayError {
    const decoded = p.dsModule.decodeError(status, text);
    const name = p.ds.id;
    if (status === 401 || status === 403) {
      return new GatewayError(502, 'upstream', `downstream ${name} rejected the configured API key (${status}): ${decoded.message}`, {
        providerType: decoded.providerType,
      });
    }
    let outStatus = status;
    if (status >= 500 && ![500, 502, 503, 504].includes(status)) outStatus = status === 529 ? 503 : 502;
    const ra = headers['retry-after'];
    return new GatewayError(outStatus, decoded.kind, decoded.message, {
      providerType: decoded.providerType,
      param: decoded.param,
      retryAfter: status === 429 ? (typeof ra === 'string' ? ra : decoded.retryAfter) : undefined,
    });
  }

  private responseHeaders(contentType: string, extra?: Record<string, string>): Record<string, string> {
    const overhead = this.upstreamStartedAt ? this.upstreamStartedAt - this.info.start : 0;
    return {
      'content-type': contentType,
      'x-tresor-request-id': this.info.id,
      'server-timing': `tresor;dur=${overhead.toFixed(2)}`,
      ...this.attemptsHeader(),
      ...this.info.extraHeaders,
      ...extra,
    };
  }

  private async respondBuffered(p: Prepared, up: UpstreamResponse, mayRetryEmpty: boolean): Promise<Outcome> {
    const cfg = this.gw.ctx.config.current;
    const text = await up.body.text();
    const received = performance.now();
    const cap = this.info.payloads;
    if (cap) cap.downstreamResponse = cap.body(text);
    let outText: string;
    let usage: Partial<Usage> | undefined;
    if (!p.useHub) {
      outText = text;
      const tap = new UsageTap(p.dsFormat);
      tap.body(text);
      usage = tap.usage;
    } else {
      const res = this.decodeBuffered(p, text);
      if (cfg.retry_on_empty && mayRetryEmpty && isEmptyResponse(res)) return { kind: 'empty' };
      for (let i = p.pipeline.steps.length - 1; i >= 0; i--) p.pipeline.steps[i].response?.(res, p.pctx);
      usage = res.usage;
      outText = JSON.stringify(
        this.clientModule.encodeResponse(res, { model: this.model, request: p.ir as Request, reasoningStore: this.gw.ctx.reasoningStore }),
      );
    }
    const { res } = this.info;
    if (res.destroyed) return { kind: 'done' };
    const post = performance.now() - received;
    const headers = this.responseHeaders('application/json', {
      'content-length': String(Buffer.byteLength(outText)),
    });
    headers['server-timing'] = `tresor;dur=${((this.upstreamStartedAt ? this.upstreamStartedAt - this.info.start : 0) + post).toFixed(2)}`;
    res.writeHead(200, headers);
    res.end(outText);
    const entry = this.info.entry;
    entry.status = 200;
    entry.ttfb_ms = Math.round(performance.now() - this.info.start);
    this.setUsage(usage);
    if (cap) cap.clientResponse = cap.body(outText);
    this.finish();
    return { kind: 'done' };
  }

  private decodeBuffered(p: Prepared, text: string): Response {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new GatewayError(502, 'upstream', `downstream ${p.ds.id} answered with a body that is not valid JSON`);
    }
    return p.dsModule.decodeResponse(parsed, { reasoningStore: this.gw.ctx.reasoningStore });
  }

  private async respondStream(p: Prepared, up: UpstreamResponse, mayRetryEmpty: boolean): Promise<Outcome> {
    const ctype = String(up.headers['content-type'] ?? '');
    if (!ctype.includes('event-stream') && ctype.includes('json')) {
      // The provider ignored `stream` and answered in one piece: replay it as events.
      const text = await up.body.text();
      const cap = this.info.payloads;
      if (cap) cap.downstreamResponse = cap.body(text);
      const res = this.decodeBuffered(p, text);
      return this.streamHub(p, undefined, responseToEvents(res), mayRetryEmpty);
    }
    return p.useHub ? this.streamHub(p, up, undefined, mayRetryEmpty) : this.streamPassthrough(p, up);
  }

  private clientStreamType(): string {
    return this.geminiArray() ? geminiStreamContentType('json-array') : 'text/event-stream; charset=utf-8';
  }

  private geminiSse(): boolean {
    return /(?:^|&)alt=sse(?:&|$)/.test(this.info.query);
  }

  /** A Gemini client streaming without alt=sse: Google answers one JSON array, sent element by element. */
  private geminiArray(): boolean {
    return this.clientFormat === 'gemini' && this.stream && !this.geminiSse();
  }

  private startStream(): void {
    const { res } = this.info;
    res.writeHead(200, this.responseHeaders(this.clientStreamType(), { 'cache-control': 'no-cache', 'x-accel-buffering': 'no' }));
    res.flushHeaders();
    this.info.entry.status = 200;
    this.gw.ctx.observer.started?.(this.info.entry);
  }

  /** Same format, no body plugin: bytes are piped; only usage-bearing events are parsed. */
  private async streamPassthrough(p: Prepared, up: UpstreamResponse): Promise<Outcome> {
    const { res } = this.info;
    const tap = new UsageTap(p.dsFormat);
    const reader = new SseReader();
    const events = new WholeEvents();
    const capUp = this.info.payloads?.body();
    this.startStream();
    let failure: GatewayError | undefined;
    try {
      for await (const buf of up.body) {
        if (this.info.entry.ttfb_ms === null) this.info.entry.ttfb_ms = Math.round(performance.now() - this.info.start);
        // only whole events go out, so an error frame never lands inside a half-written one
        const whole = events.take(buf);
        if (whole.length > 0 && !res.write(whole)) await drained(res, this.cancel);
        capUp?.add(buf);
        for (const ev of reader.pushBytes(buf)) tap.event(ev);
      }
      for (const ev of reader.end()) tap.event(ev);
      if (!tap.completed) failure = new GatewayError(502, 'upstream', `downstream ${p.ds.id} ended the stream before it was complete`);
      else {
        const rest = events.rest();
        if (rest.length > 0) res.write(rest);
      }
    } catch (e) {
      if (this.clientGone) return { kind: 'done' };
      failure = upstreamFailure(p.ds, e);
    }
    if (failure && !res.destroyed) {
      const frame = streamErrorFrame(this.clientFormat, this.clientModule.encodeError(failure.info));
      res.write(frame);
      capUp?.add(frame);
      this.info.entry.error = failure.message;
    }
    res.end();
    this.setUsage(tap.usage);
    if (this.info.payloads) {
      // the client got what the downstream sent
      this.info.payloads.downstreamResponse = capUp;
      this.info.payloads.clientResponse = capUp;
    }
    this.finish();
    return { kind: 'done' };
  }

  /**
   * Decode → plugins → encode, event by event as the downstream sends them. With
   * retry_on_empty the client's headers wait for the first content event.
   */
  private async streamHub(p: Prepared, up: UpstreamResponse | undefined, replay: StreamEvent[] | undefined, mayRetryEmpty: boolean): Promise<Outcome> {
    const { res } = this.info;
    const cfg = this.gw.ctx.config.current;
    const ctxOut = { model: this.model, request: p.ir as Request, reasoningStore: this.gw.ctx.reasoningStore };
    const encoder: StreamEncoder = this.geminiArray() ? createGeminiStreamEncoder(ctxOut, 'json-array') : this.clientModule.createStreamEncoder(ctxOut);
    const decoder = p.dsModule.createStreamDecoder({ reasoningStore: this.gw.ctx.reasoningStore });
    const steps = p.pipeline.steps;
    const capUp = up ? this.info.payloads?.body() : undefined;
    const capOut = this.info.payloads?.body();
    const holdForContent = cfg.retry_on_empty && mayRetryEmpty;
    let held: string[] | undefined = holdForContent ? [] : undefined;
    let sawContent = false;
    let terminal = false;
    let usage: Partial<Usage> = {};
    if (!holdForContent) this.startStream();
    // Events are decoded, encoded and written synchronously (no promise per event); when the
    // client's socket buffer fills up, `backlog` makes the read loop wait for 'drain' before
    // it takes the next downstream chunk, so a slow client still slows the downstream read.
    let backlog = false;

    // What the events of one downstream chunk encode to goes out in one write when that chunk
    // is done (`flush`): events that arrived together leave together, at once, and a chunk of
    // twenty events costs one system call instead of twenty.
    let out = '';
    const write = (text: string): void => {
      if (!text) return;
      if (held) {
        held.push(text);
        return;
      }
      out += text;
    };
    const flush = (): void => {
      if (out === '') return;
      if (this.info.entry.ttfb_ms === null) this.info.entry.ttfb_ms = Math.round(performance.now() - this.info.start);
      capOut?.add(out);
      if (!res.write(out)) backlog = true;
      out = '';
    };
    const release = (): void => {
      if (!held) return;
      const pending = held;
      held = undefined;
      this.startStream();
      for (const t of pending) write(t);
    };
    const settle = async (): Promise<void> => {
      flush();
      backlog = false;
      await drained(res, this.cancel);
    };
    const emit = (ev: StreamEvent): 'empty' | void => {
      if (terminal) return;
      let events: StreamEvent[] = [ev];
      for (let i = steps.length - 1; i >= 0; i--) {
        const hook = steps[i].streamEvent;
        if (!hook) continue;
        const next: StreamEvent[] = [];
        for (const e of events) {
          const r = hook.call(steps[i], e, p.pctx);
          if (r === null) continue;
          if (Array.isArray(r)) next.push(...r);
          else next.push(r);
        }
        events = next;
      }
      for (const e of events) {
        if (e.type === 'start' && e.usage) usage = Object.assign({}, usage, e.usage);
        else if (e.type === 'usage') usage = Object.assign({}, usage, e.usage);
        else if (e.type === 'finish') {
          if (e.usage) usage = Object.assign({}, usage, e.usage);
          if (held && !sawContent) return 'empty';
          terminal = true;
        } else if (e.type === 'error') {
          terminal = true;
          this.info.entry.error = e.error.message;
          if (held && !sawContent && !res.headersSent) {
            // nothing reached the client yet: answer with a plain HTTP error instead of a stream
            held = undefined;
            throw new GatewayError(e.error.status >= 400 ? e.error.status : 502, e.error.kind, e.error.message, { retryAfter: e.error.retryAfter });
          }
        }
        if (!sawContent && isContentEvent(e)) {
          sawContent = true;
          release();
        }
        if (e.type === 'finish' || e.type === 'error') release();
        write(encoder.push(e));
      }
    };

    try {
      if (replay) {
        for (const ev of replay) {
          if (emit(ev) === 'empty') return { kind: 'empty' };
          flush();
          if (backlog) await settle();
        }
      } else if (up) {
        const reader = new SseReader();
        for await (const buf of up.body) {
          capUp?.add(buf);
          for (const sse of reader.pushBytes(buf)) {
            for (const ev of decoder.push(sse)) if (emit(ev) === 'empty') return this.abandon(up);
          }
          flush();
          if (backlog) await settle();
        }
        for (const sse of reader.end()) for (const ev of decoder.push(sse)) if (emit(ev) === 'empty') return { kind: 'empty' };
        for (const ev of decoder.end()) if (emit(ev) === 'empty') return { kind: 'empty' };
      }
      if (!terminal)
        emit({ type: 'error', error: { status: 502, kind: 'upstream', message: `downstream ${p.ds.id} ended the stream before it was complete` } });
    } catch (e) {
      if (this.clientGone) return { kind: 'done' };
      if (e instanceof GatewayError && !res.headersSent) throw e;
      if (!terminal) {
        const err = e instanceof GatewayError ? e : upstreamFailure(p.ds, e);
        try {
          emit({ type: 'error', error: err.info });
        } catch {
          /* the client is gone */
        }
      }
    }
    release();
    flush();
    res.end();
    this.setUsage(usage);
    if (this.info.payloads) {
      if (capUp) this.info.payloads.downstreamResponse = capUp;
      this.info.payloads.clientResponse = capOut;
    }
    this.finish();
    return { kind: 'done' };
  }

  private abandon(up: UpstreamResponse): Outcome {
    up.body.destroy();
    return { kind: 'empty' };
  }

  private setUsage(u: Partial<Usage> | undefined): void {
    if (!u) return;
    const e = this.info.entry.usage;
    e.input_tokens = u.inputTokens ?? 0;
    e.output_tokens = u.outputTokens ?? 0;
    e.cache_read_tokens = u.cacheReadTokens ?? 0;
    e.cache_creation_tokens = u.cacheCreationTokens ?? 0;
    e.reasoning_tokens = u.reasoningTokens ?? 0;
  }

  private finish(): void {
    this.gw.finish(this.info);
  }
}

/** Headers the client declared hop-by-hop by naming them in `Connection` (RFC 9110 §7.6.1). */
function connectionNominated(connection: string | string[] | undefined): Set<string> {
  const names = new Set<string>();
  for (const v of Array.isArray(connection) ? connection : connection ? [connection] : []) {
    for (const name of v.split(',')) if (name.trim()) names.add(name.trim().toLowerCase());
  }
  return names;
}

/** Until the client's socket drains, closes, or the exchange is cancelled. */
function drained(res: NodeJS.WritableStream & { destroyed?: boolean }, cancel: Cancellation): Promise<void> {
  return new Promise((resolve) => {
    if (cancel.cancelled || res.destroyed) return resolve();
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      off();
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
    const off = cancel.on(done);
  });
}

function delay(ms: number, cancel: Cancellation): Promise<void> {
  return new Promise((resolve) => {
    if (cancel.cancelled) return resolve();
    const off = cancel.on(() => {
      clearTimeout(t);
      resolve();
    });
    const t = setTimeout(() => {
      off();
      resolve();
    }, ms);
  });
}
