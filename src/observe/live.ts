import type { ServerResponse } from 'node:http';
import { entryRoom, jsonNumber, writeEntry } from './entry-json.js';
import { matchesFilter, type LogFilter } from './filter.js';
import type { LogEntry } from './types.js';
import type { LogRecord } from '../store/log-store.js';
import { ScratchBuffer } from '../util/scratch-buffer.js';

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

interface Viewer {
  res: ServerResponse;
  group: ViewerGroup;
}

/** Viewers with equal filters: they are sent the same bytes, framed once. */
interface ViewerGroup {
  key: string;
  filter: LogFilter;
  viewers: Set<Viewer>;
  frames: Frames;
}

/**
 * Fan-out of log events to SSE viewers. An event is framed as bytes when it happens, once for
 * each group of viewers with the same filter that it matches, and kept as bytes until the next
 * send (nothing per event stays on the JavaScript heap in between: kept as objects and
 * strings for up to a send interval, events outlived scavenges and were promoted, which was
 * most of what viewers cost the gateway). Writes never wait for a viewer: one that falls
 * behind is disconnected.
 */
export class LiveHub {
  private readonly groups = new Map<string, ViewerGroup>();
  private viewerCount = 0;
  private heartbeat: NodeJS.Timeout | undefined;
  private sendTimer: NodeJS.Timeout | undefined;
  /** Where a started entry's JSON is written before it is framed for each group. */
  private readonly scratch = new ScratchBuffer(16 * 1024);

  constructor(
    private readonly opts: LiveOptions,
    private readonly onCount: (n: number) => void = () => {},
    private readonly onDrop: () => void = () => {},
  ) {}

  get count(): number {
    return this.viewerCount;
  }

  /** Take over `res` as an event stream: headers, then the replayed records (oldest first). */
  attach(res: ServerResponse, filter: LogFilter, replay: readonly LogRecord[]): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 3000\n: connected\n\n');
    // (framed as live entries are)
    const replayed = new Frames();
    for (const rec of replay) replayed.add(rec.seq, Buffer.from(rec.json ?? JSON.stringify(rec.entry)), replay.length);
    const bytes = replayed.take(replay.length);
    if (bytes) res.write(bytes);
    res.socket?.setNoDelay(true);
    const key = JSON.stringify([filter.model, filter.downstream, filter.status?.min, filter.status?.max]);
    let group = this.groups.get(key);
    if (!group) this.groups.set(key, (group = { key, filter, viewers: new Set(), frames: new Frames() }));
    const viewer: Viewer = { res, group };
    group.viewers.add(viewer);
    this.viewerCount++;
    res.on('close', () => this.detach(viewer));
    this.onCount(this.viewerCount);
    this.heartbeat ??= setInterval(() => this.ping(), this.opts.heartbeatMs).unref();
  }

  /**
   * A streamed response started: the entry as it is now, marked `state: "started"`. A group
   * that already has a send's worth of events waiting skips it (counted): when more happens
   * than viewers are sent, only the newest events go out, and a finished entry says more than
   * a start (framing starts that are then dropped was most of what viewers cost under load).
   */
  started(e: LogEntry): void {
    let json: Uint8Array | undefined;
    const keep = this.perViewer();
    for (const g of this.groups.values()) {
      if (!matchesFilter(e, g.filter)) continue;
      if (g.frames.count >= keep) g.frames.skip();
      else g.frames.add(START_FRAME, (json ??= this.startedJson(e)), keep);
    }
    if (json) this.sendSoon();
  }

  /** A finished entry, `json` its JSON as UTF-8; its seq is the SSE id (a reconnecting browser resumes after it). */
  finished(seq: number, e: Pick<LogEntry, 'model' | 'downstream_id' | 'status'>, json: Uint8Array): void {
    let matched = false;
    const keep = this.perViewer();
    for (const g of this.groups.values()) {
      if (!matchesFilter(e, g.filter)) continue;
      g.frames.add(seq, json, keep);
      matched = true;
    }
    if (matched) this.sendSoon();
  }

  /** End every stream (daemon shutdown). */
  closeAll(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    if (this.sendTimer) this.sendQueued();
    for (const g of [...this.groups.values()]) {
      for (const v of [...g.viewers]) {
        this.detach(v);
        v.res.end();
      }
    }
  }

  /** Events a viewer may get in one send. */
  private perViewer(): number {
    return Math.max(1, Math.floor(this.opts.eventsPerSend / Math.max(1, this.viewerCount)));
  }

  private sendSoon(): void {
    this.sendTimer ??= setTimeout(() => this.sendQueued(), this.opts.sendIntervalMs);
  }

  /** Write what is queued: one buffer per group, the same for each of its viewers. */
  private sendQueued(): void {
    this.sendTimer = undefined;
    const max = this.perViewer();
    for (const g of this.groups.values()) {
      const bytes = g.frames.take(max);
      // (a viewer dropped by send() leaves the set: a Set's iteration allows that)
      if (bytes) for (const v of g.viewers) this.send(v, bytes);
    }
  }

  /** `e`'s JSON with `"state":"started"`, in the scratch buffer. */
  private startedJson(e: LogEntry): Uint8Array {
    const out = this.scratch.take(entryRoom(e, 'started'));
    return out.subarray(0, writeEntry(e, out, 0, 'started'));
  }

  private ping(): void {
    for (const g of this.groups.values()) for (const v of g.viewers) this.send(v, PING);
  }

  private send(v: Viewer, bytes: Buffer): void {
    if (v.res.writableLength > this.opts.maxBufferedBytes) {
      this.drop(v);
      return;
    }
    v.res.write(bytes);
  }

  private drop(v: Viewer): void {
    this.detach(v);
    this.onDrop();
    v.res.destroy();
  }

  private detach(v: Viewer): void {
    const g = v.group;
    if (!g.viewers.delete(v)) return;
    if (g.viewers.size === 0) this.groups.delete(g.key);
    this.viewerCount--;
    this.onCount(this.viewerCount);
    if (this.viewerCount === 0) {
      if (this.heartbeat) clearInterval(this.heartbeat);
      this.heartbeat = undefined;
    }
  }
}

