import type { ErrorInfo } from '../../ir/types.js';

/**
 * The Responses API uses the Chat Completions error body `{error:{message,type,param,code}}`,
 * so both OpenAI formats encode a gateway error with one function.
 */
export { encodeOpenAIError as encodeResponsesError, type OpenAIErrorBody as ResponsesErrorBody } from '../openai/errors.js';

const CODE_TOKEN = /^[a-z0-9_]+$/;

/**
 * `response.failed` carries `response.error: {code, message}` where code is one of the API's
 * own enum values; keep a provider code when we have one.
 */
export function failedResponseError(err: ErrorInfo): { code: string; message: string } {
  const code =
    err.providerType && CODE_TOKEN.test(err.providerType)
      ? err.providerType
      : err.kind === 'rate_limit'
        ? 'rate_limit_exceeded'
        : err.kind === 'invalid_request'
          ? 'invalid_prompt'
          : 'server_error';
  return { code, message: err.message };
}

/**
 * Downstream error bodies, `error` stream events and `response.failed` errors share the
 * Chat Completions error object, so the chat module's decoders serve both formats.
 */
export { decodeOpenAIError as decodeResponsesError, errorInfoFromPayload as errorFromPayload } from '../openai/errors.js';
