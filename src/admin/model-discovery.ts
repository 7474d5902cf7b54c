import { Agent, EnvHttpProxyAgent, type Dispatcher } from '../upstream/undici.js';
import type { DownstreamConfig } from '../config/schema.js';
import type { FormatId } from '../ir/types.js';
import { ApiError } from './router.js';

/** The whole discovery (every page) must finish within this. */
export const DISCOVERY_TIMEOUT_MS = 15_000;
const MAX_PAGES = 20;
const MAX_BODY_BYTES = 10 * 1024 * 1024;

export interface DiscoveredModels {
  format: FormatId;
  /** The first page's URL (for the operator's understanding; no key in it). */
  url: string;
  models: string[];
}

/** Whether a base URL already ends in a version segment (`/v1`, `/v1beta`): then no other is added. */
function endsInVersion(base: string): boolean {
  return /\/v\d+[a-z0-9]*$/i.test(base);
}

/** The model-list URL of a downstream in `format`, from its own configured base URL only. */
export function modelListUrl(ds: DownstreamConfig, format: FormatId): URL {
  const configured = ds.format_urls?.[format] ?? ds.base_url;
  let url: URL;
  try {
    url = new URL(configured);
  } catch {
    throw new ApiError(400, `downstream "${ds.id}" has an invalid base URL`, 'base_url');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ApiError(400, `downstream "${ds.id}" base URL is not http(s)`, 'base_url');
  const base = url.href.replace(/\/+$/, '');
  const defaultVersion = format === 'gemini' ? '/v1beta' : '/v1';
  return new URL(endsInVersion(base) ? `${base}/models` : `${base}${defaultVersion}/models`);
}

function authHeaders(ds: DownstreamConfig, format: FormatId): Record<string, string> {
  const key = ds.api_key ?? ds.api_keys?.[0];
  const headers: Record<string, string> = { accept: 'application/json', ...ds.headers };
  if (!key) return headers;
  if (format === 'anthropic') {
    headers['x-api-key'] = key;
    headers['anthropic-version'] = '2023-06-01';
  } else if (format === 'gemini') headers['x-goog-api-key'] = key;
  else headers.authorization = `Bearer ${key}`;
  return headers;
}

function hasProxyEnv(): boolean {
  const e = process.env;
  return Boolean(e.HTTPS_PROXY || e.https_proxy || e.HTTP_PROXY || e.http_proxy);
}

interface Page {
  ids: string[];
  next?: (url: URL) => URL;
}

function pageOf(format: FormatId, body: unknown): Page {
  const b = (body ?? {}) as Record<string, unknown>;
  if (format === 'gemini') {
    const models = Array.isArray(b.models) ? (b.models as Record<string, unknown>[]) : [];
    const ids = models.map((m) => String(m.name ?? '').replace(/^models\//, '')).filter(Boolean);
    const token = typeof b.nextPageToken === 'string' && b.nextPageToken ? b.nextPageToken : undefined;
    return { ids, next: token ? (u) => withParam(u, 'pageToken', token) : undefined };
  }
  const data = Array.isArray(b.data) ? (b.data as Record<string, unknown>[]) : [];
  const ids = data.map((m) => String(m.id ?? '')).filter(Boolean);
  const last = typeof b.last_id === 'string' ? b.last_id : undefined;
  return { ids, next: format === 'anthropic' && b.has_more === true && last ? (u) => withParam(u, 'after_id', last) : undefined };
}

function withParam(u: URL, k: string, v: string): URL {
  const next = new URL(u);
  next.searchParams.set(k, v);
  return next;
}

function firstPage(format: FormatId, u: URL): URL {
  if (format === 'anthropic') return withParam(u, 'limit', '1000');
  if (format === 'gemini') return withParam(u, 'pageSize', '1000');
  return u;
}

/** The provider's error text, briefly (it helps the operator; it never holds our key in full). */
function providerMessage(text: string): string {
  try {
    const j = JSON.parse(text) as { error?: { message?: string } | string; message?: string };
    const m = typeof j.error === 'string' ? j.error : (j.error?.message ?? j.message);
    if (m) return String(m).slice(0, 300);
  } catch {
    /* not JSON */
  }
  return text.slice(0, 300);
}

/**
 * Ask a downstream's provider which models it serves, in the downstream's first format with
 * its own key, at its own configured URL. Bounded by DISCOVERY_TIMEOUT_MS; redirects are
 * not followed (they could carry the key elsewhere).
 */
export async function discoverModels(ds: DownstreamConfig, proxyMode: 'auto' | 'env' | 'none', timeoutMs = DISCOVERY_TIMEOUT_MS): Promise<DiscoveredModels> {
  const format = ds.api_formats[0] as FormatId;
  const listUrl = modelListUrl(ds, format);
  const headers = authHeaders(ds, format);
  const dispatcher: Dispatcher = proxyMode !== 'none' && hasProxyEnv() ? new EnvHttpProxyAgent() : new Agent({ connect: { timeout: timeoutMs } });
  const signal = AbortSignal.timeout(timeoutMs);
  const models: string[] = [];
  try {
    let url: URL | undefined = firstPage(format, listUrl);
    for (let page = 0; url && page < MAX_PAGES; page++) {
      const res = await dispatcher.request({ origin: url.origin, path: url.pathname + url.search, method: 'GET', headers, signal });
      const text = await readLimited(res.body);
      if (res.statusCode < 200 || res.statusCode >= 300) {
        throw new ApiError(502, `downstream "${ds.id}" answered ${res.statusCode} to ${listUrl.href}: ${providerMessage(text)}`);
      }
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw new ApiError(502, `downstream "${ds.id}" did not answer JSON at ${listUrl.href}`);
      }
      const p = pageOf(format, body);
      models.push(...p.ids);
      url = p.next?.(listUrl);
      if (url) url = firstPage(format, url);
    }
  } catch (e) {
    if (e instanceof ApiError) throw e;
    if (signal.aborted) throw new ApiError(504, `downstream "${ds.id}" did not list its models within ${timeoutMs} ms`);
    throw new ApiError(502, `cannot reach downstream "${ds.id}" at ${listUrl.href}: ${(e as Error).message}`);
  } finally {
    void dispatcher.close().catch(() => undefined);
  }
  return { format, url: listUrl.href, models: [...new Set(models)] };
}

async function readLimited(body: Dispatcher.ResponseData['body']): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) {
      body.destroy();
      throw new ApiError(502, `the model list is larger than ${MAX_BODY_BYTES} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
