import { bytesOf } from './byte-slabs.js';

/**
 * Whether a JSON text nests arrays/objects deeper than `max` levels. JSON.parse copes with any
 * depth, but the recursive code after it (JSON.stringify, structuredClone, the converters) runs
 * out of stack at a few thousand levels, so such bodies are refused before parsing. Strings are
 * skipped with a native search for their closing quote, so long base64 payloads cost little.
 */
export function nestsDeeperThan(json: Uint8Array, max: number): boolean {
  let depth = 0;
  const n = json.length;
  const buf = bytesOf(json);
  for (let i = 0; i < n; i++) {
    const c = buf[i];
    if (c === 0x22 /* " */) {
      const end = closingQuote(buf, i);
      if (end === -1) return false; // unterminated: JSON.parse refuses it anyway
      i = end;
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > max) return true;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      depth--;
    }
  }
  return false;
}

/** Index of the quote that closes the string opening at `open` (escaped quotes skipped), or -1. */
function closingQuote(buf: Buffer, open: number): number {
  let from = open + 1;
  for (;;) {
    const q = buf.indexOf(0x22, from);
    if (q === -1) return -1;
    let backslashes = 0;
    for (let b = q - 1; b > open && buf[b] === 0x5c; b--) backslashes++;
    if (backslashes % 2 === 0) return q;
    from = q + 1;
  }
}
