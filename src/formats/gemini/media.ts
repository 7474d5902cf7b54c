import type { DocumentPart, ImagePart, MediaSource } from '../../ir/types.js';
import type { GeminiBlob, GeminiFileData } from './wire.js';

const MIME_BY_EXTENSION: Readonly<Record<string, string>> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  heic: 'image/heic',
  heif: 'image/heif',
  bmp: 'image/bmp',
  svg: 'image/svg+xml',
  pdf: 'application/pdf',
  txt: 'text/plain',
  md: 'text/markdown',
  html: 'text/html',
  csv: 'text/csv',
  json: 'application/json',
  mp3: 'audio/mpeg',
  wav: 'audio/wav',
  ogg: 'audio/ogg',
  flac: 'audio/flac',
  mp4: 'video/mp4',
  mov: 'video/quicktime',
  webm: 'video/webm',
};

const EXTENSION_RE = /\.([a-z0-9]{2,5})$/i;
const QUERY_OR_FRAGMENT_RE = /[?#]/;
const DATA_URL_RE = /^data:([^;,]+)?(?:;[^,]*)?;base64,/i;

/**
 * Media type of a URL from its file extension (query and fragment ignored). Gemini requires a
 * mimeType on fileData and the gateway never fetches URLs, so the extension is all there is.
 */
export function guessMediaType(url: string, fallback: string): string {
  let path = url;
  const cut = path.search(QUERY_OR_FRAGMENT_RE);
  if (cut !== -1) path = path.slice(0, cut);
  const m = EXTENSION_RE.exec(path);
  return (m && MIME_BY_EXTENSION[m[1].toLowerCase()]) || fallback;
}

/** A `data:` URL split into its parts, or undefined for any other URL. */
export function parseDataUrl(url: string): { mediaType: string; data: string } | undefined {
  const m = DATA_URL_RE.exec(url);
  if (!m) return undefined;
  return { mediaType: m[1] || 'application/octet-stream', data: url.slice(m[0].length) };
}

/** A hub media source as a Gemini data field: inlineData for bytes, fileData for references. */
export function toGeminiMedia(source: MediaSource, fallbackType: string): { inlineData: GeminiBlob } | { fileData: GeminiFileData } {
  if (source.kind === 'base64') return { inlineData: { mimeType: source.mediaType, data: source.data } };
  if (source.kind === 'url') {
    const inline = parseDataUrl(source.url);
    if (inline) return { inlineData: { mimeType: source.mediaType ?? inline.mediaType, data: inline.data } };
    return { fileData: { mimeType: source.mediaType ?? guessMediaType(source.url, fallbackType), fileUri: source.url } };
  }
  return { fileData: { mimeType: source.mediaType ?? guessMediaType(source.fileId, fallbackType), fileUri: source.fileId } };
}

/** Image or document, judged by media type (Gemini has one inlineData/fileData for both). */
export function mediaPartFor(source: MediaSource, mediaType: string | undefined): ImagePart | DocumentPart {
  return mediaType !== undefined && mediaType.toLowerCase().startsWith('image/') ? { type: 'image', source } : { type: 'document', source };
}
