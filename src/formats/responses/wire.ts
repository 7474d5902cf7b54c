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

/** `data:<media type>;base64,<data>` → parts, by plain scanning (payloads can be megabytes). */
export function parseDataUrl(url: string): { mediaType: string; data: string } | undefined {
  if (!url.startsWith('data:')) return undefined;
  const comma = url.indexOf(',');
  if (comma === -1) return undefined;
  const header = url.slice(5, comma);
  if (!header.toLowerCase().endsWith(';base64')) return undefined;
  const semi = header.indexOf(';');
  return { mediaType: header.slice(0, semi).trim() || 'application/octet-stream', data: url.slice(comma + 1) };
}

export function toDataUrl(mediaType: string, data: string): string {
  return `data:${mediaType};base64,${data}`;
}

/** Media type guessed from a file name, for `file_data` sent as bare base64. */
export function mediaTypeForFilename(filename: string | undefined): string {
  const dot = filename ? filename.lastIndexOf('.') : -1;
  const ext = dot === -1 || !filename ? '' : filename.slice(dot + 1).toLowerCase();
  return DOCUMENT_TYPES[ext] ?? 'application/pdf';
}

const DOCUMENT_TYPES: Record<string, string> = {
  pdf: 'application/pdf',
  txt: 'text/plain',
  md: 'text/markdown',
  csv: 'text/csv',
  html: 'text/html',
  json: 'application/json',
};

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
