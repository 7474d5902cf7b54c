import type { DownstreamConfig } from '../config/schema.js';

/**
 * Round-robin over a downstream's api_keys. A key that got 429 rests for its retry-after;
 * `next()` skips resting keys and says how long until one is free when all rest.
 */
export class KeyRing {
  private index = 0;
  private restUntil: number[];

  constructor(readonly keys: readonly string[]) {
    this.restUntil = keys.map(() => 0);
  }

  next(now = Date.now()): { key: string; slot: number } | { restMs: number } {
    const n = this.keys.length;
    if (n === 0) return { key: '', slot: -1 };
    for (let i = 0; i < n; i++) {
      const slot = (this.index + i) % n;
      if (this.restUntil[slot] <= now) {
        this.index = (slot + 1) % n;
        return { key: this.keys[slot], slot };
      }
    }
    return { restMs: Math.max(0, Math.min(...this.restUntil) - now) };
  }

  rest(slot: number, ms: number, now = Date.now()): void {
    if (slot >= 0 && slot < this.restUntil.length) this.restUntil[slot] = now + ms;
  }
}

/** Key rings by downstream, rebuilt when a downstream's keys change. */
export class KeyRings {
  private rings = new Map<string, { sig: string; ring: KeyRing }>();

  for(ds: DownstreamConfig): KeyRing {
    const keys = ds.api_keys ?? (ds.api_key !== undefined ? [ds.api_key] : []);
    const sig = keys.join('\0');
    const hit = this.rings.get(ds.id);
    if (hit && hit.sig === sig) return hit.ring;
    const ring = new KeyRing(keys);
    this.rings.set(ds.id, { sig, ring });
    return ring;
  }
}

/** retry-after as milliseconds: seconds or an HTTP date; `fallbackMs` when absent or unparsable. */
export function retryAfterMs(value: string | string[] | undefined, fallbackMs = 60_000, now = Date.now()): number {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return fallbackMs;
  const secs = Number(v);
  if (Number.isFinite(secs) && secs >= 0) return secs * 1000;
  const t = Date.parse(v);
  return Number.isFinite(t) ? Math.max(0, t - now) : fallbackMs;
}
