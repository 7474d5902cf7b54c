import type { ErrorInfo } from '../../ir/types.js';
import { kindForStatus } from '../../util/errors.js';
import { isRecord, num, str } from './wire.js';

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

/** A downstream error body (any text) → hub error, keeping the provider's message. */
export function decodeResponsesError(status: number, bodyText: string): ErrorInfo {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bodyText);
  } catch {
    const text = bodyText.trim();
    return { status, kind: kindForStatus(status), message: text ? text.slice(0, 2000) : `Downstream returned HTTP ${status}` };
  }
  if (isRecord(parsed) && isRecord(parsed.error)) {
    const info = errorFromPayload(parsed.error, status);
    return { ...info, status, kind: kindForStatus(status) };
  }
  let message: string | undefined;
  if (isRecord(parsed)) message = str(parsed.error) ?? str(parsed.message) ?? str(parsed.detail);
  const text = bodyText.trim();
  return { status, kind: kindForStatus(status), message: message || (text ? text.slice(0, 2000) : `Downstream returned HTTP ${status}`) };
}

/**
 * The error object of an `error` stream event or of `response.failed` → hub error. Mid-stream
 * errors have no HTTP status: it is inferred from the code/type.
 */
export function errorFromPayload(e: Record<string, unknown>, fallbackStatus: number): ErrorInfo {
  const type = str(e.type);
  const code = str(e.code);
  const numeric = num(e.code);
  const status = numeric !== undefined && numeric >= 400 && numeric < 600 ? numeric : statusForCode(code, statusForCode(type, fallbackStatus));
  const info: ErrorInfo = { status, kind: kindForStatus(status), message: str(e.message) || code || type || 'Downstream error' };
  const providerType = code ?? type;
  if (providerType) info.providerType = providerType;
  const param = str(e.param);
  if (param) info.param = param;
  return info;
}

function statusForCode(code: string | undefined, fallback: number): number {
  switch (code) {
    case 'invalid_request_error':
    case 'invalid_prompt':
    case 'context_length_exceeded':
    case 'invalid_image':
    case 'invalid_image_url':
    case 'invalid_base64_image':
    case 'image_too_large':
      return 400;
    case 'authentication_error':
    case 'invalid_api_key':
      return 401;
    case 'permission_error':
      return 403;
    case 'not_found_error':
    case 'model_not_found':
      return 404;
    case 'requests':
    case 'tokens':
    case 'rate_limit_exceeded':
    case 'rate_limit_error':
    case 'insufficient_quota':
      return 429;
    case 'server_is_overloaded':
    case 'service_unavailable':
    case 'overloaded_error':
      return 503;
    case 'server_error':
      return 500;
    default:
      return fallback;
  }
}
