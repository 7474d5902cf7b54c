import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { Frames, LiveHub, START_FRAME } from '../../src/observe/live.js';
import { entryJson } from '../../src/observe/entry-json.js';
import type { LogEntry } from '../../src/observe/types.js';
import { makeEntry } from './harness.js';

/** What LiveHub uses of a ServerResponse, keeping every write. */
class FakeResponse extends EventEmitter {
  writes: (string | Buffer)[] = [];
  writableLength = 0;
  destroyed = false;
  writeHead(): this {
    return this;
  }
  write(chunk: string | Buffer): boolean {
    this.writes.push(chunk);
    return true;
  }
  end(): void {
    this.emit('close');
  }
  destroy(): void {
    this.destroyed = true;
    this.emit('close');
  }
  get text(): string {
    return this.writes.map((w) => w.toString()).join('');
  }
  /** The events after the `connected` preamble: [event, data, id?]. */
  events(): { event: string; data: string; id?: string }[] {
    return this.text
      .split('\n\n')
      .filter((f) => f.includes('event: '))
      .map((f) => {
        const field = (name: string) =>
          f
            .split('\n')
            .find((l) => l.startsWith(`${name}: `))
            ?.slice(name.length + 2);
        return { event: field('event') ?? '', data: field('data') ?? '', id: field('id') };
      });
  }
}

function hub(over: { eventsPerSend?: number; maxBufferedBytes?: number } = {}): LiveHub {
  return new LiveHub({
    heartbeatMs: 60_000,
    sendIntervalMs: 60_000,
    maxBufferedBytes: over.maxBufferedBytes ?? 1 << 20,
    eventsPerSend: over.eventsPerSend ?? 500,
  });
}

function viewer(h: LiveHub, filter = {}): FakeResponse {
  const res = new FakeResponse();
  h.attach(res as unknown as ServerResponse, filter, []);
  return res;
}

/** Send what is queued now (the send timer's work). */
function sendNow(h: LiveHub): void {
  (h as unknown as { sendQueued(): void }).sendQueued();
}

const bytes = (e: LogEntry) => Buffer.from(entryJson(e));

test('a finished entry reaches each matching viewer as one frame with its seq as id; viewers with one filter share the same bytes', () => {
  const h = hub();
  const all = [viewer(h), viewer(h)];
  const onlyB = viewer(h, { downstream: 'b' });
  const errors = viewer(h, { status: { min: 400, max: 599 } });
  // text that JSON escapes or encodes in several bytes: one data line whatever it holds
  const a = makeEntry({ id: 'a-1', error: 'line one\nline two\u2028 "quoted" é 😀 \ud800' });
  const b = makeEntry({ id: 'b-1', downstream_id: 'b', status: 502 });
  h.finished(7, a, bytes(a));
  h.finished(8, b, bytes(b));
  sendNow(h);
  for (const v of all) {
    assert.deepEqual(
      v.events().map((ev) => [ev.event, ev.id, JSON.parse(ev.data) as LogEntry]),
      [
        ['entry', '7', JSON.parse(JSON.stringify(a))],
        ['entry', '8', JSON.parse(JSON.stringify(b))],
      ],
    );
  }
  assert.equal(all[0].writes.at(-1), all[1].writes.at(-1), 'the same buffer for both');
  assert.deepEqual(
    onlyB.events().map((ev) => ev.id),
    ['8'],
  );
  assert.deepEqual(
    errors.events().map((ev) => ev.id),
    ['8'],
  );
  const before = all[0].writes.length;
  sendNow(h);
  assert.equal(all[0].writes.length, before, 'nothing is sent twice');
});

test('a started update is the entry as it was when the stream started, marked started', () => {
  const h = hub();
  const v = viewer(h);
  const other = viewer(h, { model: 'other' });
  const e = makeEntry({
    id: 's-1',
    stream: true,
    ttfb_ms: null,
    usage: { input_tokens: 3, output_tokens: 0, cache_read_tokens: 0, cache_creation_tokens: 0, reasoning_tokens: 0 },
  });
  const then = JSON.parse(JSON.stringify({ ...e, state: 'started' })) as LogEntry;
  h.started(e);
  // the gateway goes on filling the entry in before the send
  e.ttfb_ms = 12;
  e.usage.output_tokens = 40;
  e.status = 500;
  sendNow(h);
  const [ev] = v.events();
  assert.equal(ev.event, 'started');
  assert.equal(ev.id, undefined, 'a started update has no id (a reconnect resumes after finished entries)');
  assert.deepEqual(JSON.parse(ev.data), then);
  assert.equal(other.events().length, 0);
});

