import type { ServerResponse } from 'node:http';
import { matchesFilter, type LogFilter } from './filter.js';
import type { LogEntry } from './types.js';
import type { LogRecord, StoredEntry } from '../store/log-store.js';

export interface LiveOptions {
  /** Comment line sent to idle viewers so proxies and browsers keep the stream open. */
  heartbeatMs: number;
  /** A viewer whose unsent output exceeds this is dropped, so it never holds memory or traffic back. */
  maxBufferedBytes: number;
  /**
   * Events are sent to viewers at most this often, all that arrived in between in one write
   * per viewer: the cost of many viewers then follows the clock, not the request rate.
   */
  sendIntervalMs: number;
  /**
   * Events one send may carry to all viewers together: each viewer gets at most this divided
   * by the number of viewers (at least one), the newest; the rest are announced by a
   * `skipped` event with their count. The bytes pushed to every viewer for every request are
   * what viewers would otherwise cost the gateway, so they are bounded whatever the number of
   * viewers (a person cannot read thousands of lines a second anyway); GET /api/logs still
   * pages through every entry.
   */
  eventsPerSend: number;
}

/** One event for the live log: a finished entry, or the start of a streamed response. */
export interface LiveEvent {
  kind: 'entry' | 'started';
  /**
   * A copy marked `state: 'started'` for a start; for a finished entry the entry, or its
   * stored record (what filters look at, and its JSON in `record`).
   */
  entry: LogEntry | StoredEntry;
  /**
   * A finished entry's log record: its seq is sent as the SSE id (so a reconnecting browser
   * can resume) and its `json`, when set, is the entry already serialized.
   */
  record?: { seq: number; json?: string };
}

interface Viewer {
  res: ServerResponse;
  filter: LogFilter;
  /** Viewers with equal keys have equal filters and get the same bytes. */
  filterKey: string;
}

/**
 * Fan-out of log events to SSE viewers. Each event is serialized once whatever the number of
 * viewers, and each batch once per distinct filter; writes never wait for a viewer: one that
 * falls behind is disconnected.
 */
export class LiveHub {
  private readonly viewers = new Set<Viewer>();
  private heartbeat: NodeJS.Timeout | undefined;
  /** Events waiting for the next send; each is framed (serialized) only if some viewer gets it. */
  private outbox: LiveEvent[] = [];
  private sendTimer: NodeJS.Timeout | undefined;

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
    const viewer: Viewer = { res, filter, filterKey: JSON.stringify([filter.model, filter.downstream, filter.status?.min, filter.status?.max]) };
    let text = 'retry: 3000\n: connected\n\n';
    for (const rec of replay) text += frame({ kind: 'entry', entry: rec.entry, record: rec });
    res.write(text);
    res.socket?.setNoDelay(true);
    this.viewers.add(viewer);
    res.on('close', () => this.detach(viewer));
    this.onCount(this.viewers.size);
    this.heartbeat ??= setInterval(() => this.ping(), this.opts.heartbeatMs).unref();
  }

  /** Queue events for every viewer whose filter matches; they go out at the next send tick. */
  broadcast(events: readonly LiveEvent[]): void {
    if (this.viewers.size === 0 || events.length === 0) return;
    for (const ev of events) this.outbox.push(ev);
    this.sendTimer ??= setTimeout(() => this.sendQueued(), this.opts.sendIntervalMs);
  }

  /** Write what is queued: the text for each distinct filter is built and encoded once. */
  private sendQueued(): void {
    this.sendTimer = undefined;
    const events = this.outbox;
    this.outbox = [];
    const frames: (string | undefined)[] = new Array(events.length);
    const byFilter = new Map<string, Buffer | null>();
    for (const v of this.viewers) {
      let bytes = byFilter.get(v.filterKey);
      if (bytes === undefined) {
        bytes = this.textFor(v.filter, events, frames);
        byFilter.set(v.filterKey, bytes);
      }
      if (bytes) this.send(v, bytes);
    }
  }

  /** The newest matching frames a viewer may get (see eventsPerSend), after a `skipped` event counting the others. */
  private textFor(filter: LogFilter, events: readonly LiveEvent[], frames: (string | undefined)[]): Buffer | null {
    const max = Math.max(1, Math.floor(this.opts.eventsPerSend / this.viewers.size));
    const picked: number[] = [];
    let skipped = 0;
    for (let i = events.length - 1; i >= 0; i--) {
      if (!matchesFilter(events[i].entry, filter)) continue;
      if (picked.length < max) picked.push(i);
      else skipped++;
    }
    if (picked.length === 0) return null;
    let text = skipped > 0 ? `event: skipped\ndata: {"count":${skipped}}\n\n` : '';
    for (let k = picked.length - 1; k >= 0; k--) text += frames[picked[k]] ??= frame(events[picked[k]]);
    return Buffer.from(text);
  }

  /** End every stream (daemon shutdown). */
  closeAll(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    if (this.sendTimer) this.sendQueued();
    for (const v of [...this.viewers]) {
      this.viewers.delete(v);
      v.res.end();
    }
    this.onCount(0);
  }

  private ping(): void {
    for (const v of this.viewers) this.send(v, ': ping\n\n');
  }

  private send(v: Viewer, text: string | Buffer): void {
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
function frame(ev: LiveEvent): string {
  const json = ev.record?.json ?? JSON.stringify(ev.entry);
  return ev.record ? `id: ${ev.record.seq}\nevent: ${ev.kind}\ndata: ${json}\n\n` : `event: ${ev.kind}\ndata: ${json}\n\n`;
}
