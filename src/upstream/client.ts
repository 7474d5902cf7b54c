import { Agent, EnvHttpProxyAgent, type Dispatcher } from './undici.js';
import type { DownstreamConfig } from '../config/schema.js';
import type { Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { Cancellation } from '../util/cancellation.js';
import { GatewayError } from '../util/errors.js';

export const DEFAULT_TIMEOUTS = { connect_ms: 10_000, first_byte_ms: 120_000, idle_ms: 120_000 } as const;

export interface EffectiveTimeouts {
  connect_ms: number;
  first_byte_ms: number;
  idle_ms: number;
}

export function timeoutsOf(ds: DownstreamConfig): EffectiveTimeouts {
  return Object.assign({}, DEFAULT_TIMEOUTS, ds.timeouts);
}

export interface UpstreamRequest {
  url: URL;
  headers: Record<string, string>;
  body: string | Buffer;
  timeouts: EffectiveTimeouts;
  /** Ends the call (before or during the response) with its reason as the error. */
  cancel?: Cancellation;
}

export interface UpstreamResponse {
  statusCode: number;
  /** Lower-case names; repeated headers as arrays. */
  headers: Record<string, string | string[]>;
  /** The body, already decompressed when the downstream compressed it. */
  body: UpstreamBody;
}

/**
 * HTTP to downstreams: one undici dispatcher per (connect timeout, proxy mode), each keeping
 * keep-alive pools per origin. Requests are sent uncompressed (accept-encoding: identity).
 *
 * Calls go through undici's dispatch API with a handler of our own rather than its
 * request() API: no Readable, no AbortSignal, no promise per chunk, which is a good part of
 * what a request costs the gateway.
 */
export class UpstreamClient {
  private dispatchers = new Map<string, Dispatcher>();

  constructor(private proxyMode: () => 'auto' | 'env' | 'none') {}

  private dispatcherFor(connectMs: number): Dispatcher {
    const mode = this.proxyMode();
    const useProxy = mode !== 'none' && hasProxyEnv();
    const key = `${connectMs}:${useProxy ? 'proxy' : 'direct'}`;
    let d = this.dispatchers.get(key);
    if (!d) {
      // No cap on connections per origin: an LLM stream holds its connection for its whole
      // answer, so a cap of N makes request N+1 wait for a complete response (1,000
      // concurrent slow streams stalled behind a cap of 256). Idle sockets still close after
      // keepAliveTimeout, so the pool shrinks back once a burst is over.
      const opts = {
        connect: { timeout: connectMs, noDelay: true },
        keepAliveTimeout: 30_000,
        keepAliveMaxTimeout: 600_000,
        pipelining: 1,
      };
      d = useProxy ? new EnvHttpProxyAgent(opts) : new Agent(opts);
      this.dispatchers.set(key, d);
    }
    return d;
  }

  /** POST to a downstream; resolves with the status and headers, the body still arriving. */
  send(ds: DownstreamConfig, r: UpstreamRequest): Promise<UpstreamResponse> {
    return this.call(
      r.timeouts.connect_ms,
      {
        origin: r.url.origin,
        path: r.url.pathname + r.url.search,
        method: 'POST',
        headers: r.headers,
        body: r.body,
        headersTimeout: r.timeouts.first_byte_ms,
        bodyTimeout: r.timeouts.idle_ms,
      },
      r.cancel,
    ).catch((e: unknown) => {
      throw upstreamFailure(ds, e);
    });
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.dispatchers.values()].map((d) => d.close()));
    this.dispatchers.clear();
  }

  private call(connectMs: number, opts: Dispatcher.DispatchOptions, cancel?: Cancellation): Promise<UpstreamResponse> {
    return new Promise((resolve, reject) => {
      const handler = new CallHandler(resolve, reject, cancel);
      this.dispatcherFor(connectMs).dispatch(opts, handler);
    });
  }
}

/** Bytes a stream consumer may leave unread before the downstream read pauses. */
const HIGH_WATER_BYTES = 64 * 1024;

/**
 * A downstream response body as it arrives. Read it whole with `text()`, or chunk by chunk
 * with `for await` (chunks that arrived together come as one Buffer; the downstream read
 * pauses while HIGH_WATER_BYTES wait unread). `destroy()` ends the call.
 */
