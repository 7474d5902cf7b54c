import type { ErrorInfo, ErrorKind } from '../../ir/types.js';
import { kindForStatus } from '../../util/errors.js';
import { isRecord, num, str } from './wire.js';

/** How OpenAI spells each kind: `type`, and the `code` it sends when it has one. */
const WIRE: Record<ErrorKind, { type: string; code: string | null }> = {
  invalid_request: { type: 'invalid_request_error', code: null },
  authentication: { type: 'authentication_error', code: 'invalid_api_key' },
  permission: { type: 'permission_error', code: null },
  not_found: { type: 'not_found_error', code: null },
  request_too_large: { type: 'invalid_request_error', code: 'request_too_large' },
  rate_limit: { type: 'requests', code: 'rate_limit_exceeded' },
  overloaded: { type: 'server_error', code: 'service_unavailable' },
  timeout: { type: 'server_error', code: 'timeout' },
  upstream: { type: 'server_error', code: 'bad_gateway' },
  server: { type: 'server_error', code: null },
};

export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** Hub error → the body an OpenAI client expects (also the payload of a stream error chunk). */
export function encodeOpenAIError(err: ErrorInfo): OpenAIErrorBody {
  const wire = WIRE[err.kind] ?? WIRE.server;
  // The provider's own code (insufficient_quota, context_length_exceeded...) is what client retry logic reads.
  const code = err.providerType && err.providerType !== wire.type ? err.providerType : wire.code;
  return { error: { message: err.message, type: wire.type, param: err.param ?? null, code } };
}

/**
 * A downstream error body → hub error. OpenAI sends {error:{message,type,param,code}};
 * compatible servers vary: {error:"text"}, {message}, {detail} (FastAPI), a one-element
 * array (Google's compatibility endpoint), or plain text / HTML from a proxy.
 */
export function decodeOpenAIError(status: number, bodyText: string): ErrorInfo {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bodyText);
  } catch {
    const text = bodyText.trim();
    return {
      status,
      kind: kindForStatus(status),
      message: text ? text.slice(0, 2000) : `Downstream returned HTTP ${status}`,
    };
  }
  if (Array.isArray(parsed) && parsed.length > 0) parsed = parsed[0];
  if (isRecord(parsed) && parsed.error !== undefined && parsed.error !== null) {
    const info = errorInfoFromPayload(parsed.error, status);
    return { ...info, status, kind: kindForStatus(status) };
  }
  let message: string | undefined;
  if (isRecord(parsed)) {
    message = str(parsed.message) ?? str(parsed.detail) ?? (parsed.detail !== undefined ? JSON.stringify(parsed.detail) : undefined);
  }
  return {
    status,
    kind: kindForStatus(status),
    message: message || (bodyText.trim() ? bodyText.trim().slice(0, 2000) : `Downstream returned HTTP ${status}`),
  };
}

/**
 * Status for an error that has no HTTP status of its own (a mid-stream error chunk, a
 * Responses `error` event or `response.failed`), from its code or else its type.
 */
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

/** The `error` member of an OpenAI-style payload (object or string) → hub error. */
export function errorInfoFromPayload(e: unknown, fallbackStatus: number): ErrorInfo {
  if (typeof e === 'string') {
    return { status: fallbackStatus, kind: kindForStatus(fallbackStatus), message: e || 'Downstream error' };
  }
  if (!isRecord(e)) {
    return { status: fallbackStatus, kind: kindForStatus(fallbackStatus), message: JSON.stringify(e) };
  }
  const type = str(e.type);
  const code = str(e.code) ?? str(e.status);
  const numericCode = num(e.code);
  const status = numericCode !== undefined && numericCode >= 400 && numericCode < 600 ? numericCode : statusForCode(code, statusForCode(type, fallbackStatus));
  const info: ErrorInfo = {
    status,
    kind: kindForStatus(status),
    message: str(e.message) || (code ?? type ?? 'Downstream error'),
  };
  const providerType = code ?? type;
  if (providerType) info.providerType = providerType;
  const param = str(e.param);
  if (param) info.param = param;
  return info;
}
