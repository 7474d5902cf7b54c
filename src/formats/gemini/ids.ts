import { randomBytes } from 'node:crypto';

const UNSAFE_ID_CHARS_RE = /[^A-Za-z0-9_-]/g;

/**
 * Id for the k-th call named `name` in a client's history when Gemini gave it none. It is
 * derived from the history alone, so the same conversation yields the same ids on every
 * request, and it only uses characters every target accepts (Anthropic: ^[a-zA-Z0-9_-]+$).
 */
export function historyCallId(name: string, k: number): string {
  return `call_${name.replace(UNSAFE_ID_CHARS_RE, '_')}_${k}`;
}

/**
 * Id for a call in a downstream Gemini response. It must be unique gateway-wide (the
 * reasoning store is keyed by it and the client sends it back later), hence random.
 */
export function newCallId(): string {
  return `call_${randomBytes(12).toString('base64url')}`;
}

/** A responseId in Google's shape when the hub response has none. */
export function newResponseId(): string {
  return randomBytes(16).toString('base64url').slice(0, 22);
}
