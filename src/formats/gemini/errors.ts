import type { ErrorInfo, ErrorKind } from '../../ir/types.js';
import { kindForStatus } from '../../util/errors.js';
import { isObject, STATUS_FOR_HTTP } from './wire.js';

const STATUS_FOR_KIND: Readonly<Record<ErrorKind, string>> = {
  invalid_request: 'INVALID_ARGUMENT',
  authentication: 'UNAUTHENTICATED',
  permission: 'PERMISSION_DENIED',
  not_found: 'NOT_FOUND',
  request_too_large: 'INVALID_ARGUMENT',
  rate_limit: 'RESOURCE_EXHAUSTED',
  overloaded: 'UNAVAILABLE',
  timeout: 'DEADLINE_EXCEEDED',
  upstream: 'UNAVAILABLE',
  server: 'INTERNAL',
};

const GOOGLE_STATUSES = new Set([
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
]);

/** The google.rpc status string for an error: the provider's own when it was Google's, else by status/kind. */
export function googleStatusFor(err: Pick<ErrorInfo, 'status' | 'kind' | 'providerType'>): string {
  if (err.providerType !== undefined && GOOGLE_STATUSES.has(err.providerType)) return err.providerType;
  return STATUS_FOR_HTTP[err.status] ?? STATUS_FOR_KIND[err.kind] ?? 'INTERNAL';
}

/** The error body Google sends: {error: {code, message, status}}. */
export function encodeGeminiError(err: ErrorInfo): { error: { code: number; message: string; status: string } } {
  return { error: { code: err.status, message: err.message, status: googleStatusFor(err) } };
}

const RETRY_DELAY_RE = /^(\d+(?:\.\d+)?)s$/;

/**
 * A downstream error body → hub error. Google sends {error:{code,message,status,details}};
 * a streamGenerateContent call without alt=sse wraps it in an array; proxies send HTML or
 * plain text. RetryInfo.retryDelay ("30s") in details becomes retryAfter.
 */
export function decodeGeminiError(status: number, bodyText: string): ErrorInfo {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bodyText);
  } catch {
    parsed = undefined;
  }
  if (Array.isArray(parsed)) parsed = parsed.find((x) => isObject(x) && isObject(x.error));
  const info: ErrorInfo = { status, kind: kindForStatus(status), message: '' };
  const error = isObject(parsed) && isObject(parsed.error) ? parsed.error : undefined;
  if (error) {
    if (typeof error.message === 'string') info.message = error.message;
    if (typeof error.status === 'string') info.providerType = error.status;
    if (Array.isArray(error.details)) {
      for (const d of error.details) {
        if (isObject(d) && typeof d.retryDelay === 'string') {
          const m = RETRY_DELAY_RE.exec(d.retryDelay);
          if (m) info.retryAfter = String(Math.ceil(Number(m[1])));
        }
      }
    }
  } else if (isObject(parsed) && typeof parsed.message === 'string') {
    info.message = parsed.message;
  } else {
    info.message = bodyText.trim().slice(0, 2000);
  }
  if (!info.message) info.message = `Gemini API returned HTTP ${status}`;
  return info;
}
