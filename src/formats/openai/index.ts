import type { FormatModule } from '../types.js';
import { decodeOpenAIRequest } from './decode-request.js';
import { decodeOpenAIResponse } from './decode-response.js';
import { encodeOpenAIRequest } from './encode-request.js';
import { encodeOpenAIResponse } from './encode-response.js';
import { decodeOpenAIError, encodeOpenAIError } from './errors.js';
import { OpenAIStreamDecoder } from './stream-decoder.js';
import { OpenAIStreamEncoder } from './stream-encoder.js';

/**
 * OpenAI Chat Completions (`POST /v1/chat/completions`), also spoken by OpenAI-compatible
 * providers (DeepSeek, xAI, Groq, Qwen, vLLM, OpenRouter...), whose dialects the decoders accept.
 */
export const openaiFormat: FormatModule = {
  id: 'openai',

  decodeRequest: (body) => decodeOpenAIRequest(body),
  encodeResponse: (res, ctx) => encodeOpenAIResponse(res, ctx),
  createStreamEncoder: (ctx) => new OpenAIStreamEncoder(ctx),
  encodeError: (err) => encodeOpenAIError(err),

  encodeRequest: (req, ctx) => encodeOpenAIRequest(req, ctx),
  decodeResponse: (body) => decodeOpenAIResponse(body),
  createStreamDecoder: () => new OpenAIStreamDecoder(),
  decodeError: (status, bodyText) => decodeOpenAIError(status, bodyText),
  upstreamPath: () => '/v1/chat/completions',
  authHeaders: (key) => ({ authorization: `Bearer ${key}` }),
};
