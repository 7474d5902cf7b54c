import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import Database from 'better-sqlite3';
import { z } from 'zod';
import type { AppContext } from '../app/context.js';
import { ApiError, type AdminReply, type AdminRequest } from './router.js';
import { parseBody } from './validate.js';

export function isLoopback(addr: string): boolean {
  return addr === '127.0.0.1' || addr === '::1' || addr === '::ffff:127.0.0.1' || addr.startsWith('127.') || addr.startsWith('::ffff:127.');
}

/** Constant-time string comparison (hashing first makes the lengths equal). */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

export const SESSION_COOKIE = 'tresor_session';
const LOGIN_FAILURES_PER_MINUTE = 5;
const STATE_CHANGING = new Set(['POST', 'PUT', 'DELETE', 'PATCH']);

/** Failed logins per client address within a sliding minute. */
export class FailureLimiter {
  private failures = new Map<string, number[]>();

  constructor(
    readonly limit = LOGIN_FAILURES_PER_MINUTE,
    readonly windowMs = 60_000,
  ) {}

  private recent(addr: string, now: number): number[] {
    const list = (this.failures.get(addr) ?? []).filter((t) => now - t < this.windowMs);
    if (list.length) this.failures.set(addr, list);
    else this.failures.delete(addr);
    return list;
  }

  /** Seconds until the address may try again; 0 when it may now. */
  retryAfter(addr: string, now = Date.now()): number {
    const list = this.recent(addr, now);
    if (list.length < this.limit) return 0;
    return Math.max(1, Math.ceil((list[list.length - this.limit] + this.windowMs - now) / 1000));
  }

  record(addr: string, now = Date.now()): void {
    if (this.failures.size > 10_000) this.failures.clear(); // a flood of addresses must not grow memory without bound
    this.failures.set(addr, [...this.recent(addr, now), now]);
  }
}

interface SessionRow {
  expires_at: number;
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    const k = part.slice(0, eq).trim();
    const v = part.slice(eq + 1).trim();
    try {
      out[k] = decodeURIComponent(v);
    } catch {
      out[k] = v;
    }
  }
  return out;
}

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/** Hostname of a Host header value (`[::1]:8080` → `::1`). */
function hostnameOf(host: string): string {
  if (host.startsWith('[')) return host.slice(1, host.indexOf(']'));
  const colon = host.lastIndexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}

function isLocalHostname(name: string): boolean {
  const h = name.toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || isLoopback(h);
}

function bearerToken(r: AdminRequest): string | undefined {
  const auth = r.headers.authorization;
  if (typeof auth !== 'string') return undefined;
  const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
  return m ? m[1] : undefined;
}

const loginBody = z.object({ password: z.string() }).strict();

/**
 * Admin access control. With `admin_password`: a session cookie (sessions in SQLite, expiring
 * after `session_ttl_hours`) or the password as a Bearer token (the CLI). Without it: loopback
 * clients only (and the Unix socket). State-changing requests from another origin are refused
 * (CSRF), login included; failed logins are limited per client address.
 */
export class AdminAuth {
  private dbHandle?: Database.Database;
  readonly limiter = new FailureLimiter();

  constructor(private readonly ctx: AppContext) {}

  /** The shared database when the store is up, else a private in-memory one. */
  private get db(): Database.Database {
    if (this.dbHandle) return this.dbHandle;
    const shared = this.ctx.services.db;
    let db: Database.Database;
    if (shared instanceof Database) {
      db = shared;
    } else {
      const own = new Database(':memory:');
      this.ctx.closers.push(() => {
        own.close();
      });
      db = own;
    }
    db.exec(`CREATE TABLE IF NOT EXISTS sessions (
      token_hash TEXT PRIMARY KEY,
      created_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL,
      client_addr TEXT
    )`);
    this.dbHandle = db;
    return db;
  }

  private get password(): string | undefined {
    return this.ctx.config.current.admin_password || undefined;
  }

  /** Throws the ApiError the request deserves, or returns when it may proceed. */
  authorize(r: AdminRequest, isPublic: boolean): void {
    this.checkOrigin(r);
    if (isPublic) return;
    const cfg = this.ctx.config.current;
    const bearer = bearerToken(r);
    if (r.path === '/metrics' && cfg.metrics_token && bearer !== undefined && safeEqual(bearer, cfg.metrics_token)) return;
    const password = this.password;
    if (!password) {
      this.checkLocal(r);
      return;
    }
    if (this.hasSession(r)) return;
    if (bearer !== undefined) {
      this.checkPassword(r, bearer);
      return;
    }
    throw new ApiError(401, 'authentication required: log in (POST /api/auth/login) or send the admin password as a Bearer token');
  }

  /** Is this request authenticated (for GET /api/auth/status)? */
  isAuthenticated(r: AdminRequest): boolean {
    const password = this.password;
    if (!password) return this.isLocal(r);
    if (this.hasSession(r)) return true;
    const bearer = bearerToken(r);
    return bearer !== undefined && safeEqual(bearer, password);
  }

