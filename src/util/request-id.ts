import { randomUUID } from 'node:crypto';

/**
 * A request id: a UUID version 7 (RFC 9562), i.e. the creation time in milliseconds followed
 * by random bits. Ids made later sort later, which keeps the request log's id lookups cheap
 * (the store finds an entry by the time its id carries).
 */
export function requestId(now = Date.now()): string {
  const t = now.toString(16).padStart(12, '0');
  // randomUUID's pattern is xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx with the RFC variant in V:
  // keep its random tail (variant included) and put the time and version 7 in front.
  return `${t.slice(0, 8)}-${t.slice(8, 12)}-7${randomUUID().slice(15)}`;
}

/** The creation time a version-7 id carries, or undefined for any other id. */
export function requestIdTime(id: string): number | undefined {
  if (id.length !== 36 || id[14] !== '7' || id[8] !== '-' || id[13] !== '-') return undefined;
  const ms = Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
  return Number.isFinite(ms) ? ms : undefined;
}
