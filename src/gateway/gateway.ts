import type { IncomingMessage, ServerResponse } from 'node:http';
import { requestId } from '../util/request-id.js';
import type { AppContext } from '../app/context.js';
import type { Config } from '../config/schema.js';
import type { FormatId } from '../ir/types.js';
import { formatModule } from '../formats/registry.js';
import { GatewayError, badRequest } from '../util/errors.js';
import { BodyTooLargeError, readBody } from '../util/body.js';
import { nestsDeeperThan } from '../util/json-depth.js';
import { zeroUsage, type LogEntry } from '../observe/types.js';
import { UpstreamClient } from '../upstream/client.js';
import { KeyRings } from '../upstream/keys.js';
import { detectEndpoint, isGatewayPath, type Endpoint } from './detect.js';
import { Routing } from './routing.js';
import { PipelineBuilder } from './pipeline.js';
import { isAllowedKey, presentedKey } from './proxy-auth.js';
import { CaptureSlabs, PayloadCapture } from './capture.js';
import { corsHeaders, handlePreflight } from './cors.js';
import { listModels } from './models.js';
import { countTokens } from './count-tokens.js';
import { Exchange } from './exchange.js';

/** State shared by every request: compiled routing, HTTP pools, key rings, plugin pipelines. */
export interface GatewayShared {
  readonly ctx: AppContext;
  routing: Routing;
  readonly upstream: UpstreamClient;
  readonly keys: KeyRings;
  readonly pipelines: PipelineBuilder;
  sendJson(info: RequestInfo, status: number, text: string, headers?: Record<string, string>): void;
  fail(info: RequestInfo, format: FormatId | undefined, err: GatewayError, headers?: Record<string, string>): Error;
  finish(info: RequestInfo): void;
}

/** Per-request facts gathered before the model is known. */
export interface RequestInfo {
  readonly id: string;
  readonly start: number;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly path: string;
  readonly query: string;
  readonly entry: LogEntry;
  payloads?: PayloadCapture;
  /** CORS headers to add to every response of this request. */
  extraHeaders: Record<string, string>;
}

/** Longer request URLs get 414 (the header limit, 64 KiB, would only catch them later as 431). */
export const MAX_URL_LENGTH = 16 * 1024;

/** Deeper request JSON is refused (the recursive code after parsing would run out of stack). */
export const MAX_JSON_DEPTH = 128;

/** How long requests aborted at the end of the shutdown grace get to send their error event. */
const ABORTED_WRAP_UP_MS = 1000;

export class Gateway implements GatewayShared {
  routing: Routing;
  readonly upstream: UpstreamClient;
  readonly keys = new KeyRings();
  readonly pipelines: PipelineBuilder;
  private inflight = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly active = new Set<Exchange>();
  /** Where captured payloads are copied as they pass, and kept packed (capture_payloads). */
  private readonly captureSlabs = new CaptureSlabs();

  constructor(readonly ctx: AppContext) {
    this.routing = new Routing(ctx.config.current);
    this.pipelines = new PipelineBuilder(ctx.plugins);
    this.upstream = new UpstreamClient(() => ctx.config.current.proxy_mode);
    // Hot switch: the very next request sees the new routing; requests already running keep
    // the objects they resolved.
    ctx.config.onChange((next: Config) => {
      this.routing = new Routing(next);
      this.pipelines.reset();
    });
    ctx.closers.push(() => this.upstream.close());
  }

  handles(path: string): boolean {
    return isGatewayPath(path);
  }

  get inflightCount(): number {
    return this.inflight;
  }

  handle(req: IncomingMessage, res: ServerResponse, path: string, query: string): void {
    const info = this.newRequest(req, res, path, query);
    this.inflight++;
    res.once('close', () => {
      if (--this.inflight === 0) for (const w of this.idleWaiters.splice(0)) w();
    });
    this.serve(info).catch((e) => {
      if (e instanceof HandledError) return;
      if (e instanceof GatewayError) {
        this.fail(info, info.entry.client_format ?? undefined, e);
        return;
      }
      this.ctx.logger.error({ err: e instanceof Error ? e.stack : String(e), path }, 'gateway request failed unexpectedly');
      this.fail(info, info.entry.client_format ?? undefined, new GatewayError(500, 'server', 'internal gateway error'));
    });
  }

