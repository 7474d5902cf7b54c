import { hasEnvRef } from './load.js';
import { isPlainObject } from './tree.js';

/**
 * How secrets appear outside the daemon: `sk-…abcd` (first 3 and last 4 characters). Values
 * shorter than 12 characters would give too much away that way and read `…`.
 */
export function maskSecret(secret: string): string {
  if (secret.length < 12) return '…';
  return `${secret.slice(0, 3)}…${secret.slice(-4)}`;
}

/** Keys whose string values are secrets wherever they appear (headers, plugin configs). */
const SECRET_KEY = /(^|[-_])(authorization|api[-_]?key|api[-_]?keys|token|secret|password|cookie)$|^x-api-key$|^x-goog-api-key$/i;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

export type SecretPolicy = (path: readonly (string | number)[]) => boolean;

/**
 * The view of a config subtree the API shows: values as loaded (defaults applied), except
 * that a string written as a `${NAME}` reference shows the reference, and secrets are masked.
 */
export function presentTree(expanded: unknown, raw: unknown, isSecret: SecretPolicy, path: (string | number)[] = []): unknown {
  if (typeof raw === 'string' && hasEnvRef(raw)) return raw;
  if (typeof expanded === 'string') return isSecret(path) ? maskSecret(expanded) : expanded;
  if (Array.isArray(expanded)) {
    const r = Array.isArray(raw) ? raw : [];
    return expanded.map((v, i) => presentTree(v, r[i], isSecret, [...path, i]));
  }
  if (isPlainObject(expanded)) {
    const r = isPlainObject(raw) ? raw : {};
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(expanded)) {
      if (v === undefined) continue;
      out[k] = presentTree(v, r[k], isSecret, [...path, k]);
    }
    return out;
  }
  return expanded;
}

/**
 * Undo masking in an incoming value: a string that equals the mask of the stored secret at
 * the same place (or of any stored entry of the same list) is replaced by the stored value as
 * written, so a client that sends back what it was shown keeps the real secret.
 */
export function restoreMasked(incoming: unknown, storedRaw: unknown, storedExpanded: unknown): unknown {
  if (typeof incoming === 'string') {
    if (!incoming.includes('…')) return incoming;
    if (typeof storedExpanded === 'string' && maskSecret(storedExpanded) === incoming) return storedRaw;
    return incoming;
  }
  if (Array.isArray(incoming)) {
    const r = Array.isArray(storedRaw) ? storedRaw : [];
    const x = Array.isArray(storedExpanded) ? storedExpanded : [];
    return incoming.map((v, i) => {
      const same = restoreMasked(v, r[i], x[i]);
      if (same !== v || typeof v !== 'string') return same;
      const j = x.findIndex((s) => typeof s === 'string' && maskSecret(s) === v);
      return j === -1 ? v : r[j];
    });
  }
  if (isPlainObject(incoming)) {
    const r = isPlainObject(storedRaw) ? storedRaw : {};
    const x = isPlainObject(storedExpanded) ? storedExpanded : {};
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(incoming)) out[k] = restoreMasked(v, r[k], x[k]);
    return out;
  }
  return incoming;
}

/** A value that still is a mask after restoring means the client invented it: refuse it. */
export function containsMask(v: unknown): boolean {
  if (typeof v === 'string') return v === '…' || /^.{3}….{4}$/u.test(v);
  if (Array.isArray(v)) return v.some(containsMask);
  if (isPlainObject(v)) return Object.values(v).some(containsMask);
  return false;
}
