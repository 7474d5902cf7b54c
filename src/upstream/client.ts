import { Agent, EnvHttpProxyAgent, type Dispatcher } from './undici.js';
import type { DownstreamConfig } from '../config/schema.js';
import { GatewayError } from '../util/errors.js';

export const DEFAULT_TIMEOUTS = { connect_ms: 10_000, first_byte_ms: 120_000, idle_ms: 120_000 } as const;

export interface EffectiveTimeouts {
  connect_ms: number;
  first_byte_ms: number;
  idle_ms: number;
}

export function timeoutsOf(ds: DownstreamConfig): EffectiveTimeouts {
  return { ...DEFAULT_TIMEOUTS, ...ds.timeouts };
}

export interface UpstreamRequest {
  url: URL;
  headers: Record<string, string>;
  body: string | Buffer;
  signal: AbortSignal;
  timeouts: EffectiveTimeouts;
}

export type UpstreamResponse = Dispatcher.ResponseData;

/**
 * HTTP to downstreams: one undici dispatcher per (connect timeout, proxy mode), each keeping
 * keep-alive pools per origin. Requests are sent uncompressed (accept-encoding: identity).
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

  async send(ds: DownstreamConfig, r: UpstreamRequest): Promise<UpstreamResponse> {
    const dispatcher = this.dispatcherFor(r.timeouts.connect_ms);
    try {
      return await dispatcher.request({
        origin: r.url.origin,
        path: r.url.pathname + r.url.search,
        method: 'POST',
        headers: r.headers,
        body: r.body,
        signal: r.signal,
        headersTimeout: r.timeouts.first_byte_ms,
        bodyTimeout: r.timeouts.idle_ms,
      });
    } catch (e) {
      throw upstreamFailure(ds, e);
    }
  }

  /** GET helper for model discovery (bounded by the given timeout). */
  async get(url: URL, headers: Record<string, string>, timeoutMs: number): Promise<{ status: number; text: string }> {
    const dispatcher = this.dispatcherFor(Math.min(timeoutMs, DEFAULT_TIMEOUTS.connect_ms));
    const res = await dispatcher.request({
      origin: url.origin,
      path: url.pathname + url.search,
      method: 'GET',
      headers: { ...headers, 'accept-encoding': 'identity' },
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { status: res.statusCode, text: await res.body.text() };
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.dispatchers.values()].map((d) => d.close()));
    this.dispatchers.clear();
  }
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