  /** Wait for in-flight requests (up to graceMs), then abort what is left. */
  async drain(graceMs: number): Promise<void> {
    await this.idle(graceMs);
    for (const ex of this.active) ex.abort('the gateway is shutting down');
    // the aborted requests still write their error event and end before sockets are destroyed
    await this.idle(ABORTED_WRAP_UP_MS);
  }

  /** Resolves when no request is in flight, or after `ms`. */
  private idle(ms: number): Promise<void> {
    if (this.inflight === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      t.unref();
      this.idleWaiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  private newRequest(req: IncomingMessage, res: ServerResponse, path: string, query: string): RequestInfo {
    const id = requestId();
    const start = performance.now();
    const entry: LogEntry = {
      id,
      time: new Date().toISOString(),
      client_addr: req.socket.remoteAddress ?? 'unknown',
      client_format: null,
      path,
      model: null,
      downstream_id: null,
      output_model: null,
      stream: false,
      status: 0,
      error: null,
      ttfb_ms: null,
      duration_ms: 0,
      usage: zeroUsage(),
      plugins: [],
      attempts: [],
    };
    return { id, start, req, res, path, query, entry, extraHeaders: {} };
  }

  private async serve(info: RequestInfo): Promise<void> {
    const { req, res, path } = info;
    const cfg = this.ctx.config.current;
    const method = req.method ?? 'GET';
    const endpoint = detectEndpoint(method, path);
    const format: FormatId = endpoint && 'format' in endpoint && endpoint.format ? endpoint.format : guessFormat(path, req);
    info.entry.client_format = format;
    if ((req.url ?? '').length > MAX_URL_LENGTH) {
      req.resume();
      throw this.fail(info, format, new GatewayError(414, 'invalid_request', `URL longer than ${MAX_URL_LENGTH} characters`));
    }

    const origin = req.headers.origin;
    if (typeof origin === 'string') {
      if (method === 'OPTIONS') {
        handlePreflight(req, res, cfg.cors_origins);
        info.entry.status = res.statusCode;
        this.finish(info);
        return;
      }
      info.extraHeaders = corsHeaders(origin, cfg.cors_origins);
    }
    if (!endpoint || method === 'OPTIONS') {
      const known = detectEndpoint('POST', path) ?? detectEndpoint('GET', path);
      throw this.fail(
        info,
        format,
        known
          ? new GatewayError(405, 'invalid_request', `method ${method} not allowed on ${path}`)
          : new GatewayError(404, 'not_found', `unknown endpoint ${method} ${path}`),
      );
    }
    if (this.ctx.draining) throw this.fail(info, format, new GatewayError(503, 'overloaded', 'the gateway is shutting down; retry shortly'));

    if (cfg.proxy_api_keys && cfg.proxy_api_keys.length > 0) {
      if (!isAllowedKey(presentedKey(req.headers, info.query), cfg.proxy_api_keys)) {
        req.resume();
        throw this.fail(info, format, new GatewayError(401, 'authentication', 'invalid or missing API key for this gateway'));
      }
    }

    if (endpoint.kind === 'models') {
      req.resume();
      const { status, body } = listModels(this.routing, endpoint, req.headers, info.query);
      this.sendJson(info, status, JSON.stringify(body));
      this.finish(info);
      return;
    }

    let raw: Buffer;
    try {
      raw = await readBody(req, cfg.max_body_bytes);
    } catch (e) {
      if (e instanceof BodyTooLargeError)
        throw this.fail(info, format, new GatewayError(413, 'request_too_large', `request body larger than ${cfg.max_body_bytes} bytes`));
      throw this.fail(info, format, new GatewayError(400, 'invalid_request', 'could not read the request body'));
    }
    if (cfg.capture_payloads) {
      info.payloads = new PayloadCapture(this.captureSlabs, cfg.capture_max_bytes, raw, req.rawHeaders);
    }
    if (nestsDeeperThan(raw, MAX_JSON_DEPTH)) throw this.fail(info, format, badRequest(`request body nests deeper than ${MAX_JSON_DEPTH} levels`));
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      throw this.fail(info, format, badRequest('request body is not valid JSON'));
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw this.fail(info, format, badRequest('request body must be a JSON object'));

    const ep = endpoint as Exclude<Endpoint, { kind: 'models' }>;
    const bodyObj = body as Record<string, unknown>;
    const model = ep.format === 'gemini' ? ep.pathModel : bodyObj.model;
    if (typeof model !== 'string' || model === '') throw this.fail(info, format, badRequest('`model` is required and must be a string', 'model'));
    info.entry.model = model;

    const resolution = this.routing.resolve(model);
    if (ep.kind === 'count_tokens') {
      // counting never 404s: a model no downstream serves is estimated locally
      await countTokens(this, info, ep, bodyObj, resolution);
      return;
    }
    if (!resolution) {
      throw this.fail(
        info,
        format,
        new GatewayError(404, 'not_found', `model "${model}" is not served by this gateway; GET /v1/models lists the models you can ask for`, {
          param: 'model',
        }),
      );
    }

    const ex = new Exchange(this, info, ep, raw, bodyObj, model, resolution);
    this.active.add(ex);
    try {
      await ex.run();
    } finally {
      this.active.delete(ex);
    }
  }

  /** Send a JSON answer (headers of the request included). */
  sendJson(info: RequestInfo, status: number, text: string, headers?: Record<string, string>): void {
    const { res } = info;
    if (res.headersSent || res.destroyed) return;
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      'x-tresor-request-id': info.id,
      ...info.extraHeaders,
      ...headers,
    });
    res.end(text);
    info.entry.status = status;
    if (info.entry.ttfb_ms === null) info.entry.ttfb_ms = Math.round(performance.now() - info.start);
  }

