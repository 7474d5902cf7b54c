import type { FormatModule } from '../types.js';
import { decodeResponsesRequest } from './decode-request.js';
import { decodeResponsesResponse } from './decode-response.js';
import { encodeResponsesRequest } from './encode-request.js';
import { encodeResponsesResponse } from './encode-response.js';
import { decodeResponsesError, encodeResponsesError } from './errors.js';
import { ResponsesStreamDecoder } from './stream-decoder.js';
import { ResponsesStreamEncoder } from './stream-encoder.js';

/** OpenAI Responses API (POST /v1/responses); Azure OpenAI speaks the same wire format. */
export const responsesFormat: FormatModule = {
  id: 'openai_responses',

  decodeRequest: decodeResponsesRequest,
  encodeResponse: encodeResponsesResponse,
  createStreamEncoder: (ctx) => new ResponsesStreamEncoder(ctx),
  encodeError: encodeResponsesError,

  encodeRequest: encodeResponsesRequest,
  decodeResponse: decodeResponsesResponse,
  createStreamDecoder: (ctx) => new ResponsesStreamDecoder(ctx),
  decodeError: decodeResponsesError,
  upstreamPath: () => '/v1/responses',
  authHeaders: (key) => ({ authorization: `Bearer ${key}` }),
};
