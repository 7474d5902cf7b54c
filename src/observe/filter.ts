import type { LogEntry } from './types.js';

/** Which log entries a viewer or a page asks for. Every set criterion must hold. */
export interface LogFilter {
  model?: string;
  downstream?: string;
  /** Inclusive status range. */
  status?: { min: number; max: number };
}

/** `200` exact, `4xx` a class, `error` (≥ 400) or `ok` (< 400). Undefined when unreadable. */
export function parseStatusFilter(text: string): { min: number; max: number } | undefined {
  const t = text.trim().toLowerCase();
  if (/^\d{3}$/.test(t)) {
    const n = Number(t);
    return { min: n, max: n };
  }
  if (/^[1-5]xx$/.test(t)) {
    const base = Number(t[0]) * 100;
    return { min: base, max: base + 99 };
  }
  if (t === 'error' || t === 'errors') return { min: 400, max: 999 };
  if (t === 'ok' || t === 'success') return { min: 0, max: 399 };
  return undefined;
}

/** `entry` may be any object with the entry's model, downstream_id and status (the ring keeps only those). */
export function matchesFilter(entry: Pick<LogEntry, 'model' | 'downstream_id' | 'status'>, f: LogFilter): boolean {
  if (f.model !== undefined && entry.model !== f.model) return false;
  if (f.downstream !== undefined && entry.downstream_id !== f.downstream) return false;
  if (f.status !== undefined && (entry.status < f.status.min || entry.status > f.status.max)) return false;
  return true;
}

export function isEmptyFilter(f: LogFilter): boolean {
  return f.model === undefined && f.downstream === undefined && f.status === undefined;
}
