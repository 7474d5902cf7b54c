import type { FormatId } from '../ir/types.js';
import { formatModule } from '../formats/registry.js';
import { buildUpstreamUrl, timeoutsOf, upstreamFailure } from '../upstream/client.js';
import { Cancellation } from '../util/cancellation.js';
import { GatewayError } from '../util/errors.js';
import { estimateRequestTokens } from '../util/tokens.js';
import type { Endpoint } from './detect.js';
import type { GatewayShared, RequestInfo } from './gateway.js';
import { HandledError } from './gateway.js';
import type { Resolution, Target } from './routing.js';
import { GATEWAY_ANTHROPIC_VERSION } from './exchange.js';

/** Marks an answer computed locally (o200k tokenizer) rather than by the provider. */
export const ESTIMATE_HEADER = 'x-tresor-token-estimate';

/**
 * Fields of a Messages request that count_tokens refuses ("Extra inputs are not permitted").
 * Clients often send the body they are about to generate with; those fields don't change
 * the count, so they are dropped rather than turned into a 400.
 */
const ANTHROPIC_GENERATION_ONLY = [
  'max_tokens',
  'stream',
  'temperature',
  'top_p',
  'top_k',
  'stop_sequences',
  'metadata',
  'service_tier',
  'container',
  'inference_geo',
  'speed',
];

/**
 * Anthropic count_tokens and Gemini countTokens: forwarded natively when the resolved
 * downstream speaks the client's format, otherwise answered from a local tokenizer
 * estimate (marked with `x-tresor-token-estimate: true`). Never a 404: a model the gateway
 * cannot route is estimated too.
 */
export async function countTokens(
  gw: GatewayShared,
  info: RequestInfo,
  ep: Extract<Endpoint, { kind: 'count_tokens' }>,
  body: Record<string, unknown>,
  resolution: Resolution | undefined,
): Promise<void> {
  const format: FormatId = ep.format;
  const target = resolution?.primary;
  if (target) {
    info.entry.downstream_id = target.downstream.id;
    info.entry.output_model = target.outputModel;
    if ((target.downstream.api_formats as FormatId[]).includes(format)) {
      await forward(gw, info, format, body, target);
      return;
    }
  }
  let n: number;
  try {
    n = estimate(format, body, ep.pathModel);
  } catch (e) {
    if (e instanceof GatewayError) throw gw.fail(info, format, e);
    throw e;
  }
  const out = format === 'anthropic' ? { input_tokens: n } : { totalTokens: n, promptTokensDetails: [{ modality: 'TEXT', tokenCount: n }] };
  gw.sendJson(info, 200, JSON.stringify(out), { [ESTIMATE_HEADER]: 'true' });
  info.entry.usage.input_tokens = n;
  gw.finish(info);
}

/** The local estimate of a count request: decoded like a generate request of its format. */
function estimate(format: FormatId, body: Record<string, unknown>, pathModel: string | undefined): number {
  const mod = formatModule(format);
  const request =
    format === 'anthropic'
      ? { ...body, max_tokens: typeof body.max_tokens === 'number' ? body.max_tokens : 1 }
      : ((body.generateContentRequest as Record<string, unknown> | undefined) ?? body);
  return estimateRequestTokens(mod.decodeRequest(request, { pathModel, pathStream: false }));
}

/** The count request as the downstream takes it: its model, and only fields it accepts. */
function outgoingCountBody(format: FormatId, body: Record<string, unknown>, outputModel: string): Record<string, unknown> {
  if (format === 'anthropic') {
    const out: Record<string, unknown> = { ...body, model: outputModel };
    for (const k of ANTHROPIC_GENERATION_ONLY) delete out[k];
    return out;
  }
  const inner = body.generateContentRequest;
  if (inner && typeof inner === 'object' && !Array.isArray(inner)) {
    return { ...body, generateContentRequest: { ...inner, model: `models/${outputModel.replace(/^models\//, '')}` } };
  }
  return body;
}

async function forward(gw: GatewayShared, info: RequestInfo, format: FormatId, body: Record<string, unknown>, target: Target): Promise<void> {
  const { downstream: ds, outputModel } = target;
  const mod = formatModule(format);
  const pick = gw.keys.for(ds).next();
  const headers: Record<string, string> = { 'content-type': 'application/json', 'accept-encoding': 'identity', accept: 'application/json' };
  if ('key' in pick && pick.key) Object.assign(headers, mod.authHeaders(pick.key));
  let path: string;
  if (format === 'anthropic') {
    const v = info.req.headers['anthropic-version'];
    headers['anthropic-version'] = typeof v === 'string' && v ? v : GATEWAY_ANTHROPIC_VERSION;
    const beta = info.req.headers['anthropic-beta'];
    if (typeof beta === 'string') headers['anthropic-beta'] = beta;
    path = '/v1/messages/count_tokens';
  } else {
    path = `/v1beta/models/${encodeURIComponent(outputModel.replace(/^models\//, ''))}:countTokens`;
  }
  const url = buildUpstreamUrl(ds.format_urls?.[format] ?? ds.base_url, path);
  const timeouts = timeoutsOf(ds);
  // the client leaving ends the downstream call too (the timeouts are the client's, as for generation)
  const cancel = new Cancellation();
  info.res.once('close', () => cancel.cancel(Object.assign(new Error('client disconnected'), { name: 'AbortError' })));
  const started = performance.now();
  try {
    const up = await gw.upstream.send(ds, {
      url,
      headers,
      body: JSON.stringify(outgoingCountBody(format, body, outputModel)),
      cancel,
      timeouts,
    });
    const text = await up.body.text();
    info.entry.attempts.push({ downstream_id: ds.id, status: up.statusCode, duration_ms: Math.round(performance.now() - started) });
    if (up.statusCode >= 400) {
      const err = mod.decodeError(up.statusCode, text);
      // a wrong configured key is the gateway's problem, not the client's (SPEC §5)
      const keyRejected = up.statusCode === 401 || up.statusCode === 403;
      const message = keyRejected ? `downstream ${ds.id} rejected the configured API key (${up.statusCode}): ${err.message}` : err.message;
      throw gw.fail(
        info,
        format,
        new GatewayError(keyRejected ? 502 : up.statusCode, keyRejected ? 'upstream' : err.kind, message, { retryAfter: err.retryAfter }),
      );
    }
    gw.sendJson(info, 200, text);
    gw.finish(info);
  } catch (e) {
    if (e instanceof HandledError || e instanceof GatewayError) throw e;
    throw gw.fail(info, format, upstreamFailure(ds, e));
  }
}
