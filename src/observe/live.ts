import type { ServerResponse } from 'node:http';
import { matchesFilter, type LogFilter } from './filter.js';
import type { LogEntry } from './types.js';
import type { LogRecord } from '../store/log-store.js';

export interface LiveOptions {
  /** Comment line sent to idle viewers so proxies and browsers keep the stream open. */
  heartbeatMs: number;
  /** A viewer whose unsent output exceeds this is dropped, so it never holds memory or traffic back. */
  maxBufferedBytes: number;
}

/** One event for the live log: a finished entry, or the start of a streamed response. */
export interface LiveEvent {
  kind: 'entry' | 'started';
  entry: LogEntry;
  /** Cursor of a finished entry (sent as the SSE id, so a reconnecting browser can resume). */
  seq?: number;
}

interface Viewer {
  res: ServerResponse;
  filter: LogFilter;
}

/**
 * Fan-out of log events to SSE viewers. Each event is serialized once whatever the number of
 * viewers; writes never wait for a viewer: one that falls behind is disconnected.
 */
export class LiveHub {
  private readonly viewers = new Set<Viewer>();
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(
    private readonly opts: LiveOptions,
    private readonly onCount: (n: number) => void = () => {},
    private readonly onDrop: () => void = () => {},
  ) {}

  get count(): number {
    return this.viewers.size;
  }

  /** Take over `res` as an event stream: headers, then the replayed records (oldest first). */
  attach(res: ServerResponse, filter: LogFilter, replay: readonly LogRecord[]): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    const viewer: Viewer = { res, filter };
    let text = 'retry: 3000\n: connected\n\n';
    for (const rec of replay) text += frame({ kind: 'entry', entry: rec.entry, seq: rec.seq }, JSON.stringify(rec.entry));
    res.write(text);
    res.socket?.setNoDelay(true);
    this.viewers.add(viewer);
    res.on('close', () => this.detach(viewer));
    this.onCount(this.viewers.size);
    this.heartbeat ??= setInterval(() => this.ping(), this.opts.heartbeatMs).unref();
  }

  /** Send events to every viewer whose filter matches. */
  broadcast(events: readonly LiveEvent[]): void {
    if (this.viewers.size === 0 || events.length === 0) return;
    const frames = events.map((ev) => frame(ev, JSON.stringify(ev.kind === 'started' ? { ...ev.entry, state: 'started' } : ev.entry)));
    for (const v of this.viewers) {
      let text = '';
      for (let i = 0; i < events.length; i++) if (matchesFilter(events[i].entry, v.filter)) text += frames[i];
      if (text) this.send(v, text);
    }
  }

  /** End every stream (daemon shutdown). */
  closeAll(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    for (const v of [...this.viewers]) {
      this.viewers.delete(v);
      v.res.end();
    }
    this.onCount(0);
  }

  private ping(): void {
    for (const v of this.viewers) this.send(v, ': ping\n\n');
  }

  private send(v: Viewer, text: string): void {
    if (v.res.writableLength > this.opts.maxBufferedBytes) {
      this.drop(v);
      return;
    }
    v.res.write(text);
  }

  private drop(v: Viewer): void {
    this.detach(v);
    this.onDrop();
    v.res.destroy();
  }

  private detach(v: Viewer): void {
    if (!this.viewers.delete(v)) return;
    this.onCount(this.viewers.size);
    if (this.viewers.size === 0 && this.heartbeat) {
      clearInterval(this.heartbeat);
      this.heartbeat = undefined;
    }
  }
}

/** JSON cannot contain a raw newline, so client-supplied text cannot break the SSE framing. */
function frame(ev: LiveEvent, json: string): string {
  return ev.kind === 'entry' && ev.seq !== undefined ? `id: ${ev.seq}\nevent: entry\ndata: ${json}\n\n` : `event: ${ev.kind}\ndata: ${json}\n\n`;
}
