import type { ErrorInfo, ErrorKind } from '../ir/types.js';

/**
 * An error that knows what the client should see. Thrown anywhere on the request path;
 * the gateway turns it into the client's format in one place.
 */
export class GatewayError extends Error {
  readonly info: ErrorInfo;
  constructor(status: number, kind: ErrorKind, message: string, extra?: Partial<ErrorInfo>) {
    super(message);
    this.name = 'GatewayError';
    this.info = { status, kind, message, ...extra };
  }
}

export function badRequest(message: string, param?: string): GatewayError {
  return new GatewayError(400, 'invalid_request', message, param ? { param } : undefined);
}

/** The canonical kind for an HTTP status. */
export function kindForStatus(status: number): ErrorKind {
  if (status === 400 || status === 422) return 'invalid_request';
  if (status === 401) return 'authentication';
  if (status === 403) return 'permission';
  if (status === 404) return 'not_found';
  if (status === 413) return 'request_too_large';
  if (status === 429) return 'rate_limit';
  if (status === 503 || status === 529) return 'overloaded';
  if (status === 504 || status === 408) return 'timeout';
  if (status === 502) return 'upstream';
  return status >= 500 ? 'server' : 'invalid_request';
}
