import type { FormatId, StreamEvent } from '../ir/types.js';
import type { StreamEncoder } from '../formats/types.js';

/**
 * The error event that ends a client stream the gateway did not decode (pass-through), in
 * the client format's own shape (SPEC §8): `errorBody` is the format's encodeError output.
 */
export function streamErrorFrame(format: FormatId, errorBody: unknown, geminiSse: boolean): string {
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
      return geminiSse ? `data: ${json}\r\n\r\n` : `,\r\n${json}]`;
  }
}

/**
 * Gemini's streamGenerateContent without `alt=sse` answers a JSON array streamed element by
 * element. This re-frames the SSE encoder's `data:` events into that array.
 */
export class GeminiArrayFramer implements StreamEncoder {
  private opened = false;
  private closed = false;

  constructor(private readonly inner: StreamEncoder) {}

  push(event: StreamEvent): string {
    if (this.closed) return '';
    const sse = this.inner.push(event);
    let out = '';
    for (const block of sse.split(/\r?\n\r?\n/)) {
      const line = block.trim();
      if (!line.startsWith('data:')) continue;
      const json = line.slice(5).trim();
      out += (this.opened ? ',\r\n' : '[') + json;
      this.opened = true;
    }
    if (event.type === 'finish' || event.type === 'error') {
      this.closed = true;
      out += this.opened ? ']' : '[]';
    }
    return out;
  }
}
