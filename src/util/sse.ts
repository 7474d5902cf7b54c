/** One server-sent event: the `event:` name (if any) and its joined `data:` lines. */
export interface SseEvent {
  event?: string;
  data: string;
}

/**
 * Incremental SSE reader. Feed it text chunks split anywhere (even inside a CRLF);
 * it yields each complete event once its blank line arrives. Comments and `retry:`/`id:`
 * fields are ignored; an event with no data lines is dropped, as browsers do.
 */
export class SseReader {
  private buf = '';
  private decoder = new TextDecoder();

  /** Feed raw bytes (decoded as UTF-8, multi-byte sequences split across chunks are kept). */
  pushBytes(chunk: Uint8Array): SseEvent[] {
    return this.push(this.decoder.decode(chunk, { stream: true }));
  }

  push(text: string): SseEvent[] {
    let buf = this.buf + text;
    if (buf.indexOf('\r') !== -1) {
      // A trailing \r may be the first half of a CRLF: keep it for the next chunk.
      const keepCr = buf.endsWith('\r');
      if (keepCr) buf = buf.slice(0, -1);
      buf = buf.replace(/\r\n?/g, '\n');
      if (keepCr) buf += '\r';
    }
    const out: SseEvent[] = [];
    let start = 0;
    for (;;) {
      const end = buf.indexOf('\n\n', start);
      if (end === -1) break;
      const ev = parseBlock(buf, start, end);
      if (ev) out.push(ev);
      start = end + 2;
    }
    this.buf = start === 0 ? buf : buf.slice(start);
    return out;
  }

  /** The stream ended: a final event without its blank line still counts. */
  end(): SseEvent[] {
    const rest = (this.buf + this.decoder.decode()).replace(/\r\n?/g, '\n');
    this.buf = '';
    if (!rest.trim()) return [];
    const ev = parseBlock(rest, 0, rest.length);
    return ev ? [ev] : [];
  }
}

function parseBlock(buf: string, start: number, end: number): SseEvent | undefined {
  let event: string | undefined;
  let data: string | undefined;
  let pos = start;
  while (pos < end) {
    let nl = buf.indexOf('\n', pos);
    if (nl === -1 || nl > end) nl = end;
    if (nl > pos && buf.charCodeAt(pos) !== 58 /* ':' comment */) {
      const colon = buf.indexOf(':', pos);
      let field: string;
      let value: string;
      if (colon === -1 || colon > nl) {
        field = buf.slice(pos, nl);
        value = '';
      } else {
        field = buf.slice(pos, colon);
        const vStart = buf.charCodeAt(colon + 1) === 32 ? colon + 2 : colon + 1;
        value = buf.slice(vStart, nl);
      }
      if (field === 'data') data = data === undefined ? value : data + '\n' + value;
      else if (field === 'event') event = value;
    }
    pos = nl + 1;
  }
  if (data === undefined) return undefined;
  return event === undefined ? { data } : { event, data };
}

/** Frame one event for the wire. */
export function sseFrame(data: string, event?: string): string {
  return event ? `event: ${event}\ndata: ${data}\n\n` : `data: ${data}\n\n`;
}
