import type { FormatModule } from '../types.js';
import { decodeGeminiRequest } from './decode-request.js';
import { decodeGeminiResponse } from './decode-response.js';
import { encodeGeminiRequest } from './encode-request.js';
import { encodeGeminiResponse } from './encode-response.js';
import { decodeGeminiError, encodeGeminiError } from './errors.js';
import { createGeminiStreamDecoder } from './stream-decoder.js';
import { createGeminiStreamEncoder } from './stream-encoder.js';

const MODELS_PREFIX_RE = /^models\//;

/** Google Gemini API (generateContent / streamGenerateContent?alt=sse), as @google/genai speaks it. */
export const geminiFormat: FormatModule = {
  id: 'gemini',

  decodeRequest: decodeGeminiRequest,
  encodeResponse: encodeGeminiResponse,
  createStreamEncoder: (ctx) => createGeminiStreamEncoder(ctx, 'sse'),
  encodeError: encodeGeminiError,

  encodeRequest: encodeGeminiRequest,
  decodeResponse: decodeGeminiResponse,
  createStreamDecoder: createGeminiStreamDecoder,
  decodeError: decodeGeminiError,
  upstreamPath(model: string, stream: boolean): string {
    const name = model.replace(MODELS_PREFIX_RE, '');
    return stream ? `/v1beta/models/${name}:streamGenerateContent?alt=sse` : `/v1beta/models/${name}:generateContent`;
  },
  authHeaders(key: string): Record<string, string> {
    return { 'x-goog-api-key': key };
  },
};

export { createGeminiStreamEncoder, geminiStreamContentType, GeminiStreamEncoder, type GeminiStreamFraming } from './stream-encoder.js';
export { GeminiStreamDecoder } from './stream-decoder.js';
export { DUMMY_THOUGHT_SIGNATURE, toThinkingConfig } from './encode-request.js';
export { toGeminiSchema, toGeminiParameters, fromGeminiSchema } from './schema.js';
