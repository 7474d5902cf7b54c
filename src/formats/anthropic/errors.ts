import type { ErrorInfo, ErrorKind } from '../../ir/types.js';
import { kindForStatus } from '../../util/errors.js';
import { ERROR_STATUS, isRecord, str } from './wire.js';

const TYPE_FOR_KIND: Readonly<Record<ErrorKind, string>> = {
  invalid_request: 'invalid_request_error',
  authentication: 'authentication_error',
  permission: 'permission_error',
  not_found: 'not_found_error',
  request_too_large: 'request_too_large',
  rate_limit: 'rate_limit_error',
  overloaded: 'overloaded_error',
  timeout: 'timeout_error',
  upstream: 'api_error',
  server: 'api_error',
};

/** The Anthropic error type for a hub error: the provider's own when it says the same thing. */
export function anthropicErrorType(err: Pick<ErrorInfo, 'kind' | 'providerType'>): string {
  const own = err.providerType;
  if (own !== undefined && Object.hasOwn(ERROR_STATUS, own) && kindForStatus(ERROR_STATUS[own]) === err.kind) return own;
  return TYPE_FOR_KIND[err.kind] ?? 'api_error';
}

/** Client error body: `{type:"error", error:{type, message}}` (also the stream `error` event). */
export function encodeAnthropicError(err: ErrorInfo): { type: 'error'; error: { type: string; message: string } } {
  return { type: 'error', error: { type: anthropicErrorType(err), message: err.message } };
}

const MAX_RAW_MESSAGE = 2000;

/** A downstream error response → hub error, keeping Anthropic's message text. */
export function decodeAnthropicError(status: number, bodyText: string): ErrorInfo {
  const info: ErrorInfo = { status, kind: kindForStatus(status), message: '' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(bodyText);
  } catch {
    parsed = undefined;
  }
  if (isRecord(parsed)) {
    const e = parsed.error;
    if (isRecord(e)) {
      info.message = str(e.message) ?? '';
      const type = str(e.type);
      if (type) info.providerType = type;
    } else if (typeof e === 'string') {
      info.message = e;
    } else if (typeof parsed.message === 'string') {
      info.message = parsed.message;
    }
  }
  if (!info.message) {
    const text = bodyText.trim();
    info.message = text ? (text.length > MAX_RAW_MESSAGE ? text.slice(0, MAX_RAW_MESSAGE) + '…' : text) : `Anthropic API returned HTTP ${status}`;
  }
  return info;
}

/** An `error` event inside a stream (status from its type: overloaded_error → 529...). */
export function errorFromStreamEvent(payload: unknown): ErrorInfo {
  const e = isRecord(payload) ? payload.error : undefined;
  const type = isRecord(e) ? str(e.type) : undefined;
  const message = (isRecord(e) ? str(e.message) : undefined) || 'Anthropic stream error';
  const status = type && Object.hasOwn(ERROR_STATUS, type) ? ERROR_STATUS[type] : 500;
  const info: ErrorInfo = { status, kind: kindForStatus(status), message };
  if (type) info.providerType = type;
  return info;
}