const PING = Buffer.from(': ping\n\n');
/** The `seq` Frames.add() takes for a stream's start: an `event: started` frame, without an id. */
export const START_FRAME = -1;
const STARTED_HEAD = Buffer.from('event: started\ndata: ');
const ID_HEAD = Buffer.from('id: ');
const ENTRY_HEAD = Buffer.from('\nevent: entry\ndata: ');
const FRAME_END = Buffer.from('\n\n');
/** A frame's head and end at most, beside its JSON (an id has at most 16 digits). */
const FRAME_ROOM = ID_HEAD.length + 16 + ENTRY_HEAD.length + FRAME_END.length;

/**
 * The SSE frames waiting for one group's next send, as bytes in one buffer outside the
 * JavaScript heap, each frame's offset kept. JSON cannot contain a raw newline, so
 * client-supplied text cannot break the framing.
 */
export class Frames {
  private bytes = Buffer.allocUnsafeSlow(16 * 1024);
  private length = 0;
  /** Where each waiting frame starts. */
  private starts: number[] = [];
  /** Frames dropped or skipped since the last send (the next send counts them). */
  private dropped = 0;

  get count(): number {
    return this.starts.length;
  }

  /**
   * Add a frame: a finished entry's (`seq` its id) or, with `seq` START_FRAME, a start's. Only the
   * newest `keep` frames can be sent: when more wait (at least twice as many, and 64, so
   * that this is rare), the older ones are dropped and counted, so that memory stays bounded
   * however long a send waits.
   */
  add(seq: number, json: Uint8Array, keep: number): void {
    if (this.starts.length >= Math.max(2 * keep, 64)) this.dropOldest(this.starts.length - keep + 1);
    if (this.length + json.length + FRAME_ROOM > this.bytes.length) this.grow(this.length + json.length + FRAME_ROOM);
    const b = this.bytes;
    let at = this.length;
    this.starts.push(at);
    if (seq === START_FRAME) at += STARTED_HEAD.copy(b, at);
    else {
      at += ID_HEAD.copy(b, at);
      at = jsonNumber(b, at, seq);
      at += ENTRY_HEAD.copy(b, at);
    }
    b.set(json, at);
    at += json.length;
    this.length = at + FRAME_END.copy(b, at);
  }

  /** An event not framed at all, counted with the skipped ones. */
  skip(): void {
    this.dropped++;
  }

  /**
   * The newest `max` frames in one buffer of their own, after a `skipped` event counting the
   * older ones; null when none wait (what was skipped is then counted at the next send). None
   * wait after.
   */
  take(max: number): Buffer | null {
    const n = this.starts.length;
    if (n === 0) return null;
    const skip = Math.max(0, n - max);
    const skipped = this.dropped + skip;
    const from = this.starts[skip];
    const head = skipped > 0 ? `event: skipped\ndata: {"count":${skipped}}\n\n` : '';
    const out = Buffer.allocUnsafe(head.length + this.length - from);
    out.write(head, 0, 'latin1');
    this.bytes.copy(out, head.length, from, this.length);
    this.length = 0;
    this.starts.length = 0;
    this.dropped = 0;
    return out;
  }

  private dropOldest(n: number): void {
    const starts = this.starts;
    const from = starts[n];
    this.bytes.copyWithin(0, from, this.length);
    this.length -= from;
    for (let i = n; i < starts.length; i++) starts[i - n] = starts[i] - from;
    starts.length -= n;
    this.dropped += n;
  }

  private grow(needed: number): void {
    let size = this.bytes.length * 2;
    while (size < needed) size *= 2;
    const bigger = Buffer.allocUnsafeSlow(size);
    this.bytes.copy(bigger, 0, 0, this.length);
    this.bytes = bigger;
  }
}
