export { parseDataUrl, toDataUrl, mediaTypeForFilename } from '../../util/media.js';
/**
 * Small wire helpers for the OpenAI Responses API. Bodies arrive as `unknown`; these narrow
 * without copying.
 */
import { badRequest } from '../../util/errors.js';

export type Json = Record<string, unknown>;

export function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** An optional number field of a client body: absent/null → undefined, wrong type → 400. */
export function optNumber(body: Json, key: string): number | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw badRequest(`Invalid '${key}': expected a number.`, key);
  return v;
}

export function optBoolean(body: Json, key: string): boolean | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw badRequest(`Invalid '${key}': expected a boolean.`, key);
  return v;
}

export function optString(body: Json, key: string, path = key): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw badRequest(`Invalid '${path}': expected a string.`, path);
  return v;
}

const EXTENSIONS: Record<string, string> = {
  'application/pdf': 'pdf',
  'text/plain': 'txt',
  'text/markdown': 'md',
  'text/csv': 'csv',
  'text/html': 'html',
  'application/json': 'json',
};

/** The API wants a filename next to `file_data`; invent one that matches the media type. */
export function defaultFilename(mediaType: string): string {
  return `document.${EXTENSIONS[mediaType] ?? 'pdf'}`;
}
