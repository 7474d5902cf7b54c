import type { FormatId } from '../ir/types.js';
import { formatModule } from '../formats/registry.js';
import { buildUpstreamUrl, timeoutsOf, upstreamFailure } from '../upstream/client.js';
import { GatewayError } from '../util/errors.js';
import { estimateRequestTokens } from '../util/tokens.js';
import type { Endpoint } from './detect.js';
import type { GatewayShared, RequestInfo } from './gateway.js';
import type { Resolution } from './routing.js';
import { GATEWAY_ANTHROPIC_VERSION } from './exchange.js';

/**
 * Anthropic count_tokens and Gemini countTokens: forwarded natively when the resolved
 * downstream speaks the client's format, otherwise answered from a local tokenizer
 * estimate (marked with `x-tresor-token-estimate: true`). Never a 404.
 */
export async function countTokens(
  gw: GatewayShared,
  info: RequestInfo,
  ep: Extract<Endpoint, { kind: 'count_tokens' }>,
  body: Record<string, unknown>,
  raw: Buffer,
  resolution: Resolution,
): Promise<void> {
  const { downstream: ds, outputModel } = resolution.primary;
  const format: FormatId = ep.format;
  info.entry.downstream_id = ds.id;
  info.entry.output_model = outputModel;
  if ((ds.api_formats as FormatId[]).includes(format)) {
    await forward(gw, info, format, body, raw, ds, outputModel);
    return;
  }
  const mod = formatModule(format);
  let n: number;
  try {
    const request =
      format === 'anthropic'
        ? { ...body, max_tokens: typeof body.max_tokens === 'number' ? body.max_tokens : 1 }
        : ((body.generateContentRequest as Record<string, unknown> | undefined) ?? body);
    n = estimateRequestTokens(mod.decodeRequest(request, { pathModel: ep.pathModel, pathStream: false }));
  } catch (e) {
    if (e instanceof GatewayError) throw gw.fail(info, format, e);
    throw e;
  }
  const out = format === 'anthropic' ? { input_tokens: n } : { totalTokens: n, promptTokensDetails: [{ modality: 'TEXT', tokenCount: n }] };
  gw.sendJson(info, 200, JSON.stringify(out), { 'x-tresor-token-estimate': 'true' });
  info.entry.usage.input_tokens = n;
  gw.finish(info);
}

async function forward(
  gw: GatewayShared,
  info: RequestInfo,
  format: FormatId,
  body: Record<string, unknown>,
  raw: Buffer,
  ds: Resolution['primary']['downstream'],
  outputModel: string,
): Promise<void> {
  const mod = formatModule(format);
  const key = gw.keys.for(ds).next();
  const headers: Record<string, string> = { 'content-type': 'application/json', 'accept-encoding': 'identity', accept: 'application/json' };
  if ('key' in key && key.key) Object.assign(headers, mod.authHeaders(key.key));
  let path: string;
  let payload: string | Buffer = raw;
  if (format === 'anthropic') {
    const v = info.req.headers['anthropic-version'];
    headers['anthropic-version'] = typeof v === 'string' && v ? v : GATEWAY_ANTHROPIC_VERSION;
    const beta = info.req.headers['anthropic-beta'];
    if (typeof beta === 'string') headers['anthropic-beta'] = beta;
    path = '/v1/messages/count_tokens';
    if (body.model !== outputModel) payload = JSON.stringify({ ...body, model: outputModel });
  } else {
    path = `/v1beta/models/${encodeURIComponent(outputModel)}:countTokens`;
  }
  const url = buildUpstreamUrl(ds.format_urls?.[format] ?? ds.base_url, path);
  const started = performance.now();
  try {
    const up = await gw.upstream.send(ds, { url, headers, body: payload, signal: AbortSignal.timeout(timeoutsOf(ds).first_byte_ms), timeouts: timeoutsOf(ds) });
    const text = await up.body.text();
    info.entry.attempts.push({ downstream_id: ds.id, status: up.statusCode, duration_ms: Math.round(performance.now() - started) });
    if (up.statusCode >= 400) {
      const err = mod.decodeError(up.statusCode, text);
      const status = up.statusCode === 401 || up.statusCode === 403 ? 502 : up.statusCode;
      throw gw.fail(
        info,
        format,
        new GatewayError(status, err.kind, status === 502 ? `downstream ${ds.id} rejected the configured API key: ${err.message}` : err.message),
      );
    }
    gw.sendJson(info, 200, text);
    gw.finish(info);
  } catch (e) {
    if (e instanceof GatewayError || !(e instanceof Error) || e.message === 'handled') throw e;
    throw gw.fail(info, format, upstreamFailure(ds, e));
  }
}