  /** A new session for the caller: the Set-Cookie header value. */
  issueSession(r: AdminRequest): { cookie: string; expiresAt: number } {
    const token = randomBytes(32).toString('base64url');
    const now = Date.now();
    const ttlMs = this.ctx.config.current.session_ttl_hours * 3_600_000;
    const expiresAt = now + ttlMs;
    this.db.prepare('DELETE FROM sessions WHERE expires_at <= ?').run(now);
    this.db
      .prepare('INSERT INTO sessions (token_hash, created_at, expires_at, client_addr) VALUES (?, ?, ?, ?)')
      .run(hashToken(token), now, expiresAt, r.clientAddr);
    const maxAge = Math.ceil(ttlMs / 1000);
    return { cookie: `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}`, expiresAt };
  }

  /** Forget every session (the password changed or was removed). */
  revokeAll(): void {
    this.db.prepare('DELETE FROM sessions').run();
  }

  login(r: AdminRequest): AdminReply {
    const password = this.password;
    if (!password) throw new ApiError(400, 'no admin_password is set: the admin API is open on loopback without logging in');
    const { password: given } = parseBody(loginBody, r.body);
    this.checkPassword(r, given);
    const s = this.issueSession(r);
    return { body: { authenticated: true, expires_at: new Date(s.expiresAt).toISOString() }, headers: { 'set-cookie': s.cookie } };
  }

  logout(r: AdminRequest): AdminReply {
    const token = parseCookies(r.headers.cookie)[SESSION_COOKIE];
    if (token) this.db.prepare('DELETE FROM sessions WHERE token_hash = ?').run(hashToken(token));
    return { body: { authenticated: false }, headers: { 'set-cookie': `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0` } };
  }

  status(r: AdminRequest): AdminReply {
    const password_required = this.password !== undefined;
    return { body: { password_required, authenticated: this.isAuthenticated(r), loopback_only: !password_required } };
  }

  private hasSession(r: AdminRequest): boolean {
    const token = parseCookies(r.headers.cookie)[SESSION_COOKIE];
    if (!token) return false;
    const row = this.db.prepare('SELECT expires_at FROM sessions WHERE token_hash = ?').get(hashToken(token)) as SessionRow | undefined;
    return row !== undefined && row.expires_at > Date.now();
  }

  /** Compare a presented password; failures count toward the per-address limit. */
  private checkPassword(r: AdminRequest, given: string): void {
    const wait = this.limiter.retryAfter(r.clientAddr);
    if (wait > 0) throw new ApiError(429, `too many failed logins; try again in ${wait} s`, undefined, undefined, { 'retry-after': String(wait) });
    if (safeEqual(given, this.password ?? '')) return;
    this.limiter.record(r.clientAddr);
    throw new ApiError(401, 'wrong password', 'password');
  }

  private isLocal(r: AdminRequest): boolean {
    if (r.viaSocket) return true;
    if (!isLoopback(r.clientAddr)) return false;
    // A loopback client naming a foreign host is a browser under DNS rebinding.
    const host = r.headers.host;
    if (!host) return true;
    const name = hostnameOf(host);
    if (isLocalHostname(name)) return true;
    return [...this.ctx.selfOrigins].some((o) => originOf(o) !== undefined && new URL(o).hostname.replace(/^\[|\]$/g, '') === name);
  }

  private checkLocal(r: AdminRequest): void {
    if (!this.isLocal(r)) throw new ApiError(403, 'the admin API answers only on loopback when no admin_password is set');
  }

  /** CSRF: a state-changing request that says it comes from another origin is refused. */
  private checkOrigin(r: AdminRequest): void {
    if (!STATE_CHANGING.has(r.method)) return;
    const origin = typeof r.headers.origin === 'string' ? r.headers.origin : undefined;
    const referer = typeof r.headers.referer === 'string' ? r.headers.referer : undefined;
    const claimed = origin !== undefined ? origin : referer !== undefined ? (originOf(referer) ?? 'null') : undefined;
    if (claimed === undefined) return;
    if (this.ctx.selfOrigins.has(claimed)) return;
    // With a password the session cookie is bound to the host, so the page's own host is safe too.
    const host = r.headers.host;
    if (this.password && host && (claimed === `http://${host}` || claimed === `https://${host}`)) return;
    throw new ApiError(403, `cross-origin request refused (origin ${claimed})`);
  }
}

/** The context's auth service (created on first use). */
export function adminAuth(ctx: AppContext): AdminAuth {
  let auth = ctx.services.adminAuth;
  if (!(auth instanceof AdminAuth)) {
    auth = new AdminAuth(ctx);
    ctx.services.adminAuth = auth;
  }
  return auth as AdminAuth;
}

export function authorizeAdmin(r: AdminRequest, isPublic: boolean): void {
  adminAuth(r.ctx).authorize(r, isPublic);
}

export function installAuthRoutes(ctx: AppContext): void {
  const auth = adminAuth(ctx);
  ctx.adminRouter.get('/api/auth/status', (r) => auth.status(r), { public: true });
  ctx.adminRouter.post('/api/auth/login', (r) => auth.login(r), { public: true });
  ctx.adminRouter.post('/api/auth/logout', (r) => auth.logout(r), { public: true });
}
