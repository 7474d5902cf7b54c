/**
 * Small helpers for reading untyped Chat Completions JSON without `any`.
 * The wire shapes are documented where they are read; these only narrow values.
 */

export type JsonRecord = Record<string, unknown>;

export function isRecord(v: unknown): v is JsonRecord {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A string value, or undefined for anything else (null included). */
export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** A finite number, or undefined. */
export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Tool-call arguments as JSON text: providers send a string, a few send an object. */
export function argumentsText(v: unknown): string {
  if (typeof v === 'string') return v.trim() === '' ? '{}' : v;
  if (isRecord(v)) return JSON.stringify(v);
  return '{}';
}
