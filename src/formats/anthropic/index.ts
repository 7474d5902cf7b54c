import type { FormatModule } from '../types.js';
import { decodeAnthropicRequest } from './decode-request.js';
import { decodeAnthropicResponse } from './decode-response.js';
import { encodeAnthropicRequest } from './encode-request.js';
import { encodeAnthropicResponse } from './encode-response.js';
import { decodeAnthropicError, encodeAnthropicError } from './errors.js';
import { createAnthropicStreamDecoder } from './stream-decoder.js';
import { createAnthropicStreamEncoder } from './stream-encoder.js';

export { DEFAULT_MAX_TOKENS, MIN_THINKING_BUDGET, THINKING_BUDGETS } from './prepare-thinking.js';
export { MAX_CACHE_BREAKPOINTS } from './auto-cache.js';

/** Anthropic Messages API (`POST /v1/messages`). */
export const anthropicFormat: FormatModule = {
  id: 'anthropic',

  decodeRequest: (body) => decodeAnthropicRequest(body),
  encodeResponse: (res, ctx) => encodeAnthropicResponse(res, ctx),
  createStreamEncoder: (ctx) => createAnthropicStreamEncoder(ctx),
  encodeError: (err) => encodeAnthropicError(err),

  encodeRequest: (req, ctx) => encodeAnthropicRequest(req, ctx),
  decodeResponse: (body, ctx) => decodeAnthropicResponse(body, ctx.reasoningStore),
  createStreamDecoder: (ctx) => createAnthropicStreamDecoder(ctx.reasoningStore),
  decodeError: (status, bodyText) => decodeAnthropicError(status, bodyText),
  upstreamPath: () => '/v1/messages',
  // The gateway adds anthropic-version (and passes the client's anthropic-beta) itself.
  authHeaders: (key) => ({ 'x-api-key': key }),
};
