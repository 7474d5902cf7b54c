import { timingSafeEqual, createHash } from 'node:crypto';
import { ApiError, type AdminRequest } from './router.js';

export function isLoopback(addr: string): boolean {
  return addr === '127.0.0.1' || addr === '::1' || addr === '::ffff:127.0.0.1' || addr.startsWith('127.') || addr.startsWith('::ffff:127.');
}

/** Constant-time string comparison (hashing first makes the lengths equal). */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

/**
 * Admin access: with no admin_password, loopback clients only; with one, the password as a
 * Bearer token. (Session cookies are added by the auth module's session support.)
 */
export async function authorizeAdmin(r: AdminRequest, isPublic: boolean): Promise<void> {
  if (isPublic) return;
  const password = r.ctx.config.current.admin_password;
  if (!password) {
    if (!isLoopback(r.clientAddr)) throw new ApiError(403, 'the admin API answers only on loopback when no admin_password is set');
    return;
  }
  const auth = r.headers.authorization;
  if (typeof auth === 'string' && auth.startsWith('Bearer ') && safeEqual(auth.slice(7), password)) return;
  throw new ApiError(401, 'authentication required');
}
