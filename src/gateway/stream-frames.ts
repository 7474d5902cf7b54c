import type { FormatId } from '../ir/types.js';

/**
 * The error event that ends a client stream the gateway did not decode (pass-through), in
 * the client format's own shape (SPEC §8): `errorBody` is the format's encodeError output.
 */
export function streamErrorFrame(format: FormatId, errorBody: unknown): string {
  const json = JSON.stringify(errorBody);
  switch (format) {
    case 'anthropic':
      return `event: error\ndata: ${json}\n\n`;
    case 'openai':
      return `data: ${json}\n\n`;
    case 'openai_responses': {
      const e = (errorBody as { error?: { message?: string; code?: string | null; type?: string } }).error ?? {};
      return `event: error\ndata: ${JSON.stringify({ type: 'error', code: e.code ?? e.type ?? 'server_error', message: e.message ?? 'stream failed', param: null })}\n\n`;
    }
    case 'gemini':
      // (Gemini clients without alt=sse never take the pass-through path: see Exchange.geminiArray)
      return `data: ${json}\r\n\r\n`;
  }
}

const NO_BYTES = Buffer.alloc(0);

/** A partial event larger than this is let through rather than held (memory stays bounded). */
const MAX_HELD_BYTES = 1024 * 1024;

/**
 * Splits a pass-through SSE byte stream at event boundaries (a blank line: LF LF or CRLF CRLF),
 * holding back the incomplete event at the end of each chunk. The bytes are not changed.
 */
export class WholeEvents {
  private held: Buffer = NO_BYTES;

  /** The bytes up to the last complete event so far ('' when none completed). */
  take(chunk: Buffer): Buffer {
    const all = this.held.length > 0 ? Buffer.concat([this.held, chunk]) : chunk;
    // the held part has no boundary, so only the new bytes (and the 2 before them) are searched
    const cut = lastBoundaryEnd(all, Math.max(1, this.held.length - 2));
    if (cut === 0 && all.length <= MAX_HELD_BYTES) {
      this.held = all;
      return NO_BYTES;
    }
    const end = cut === 0 ? all.length : cut;
    this.held = end === all.length ? NO_BYTES : Buffer.from(all.subarray(end));
    return all.subarray(0, end);
  }

  /** What is still held when the stream ended normally (a last event without its blank line). */
  rest(): Buffer {
    const r = this.held;
    this.held = NO_BYTES;
    return r;
  }
}

/** Index just past the last blank line of `b` found at or after `from`, or 0. */
function lastBoundaryEnd(b: Buffer, from: number): number {
  for (let i = b.length - 1; i >= from; i--) {
    if (b[i] !== 0x0a) continue;
    if (b[i - 1] === 0x0a) return i + 1;
    if (b[i - 1] === 0x0d && i >= 2 && b[i - 2] === 0x0a) return i + 1;
  }
  return 0;
}