  /** Answer with an error in the client's format, log it, and return it (for `throw`). */
  fail(info: RequestInfo, format: FormatId | undefined, err: GatewayError, headers?: Record<string, string>): Error {
    const e = err.info;
    if (!info.res.headersSent && !info.res.destroyed) {
      const body = format ? formatModule(format).encodeError(e) : { error: { message: e.message, type: e.kind } };
      const extra: Record<string, string> = { ...headers };
      if (e.retryAfter) extra['retry-after'] = e.retryAfter;
      this.sendJson(info, e.status === 499 ? 499 : e.status, JSON.stringify(body), extra);
    }
    info.entry.status = e.status;
    info.entry.error = e.message;
    this.finish(info);
    return new HandledError();
  }

  finish(info: RequestInfo): void {
    const entry = info.entry;
    if (entry.status === 0) entry.status = info.res.statusCode;
    entry.duration_ms = Math.round((performance.now() - info.start) * 10) / 10;
    try {
      // The request's objects may have been promoted to the old generation while it ran (a
      // stream's often are): a dead one still pointing at the capture would keep its young
      // objects (chunks and strings held until packing) alive through scavenges, and they were
      // promoted in turn, a KB a streamed request (bench/gc-by-mode.ts --stream).
      const payloads = info.payloads;
      info.payloads = undefined;
      this.ctx.observer.finished(entry, payloads);
    } catch (e) {
      this.ctx.logger.error({ err: (e as Error).message }, 'request observer failed');
    }
  }
}

/** Thrown after the client was already answered; ends the handler quietly. */
export class HandledError extends Error {
  constructor() {
    super('handled');
  }
}

function guessFormat(path: string, req: IncomingMessage): FormatId {
  if (path.startsWith('/v1beta') || path.includes(':generateContent') || path.includes(':streamGenerateContent')) return 'gemini';
  if (path.includes('/messages') || req.headers['anthropic-version']) return 'anthropic';
  if (path.includes('/responses')) return 'openai_responses';
  return 'openai';
}
