import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppContext } from '../app/context.js';

/** A 4xx/5xx answer of the admin API: `{"error": message, "field": field}`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
    readonly extra?: Record<string, unknown>,
    /** Response headers to send with the error (retry-after). */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface AdminRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  /** Parsed JSON body (undefined when none was sent). */
  body: unknown;
  headers: IncomingMessage['headers'];
  clientAddr: string;
  /** The request came over the admin Unix socket (socket_path), which only its owner can open. */
  viaSocket?: boolean;
  req: IncomingMessage;
  res: ServerResponse;
  ctx: AppContext;
}

export interface AdminReply {
  status?: number;
  body?: unknown;
  headers?: Record<string, string | string[]>;
  /** The handler wrote the response itself (SSE, text). */
  handled?: boolean;
}

export type AdminHandler = (r: AdminRequest) => AdminReply | Promise<AdminReply>;

interface Route {
  method: string;
  parts: string[];
  handler: AdminHandler;
  /** Public routes skip admin auth. */
  public: boolean;
}

export interface RouteMatch {
  handler: AdminHandler;
  params: Record<string, string>;
  public: boolean;
}

/** Tiny path router: segments, `:name` parameters (URL-decoded). Static segments win over parameters. */
export class Router {
  private routes: Route[] = [];

  add(method: string, pattern: string, handler: AdminHandler, opts: { public?: boolean } = {}): this {
    this.routes.push({ method, parts: pattern.split('/').filter(Boolean), handler, public: opts.public ?? false });
    // static-first ordering so /api/aliases/reorder beats /api/aliases/:id
    this.routes.sort((a, b) => score(b) - score(a));
    return this;
  }

  get(p: string, h: AdminHandler, o?: { public?: boolean }): this {
    return this.add('GET', p, h, o);
  }
  post(p: string, h: AdminHandler, o?: { public?: boolean }): this {
    return this.add('POST', p, h, o);
  }
  put(p: string, h: AdminHandler, o?: { public?: boolean }): this {
    return this.add('PUT', p, h, o);
  }
  delete(p: string, h: AdminHandler, o?: { public?: boolean }): this {
    return this.add('DELETE', p, h, o);
  }

  /** `undefined` when no route has this path; `'method'` when the path exists for other methods. */
  match(method: string, path: string): RouteMatch | 'method' | undefined {
    const segs = path.split('/').filter(Boolean);
    let pathExists = false;
    for (const r of this.routes) {
      if (r.parts.length !== segs.length) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < segs.length; i++) {
        const p = r.parts[i];
        if (p.startsWith(':')) {
          try {
            params[p.slice(1)] = decodeURIComponent(segs[i]);
          } catch {
            ok = false;
            break;
          }
        } else if (p !== segs[i]) {
          ok = false;
          break;
        }
      }
      if (!ok) continue;
      pathExists = true;
      if (r.method === method || (method === 'HEAD' && r.method === 'GET')) return { handler: r.handler, params, public: r.public };
    }
    return pathExists ? 'method' : undefined;
  }
}

function score(r: Route): number {
  return r.parts.reduce((s, p) => s * 2 + (p.startsWith(':') ? 0 : 1), 1);
}
