import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppContext } from '../app/context.js';
import { readBody, BodyTooLargeError } from '../util/body.js';
import { ApiError, type AdminRequest } from './router.js';
import { authorizeAdmin } from './auth.js';
import { toApiError } from './write.js';

/** The admin API accepts at most 1 MiB per request body. */
export const ADMIN_MAX_BODY = 1024 * 1024;

export function sendJson(res: ServerResponse, status: number, body: unknown, headers?: Record<string, string | string[]>): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

export function clientAddress(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? 'unknown';
}

export interface AdminListenerInfo {
  /** The request arrived on the admin Unix socket (socket_path). */
  viaSocket?: boolean;
}

/** Serve one request under /api or /metrics. Never throws. The admin API sends no CORS headers. */
export async function handleAdmin(
  ctx: AppContext,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: URLSearchParams,
  listener: AdminListenerInfo = {},
): Promise<void> {
  const method = req.method ?? 'GET';
  try {
    const match = ctx.adminRouter.match(method, path);
    if (match === undefined) throw new ApiError(404, `no such endpoint: ${method} ${path}`);
    if (match === 'method') throw new ApiError(405, `method ${method} not allowed on ${path}`);

    const r: AdminRequest = {
      method,
      path,
      params: match.params,
      query,
      body: undefined,
      headers: req.headers,
      clientAddr: listener.viaSocket ? 'unix' : clientAddress(req),
      viaSocket: listener.viaSocket === true,
      req,
      res,
      ctx,
    };
    // Credentials first: an unauthenticated client does not get to make us read its body.
    authorizeAdmin(r, match.public);
    if (method !== 'GET' && method !== 'HEAD' && method !== 'DELETE') r.body = await readJsonBody(req);
    const reply = await match.handler(r);
    if (reply.handled) return;
    sendJson(res, reply.status ?? 200, reply.body ?? {}, reply.headers);
  } catch (caught) {
    const e = toApiError(caught);
    if (!req.readableEnded) req.resume();
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (e instanceof ApiError) {
      sendJson(res, e.status, { error: e.message, ...(e.field ? { field: e.field } : {}), ...e.extra }, e.headers);
    } else if (e instanceof BodyTooLargeError) {
      sendJson(res, 413, { error: `request body larger than ${ADMIN_MAX_BODY} bytes` });
    } else {
      ctx.logger.error({ err: e instanceof Error ? e.message : String(e), path }, 'admin request failed');
      sendJson(res, 500, { error: 'internal error' });
    }
  }
}

async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const buf = await readBody(req, ADMIN_MAX_BODY);
  if (buf.length === 0) return undefined;
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch {
    throw new ApiError(400, 'request body is not valid JSON');
  }
}
