import type { MediaSource } from '../ir/types.js';

/**
 * `data:<media type>[;param...];base64,<data>` → its parts, or undefined when the URL is not
 * a base64 data URL. Plain string scanning: the payload can be megabytes long.
 */
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

/** An image URL or data URL → hub media source; undefined for a malformed data URL. */
export function mediaSourceFromUrl(url: string): MediaSource | undefined {
  if (url.startsWith('data:')) {
    const parsed = parseDataUrl(url);
    return parsed ? { kind: 'base64', mediaType: parsed.mediaType, data: parsed.data } : undefined;
  }
  return { kind: 'url', url };
}

const DOCUMENT_TYPES: Record<string, string> = {
  pdf: 'application/pdf',
  txt: 'text/plain',
  md: 'text/markdown',
  csv: 'text/csv',
  html: 'text/html',
  json: 'application/json',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
};

/** Media type guessed from a file name, for documents sent as bare base64 (PDF by default). */
export function mediaTypeForFilename(filename: string | undefined): string {
  const dot = filename ? filename.lastIndexOf('.') : -1;
  const ext = dot === -1 || !filename ? '' : filename.slice(dot + 1).toLowerCase();
  return DOCUMENT_TYPES[ext] ?? 'application/pdf';
}
