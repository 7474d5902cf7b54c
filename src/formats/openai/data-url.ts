import type { MediaSource } from '../../ir/types.js';

/**
 * `data:<media type>[;param...];base64,<data>` → base64 source. Returns undefined when the
 * URL is not a base64 data URL. Plain string scanning: the payload can be megabytes long.
 */
export function parseBase64DataUrl(url: string): { mediaType: string; data: string } | undefined {
  if (!url.startsWith('data:')) return undefined;
  const comma = url.indexOf(',');
  if (comma === -1) return undefined;
  const header = url.slice(5, comma);
  if (!header.toLowerCase().endsWith(';base64')) return undefined;
  const semi = header.indexOf(';');
  const mediaType = header.slice(0, semi).trim() || 'application/octet-stream';
  return { mediaType, data: url.slice(comma + 1) };
}

export function toDataUrl(mediaType: string, data: string): string {
  return `data:${mediaType};base64,${data}`;
}

/** Image URL or data URL → hub media source (OpenAI images are always one or the other). */
export function mediaSourceFromUrl(url: string): MediaSource | undefined {
  if (url.startsWith('data:')) {
    const parsed = parseBase64DataUrl(url);
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

/** Media type guessed from a file name, for `file_data` sent as bare base64. */
export function mediaTypeForFilename(filename: string | undefined): string {
  const dot = filename ? filename.lastIndexOf('.') : -1;
  const ext = dot === -1 || !filename ? '' : filename.slice(dot + 1).toLowerCase();
  return DOCUMENT_TYPES[ext] ?? 'application/pdf';
}