test('a send gives each viewer the newest of its share of the budget and counts the rest; what waits stays bounded', () => {
  const h = hub({ eventsPerSend: 20 });
  const viewers = [viewer(h), viewer(h)];
  for (let i = 1; i <= 10_000; i++) {
    const e = makeEntry({ id: `n-${i}` });
    h.finished(i, e, bytes(e));
  }
  const frames = (h as unknown as { groups: Map<string, { frames: Frames }> }).groups.values().next().value!.frames;
  assert.ok(frames.count <= 64, `at most max(twice the share, 64) wait (${frames.count})`);
  sendNow(h);
  for (const v of viewers) {
    const events = v.events();
    assert.deepEqual(events[0], { event: 'skipped', data: '{"count":9990}', id: undefined });
    assert.deepEqual(
      events.slice(1).map((ev) => ev.id),
      Array.from({ length: 10 }, (_, i) => String(9991 + i)),
    );
  }
});

test('Frames keeps frames intact across growth and drops, oldest first', () => {
  const f = new Frames();
  const sent: string[] = [];
  for (let i = 0; i < 300; i++) {
    // sizes from a few bytes to past the initial buffer; every third one a start (no id)
    f.add(i % 3 === 0 ? START_FRAME : i * 1_000_003, Buffer.from(JSON.stringify({ i, pad: 'p'.repeat((i * 997) % 40_000) })), 50);
    if (i % 120 === 119) sent.push(f.take(1000)!.toString());
  }
  sent.push(f.take(30)!.toString());
  assert.equal(f.take(30), null, 'nothing waits after a take');
  const frames = sent.join('').split('\n\n').filter(Boolean);
  const got = frames.filter((d) => !d.startsWith('event: skipped'));
  const ids: number[] = [];
  for (const frame of got) {
    const { i } = JSON.parse(frame.slice(frame.indexOf('data: ') + 6)) as { i: number };
    ids.push(i);
    assert.ok(i % 3 === 0 ? frame.startsWith('event: started\ndata: {') : frame.startsWith(`id: ${i * 1_000_003}\nevent: entry\ndata: {`), frame.slice(0, 40));
  }
  for (let k = 1; k < ids.length; k++) assert.ok(ids[k] > ids[k - 1], 'in order');
  assert.equal(ids.at(-1), 299);
  const skippedCounts = frames.filter((d) => d.startsWith('event: skipped')).map((d) => (JSON.parse(d.split('data: ')[1]) as { count: number }).count);
  assert.equal(ids.length + skippedCounts.reduce((a, b) => a + b, 0), 300, 'every frame sent or counted as skipped');
});

test('when a send is full, starts are skipped and counted, finished entries still replace the oldest', () => {
  const h = hub({ eventsPerSend: 6 });
  const [a] = [viewer(h), viewer(h)];
  for (let i = 1; i <= 3; i++) h.started(makeEntry({ id: `s-${i}`, stream: true }));
  h.started(makeEntry({ id: 's-4', stream: true }));
  const e = makeEntry({ id: 'f-1' });
  h.finished(1, e, bytes(e));
  sendNow(h);
  // three per viewer a send: three starts, then the fourth skipped; the finished entry replaced the oldest
  assert.deepEqual(
    a.events().map((ev) => [ev.event, ev.event === 'skipped' ? ev.data : (JSON.parse(ev.data) as LogEntry).id]),
    [
      ['skipped', '{"count":2}'],
      ['started', 's-2'],
      ['started', 's-3'],
      ['entry', 'f-1'],
    ],
  );
});

test('a viewer that does not read is dropped at the next send; the others still get it', () => {
  const h = hub({ maxBufferedBytes: 1000 });
  const stuck = viewer(h);
  const ok = viewer(h);
  stuck.writableLength = 5000;
  const e = makeEntry();
  h.finished(1, e, bytes(e));
  sendNow(h);
  assert.equal(stuck.destroyed, true);
  assert.equal(h.count, 1);
  assert.equal(ok.events().length, 1);
});