export class UpstreamBody implements AsyncIterable<Buffer> {
  private queue: Buffer[] = [];
  private queuedBytes = 0;
  private ended = false;
  private failure: Error | undefined;
  private waiter: (() => void) | undefined;
  /** Set while the downstream read is paused, to restart it. */
  private resumeRead: (() => void) | undefined;
  private wholeText = false;

  constructor(private readonly abortCall: (reason: Error) => void) {}

  /** For the handler: a chunk arrived; false pauses the downstream read until `resume` runs. */
  push(chunk: Buffer, resume: () => void): boolean {
    this.queue.push(chunk);
    this.queuedBytes += chunk.length;
    this.wakeUp();
    if (this.wholeText || this.queuedBytes < HIGH_WATER_BYTES) return true;
    this.resumeRead = resume;
    return false;
  }

  /** For the handler: the body is complete. */
  end(): void {
    this.ended = true;
    this.wakeUp();
  }

  /** For the handler: the call failed while the body was arriving. */
  fail(e: Error): void {
    this.failure ??= e;
    this.wakeUp();
  }

  /** The whole body as UTF-8 text. */
  async text(): Promise<string> {
    this.wholeText = true;
    this.resumeRead?.();
    while (!this.ended && this.failure === undefined) await new Promise<void>((r) => (this.waiter = r));
    if (this.failure !== undefined) throw this.failure;
    const parts = this.queue;
    this.queue = [];
    return parts.length === 1 ? parts[0].toString('utf8') : Buffer.concat(parts).toString('utf8');
  }

  /** Stop reading: the call is aborted and the connection released. */
  destroy(): void {
    if (this.ended) return;
    this.ended = true;
    this.queue = [];
    this.abortCall(new Error('response body discarded'));
  }

  [Symbol.asyncIterator](): AsyncIterator<Buffer> {
    return { next: () => this.next() };
  }

  private async next(): Promise<IteratorResult<Buffer>> {
    while (this.queue.length === 0) {
      if (this.failure !== undefined) throw this.failure;
      if (this.ended) return { done: true, value: undefined };
      await new Promise<void>((r) => (this.waiter = r));
    }
    const parts = this.queue;
    this.queue = [];
    this.queuedBytes = 0;
    const resume = this.resumeRead;
    this.resumeRead = undefined;
    resume?.();
    return { done: false, value: parts.length === 1 ? parts[0] : Buffer.concat(parts) };
  }

  private wakeUp(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }
}

/** undici's handler interface (the one its own request API implements). */
class CallHandler implements Dispatcher.DispatchHandler {
  private abortFn: ((err: Error) => void) | undefined;
  private pendingAbort: Error | undefined;
  private body: UpstreamBody | undefined;
  private inflater: Transform | undefined;
  private unsubscribe: (() => void) | undefined;
  /** undici's function (given with the headers) that lifts a pause asked by onData. */
  private resume: () => void = () => {};

  constructor(
    private readonly resolve: (r: UpstreamResponse) => void,
    private readonly reject: (e: Error) => void,
    cancel: Cancellation | undefined,
  ) {
    if (cancel) this.unsubscribe = cancel.on((reason) => this.abort(reason));
  }

  onConnect(abort: (err?: Error) => void): void {
    this.abortFn = abort;
    if (this.pendingAbort) abort(this.pendingAbort);
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    if (statusCode < 200) return true;
    this.resume = resume;
    const headers = parseRawHeaders(rawHeaders);
    const body = new UpstreamBody((reason) => this.abort(reason));
    this.body = body;
    const encoding = headers['content-encoding'];
    const inflater = typeof encoding === 'string' ? inflaterFor(encoding) : undefined;
    if (inflater) {
      this.inflater = inflater;
      inflater.on('data', (c: Buffer) => body.push(c, resume));
      inflater.on('end', () => body.end());
      inflater.on('error', (e: Error) => body.fail(e));
    }
    this.resolve({ statusCode, headers, body });
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.inflater) {
      this.inflater.write(chunk);
      return true;
    }
    return this.body ? this.body.push(chunk, this.resume) : true;
  }

  onComplete(): void {
    this.unsubscribe?.();
    if (this.inflater) this.inflater.end();
    else this.body?.end();
  }

  onError(err: Error): void {
    this.unsubscribe?.();
    if (this.body) this.body.fail(err);
    else this.reject(err);
  }

  onUpgrade(): void {
    this.onError(new Error('unexpected protocol upgrade from the downstream'));
  }

  private abort(reason: Error): void {
    if (this.abortFn) this.abortFn(reason);
    else this.pendingAbort = reason;
  }
}

