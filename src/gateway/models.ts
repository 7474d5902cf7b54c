import type { IncomingHttpHeaders } from 'node:http';
import type { Endpoint } from './detect.js';
import type { Routing } from './routing.js';

/**
 * GET /v1/models in the client's shape: OpenAI's list, Anthropic's when the request carries
 * anthropic-version, Gemini's under /v1beta/models (and under /v1/models for a client that
 * authenticates the Gemini way: @google/genai with apiVersion v1). Lists alias names and
 * downstream models.
 */
export function listModels(
  routing: Routing,
  ep: Extract<Endpoint, { kind: 'models' }>,
  headers: IncomingHttpHeaders,
  query = '',
): { status: number; body: unknown } {
  const models = routing.listModels();
  const created = Math.floor(Date.now() / 1000);
  if (ep.format === 'gemini' || isGeminiClient(headers, query)) {
    const toGemini = (id: string) => ({
      name: `models/${id}`,
      baseModelId: id,
      version: '001',
      displayName: id,
      supportedGenerationMethods: ['generateContent', 'streamGenerateContent', 'countTokens'],
    });
    if (ep.modelId) {
      const id = ep.modelId.replace(/^models\//, '');
      const m = models.find((x) => x.id === id);
      return m ? { status: 200, body: toGemini(m.id) } : notFound('gemini', id);
    }
    return { status: 200, body: { models: models.map((m) => toGemini(m.id)) } };
  }
  const anthropic = headers['anthropic-version'] !== undefined;
  const toAnthropic = (id: string) => ({ type: 'model', id, display_name: id, created_at: new Date(0).toISOString() });
  const toOpenAI = (m: { id: string; owned_by: string }) => ({ id: m.id, object: 'model', created, owned_by: m.owned_by });
  if (ep.modelId) {
    const m = models.find((x) => x.id === ep.modelId);
    if (!m) return notFound(anthropic ? 'anthropic' : 'openai', ep.modelId);
    return { status: 200, body: anthropic ? toAnthropic(m.id) : toOpenAI(m) };
  }
  if (anthropic) {
    const data = models.map((m) => toAnthropic(m.id));
    return { status: 200, body: { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data[data.length - 1]?.id ?? null } };
  }
  return { status: 200, body: { object: 'list', data: models.map(toOpenAI) } };
}

function notFound(format: 'openai' | 'anthropic' | 'gemini', id: string): { status: number; body: unknown } {
  const message = `model "${id}" is not served by this gateway`;
  if (format === 'anthropic') return { status: 404, body: { type: 'error', error: { type: 'not_found_error', message } } };
  if (format === 'gemini') return { status: 404, body: { error: { code: 404, message, status: 'NOT_FOUND' } } };
  return { status: 404, body: { error: { message, type: 'invalid_request_error', param: 'model', code: 'model_not_found' } } };
}

/** A Gemini client's key (x-goog-api-key or ?key=), with no other format's marks. */
function isGeminiClient(headers: IncomingHttpHeaders, query: string): boolean {
  if (headers['anthropic-version'] !== undefined || headers.authorization !== undefined) return false;
  return headers['x-goog-api-key'] !== undefined || new URLSearchParams(query).has('key');
}