/** Header name/value pairs as undici hands them over, into a plain object. */
function parseRawHeaders(raw: Buffer[]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i].toString('latin1').toLowerCase();
    const value = raw[i + 1].toString('latin1');
    const had = out[name];
    if (had === undefined) out[name] = value;
    else if (Array.isArray(had)) had.push(value);
    else out[name] = [had, value];
  }
  return out;
}

/** A decompressor for a content-encoding the provider used despite accept-encoding: identity. */
function inflaterFor(encoding: string): Transform | undefined {
  const enc = encoding.trim().toLowerCase();
  if (enc === 'gzip' || enc === 'x-gzip') return createGunzip();
  if (enc === 'br') return createBrotliDecompress();
  if (enc === 'deflate') return createInflate();
  return undefined;
}

function hasProxyEnv(): boolean {
  const e = process.env;
  return Boolean(e.HTTPS_PROXY || e.https_proxy || e.HTTP_PROXY || e.http_proxy);
}

/**
 * Network failures as client-facing errors naming the downstream (never its key):
 * timeouts to first byte are 504, anything else that kept us from an answer is 502.
 */
export function upstreamFailure(ds: DownstreamConfig, e: unknown): GatewayError {
  if (e instanceof GatewayError) return e;
  const err = e as { code?: string; name?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = err.code ?? err.cause?.code ?? '';
  const name = ds.name ? `${ds.id} (${ds.name})` : ds.id;
  if (err.name === 'AbortError' || code === 'UND_ERR_ABORTED') {
    return new GatewayError(499, 'upstream', `request to downstream ${name} aborted`, { providerType: 'aborted' });
  }
  if (code === 'UND_ERR_HEADERS_TIMEOUT') {
    return new GatewayError(504, 'timeout', `downstream ${name} did not answer within the first-byte timeout`, { providerType: 'first_byte_timeout' });
  }
  if (code === 'UND_ERR_CONNECT_TIMEOUT') {
    return new GatewayError(504, 'timeout', `could not connect to downstream ${name}: connect timeout`, { providerType: 'connect_timeout' });
  }
  if (code === 'UND_ERR_BODY_TIMEOUT') {
    return new GatewayError(504, 'timeout', `downstream ${name} stopped sending (idle timeout)`, { providerType: 'idle_timeout' });
  }
  const detail = code ? `${code}` : (err.message ?? 'connection failed');
  if (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET' || code === 'EPIPE') {
    // it was reached: the connection broke while the request or the answer was on its way
    return new GatewayError(502, 'upstream', `downstream ${name} closed the connection unexpectedly (${detail})`, { providerType: 'connection_closed' });
  }
  const tls = /CERT|SSL|TLS|SELF_SIGNED/i.test(code + ' ' + (err.message ?? ''));
  return new GatewayError(502, 'upstream', `could not reach downstream ${name}: ${tls ? 'TLS error ' : ''}${detail}`, {
    providerType: tls ? 'tls_error' : 'connect_error',
  });
}

/**
 * Base URL + format path, with SPEC §3's version rule: when the base URL already ends in a
 * version segment (/v1, /v1beta, /v2...), the path's own leading version is dropped.
 */
export function buildUpstreamUrl(base: string, path: string): URL {
  const b = base.endsWith('/') ? base.slice(0, -1) : base;
  const lastSeg = b.slice(b.lastIndexOf('/') + 1);
  let p = path;
  if (/^v\d+[a-z0-9]*$/i.test(lastSeg)) {
    const m = /^\/v\d+[a-z0-9]*(\/.*)$/i.exec(path);
    if (m) p = m[1];
  }
  return new URL(b + p);
}
