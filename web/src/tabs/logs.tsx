import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api } from '../api.js';
import { Badge, Empty, ErrorBanner, Loading, Modal } from '../ui/components.js';
import { useLoad } from '../ui/hooks.js';
import { fmtInt, fmtMs, fmtTime, statusTone } from '../lib/format.js';
import type { LogEntry } from '../types.js';
import { Inspector } from './inspector.js';

const MAX_ROWS = 500;
/** Live events are applied to the table at most this often. */
const LIVE_APPLY_MS = 50;

type StatusFilter = '' | '2xx' | '4xx' | '5xx' | 'errors';
interface Filters {
  text: string;
  model: string;
  downstream: string;
  status: StatusFilter;
}

export function matches(e: LogEntry, f: Filters): boolean {
  if (f.model && !(e.model ?? '').toLowerCase().includes(f.model.toLowerCase()) && !(e.output_model ?? '').toLowerCase().includes(f.model.toLowerCase()))
    return false;
  if (f.downstream && e.downstream_id !== f.downstream) return false;
  if (f.status === '2xx' && !(e.status >= 200 && e.status < 300)) return false;
  if (f.status === '4xx' && !(e.status >= 400 && e.status < 500)) return false;
  if (f.status === '5xx' && !(e.status >= 500)) return false;
  if (f.status === 'errors' && !(e.status >= 400 || e.error)) return false;
  if (f.text) {
    const hay = `${e.id} ${e.path} ${e.model ?? ''} ${e.output_model ?? ''} ${e.downstream_id ?? ''} ${e.client_addr} ${e.error ?? ''}`.toLowerCase();
    if (!hay.includes(f.text.toLowerCase())) return false;
  }
  return true;
}

/** Insert or replace by id, newest first, bounded. */
export function upsert(list: LogEntry[], e: LogEntry): LogEntry[] {
  const i = list.findIndex((x) => x.id === e.id);
  if (i !== -1) return list.map((x, j) => (j === i ? { ...x, ...e } : x));
  return [e, ...list].slice(0, MAX_ROWS);
}

type LiveState = 'connecting' | 'live' | 'reconnecting' | 'paused' | 'closed';

export function LogsTab() {
  const initial = useLoad(() => api.logs({ limit: 200 }));
  const [entries, setEntries] = useState<LogEntry[]>([]);
  const [older, setOlder] = useState<{ next: string | number | null; error?: Error; busy: boolean }>({ next: null, busy: false });
  const [filters, setFilters] = useState<Filters>({ text: '', model: '', downstream: '', status: '' });
  const [live, setLive] = useState<LiveState>('connecting');
  const [paused, setPaused] = useState(false);
  const [held, setHeld] = useState<LogEntry[]>([]);
  const [inspect, setInspect] = useState<string | undefined>(undefined);
  /** Entries the live stream left out under heavy traffic (history still has them). */
  const [skipped, setSkipped] = useState(0);
  const pausedRef = useRef(paused);
  pausedRef.current = paused;

  useEffect(() => {
    if (initial.data) {
      setEntries((cur) => {
        let out = initial.data!.entries.slice();
        // Entries that arrived live before the first page keep their place on top.
        for (const e of cur.slice().reverse()) out = upsert(out, e);
        return out;
      });
      setOlder({ next: initial.data.next_before, busy: false });
    }
  }, [initial.data]);

  useEffect(() => {
    const es = new EventSource('/api/logs/stream');
    // A busy moment brings hundreds of events at once (each its own browser task): they are
    // applied together, one state update (one render) per LIVE_APPLY_MS, not one per event.
    let arrived: LogEntry[] = [];
    let timer: number | undefined;
    const apply = () => {
      timer = undefined;
      const batch = arrived;
      arrived = [];
      const add = (list: LogEntry[]) => batch.reduce(upsert, list);
      if (pausedRef.current) setHeld(add);
      else setEntries(add);
    };
    const onEntry = (ev: MessageEvent<string>) => {
      let e: LogEntry;
      try {
        e = JSON.parse(ev.data) as LogEntry;
      } catch {
        return;
      }
      if (!e || typeof e.id !== 'string') return;
      arrived.push(e);
      // only the newest MAX_ROWS can be shown (a hidden tab's timers run late)
      if (arrived.length > 2 * MAX_ROWS) arrived = arrived.slice(-MAX_ROWS);
      timer ??= window.setTimeout(apply, LIVE_APPLY_MS);
    };
    es.addEventListener('entry', onEntry as EventListener);
    es.addEventListener('started', onEntry as EventListener);
    es.addEventListener('skipped', ((ev: MessageEvent<string>) => {
      try {
        const n = Number((JSON.parse(ev.data) as { count?: unknown }).count);
        if (Number.isFinite(n) && n > 0) setSkipped((k) => k + n);
      } catch {
        /* not ours */
      }
    }) as EventListener);
    es.onmessage = onEntry;
    es.onopen = () => setLive('live');
    es.onerror = () => {
      if (es.readyState === EventSource.CLOSED) {
        setLive('closed');
        // A refused stream is often an expired session: a plain call finds out (and shows the login).
        void api.logs({ limit: 1 }).catch(() => undefined);
      } else setLive('reconnecting');
    };
    return () => {
      es.close();
      if (timer !== undefined) window.clearTimeout(timer);
    };
  }, []);

  const resume = () => {
    setPaused(false);
    setEntries((list) => held.reduceRight((acc, e) => upsert(acc, e), list));
    setHeld([]);
  };

  const loadOlder = async () => {
    if (older.next === null || older.next === undefined) return;
    setOlder((o) => ({ ...o, busy: true, error: undefined }));
    try {
      const page = await api.logs({ limit: 200, before: older.next });
      setEntries((list) => [...list, ...page.entries.filter((e) => !list.some((x) => x.id === e.id))]);
      setOlder({ next: page.next_before, busy: false });
    } catch (e) {
      setOlder((o) => ({ ...o, busy: false, error: e as Error }));
    }
  };

  const shown = useMemo(() => entries.filter((e) => matches(e, filters)), [entries, filters]);
  const downstreams = useMemo(() => [...new Set(entries.map((e) => e.downstream_id).filter((x): x is string => Boolean(x)))].sort(), [entries]);
  const liveLabel = paused
    ? `paused (${held.length} new)`
    : { connecting: 'connecting…', live: 'live', reconnecting: 'reconnecting…', closed: 'disconnected', paused: 'paused' }[live];

  return (
    <section aria-labelledby="logs-title">
      <div class="tab-head">
        <div>
          <h1 id="logs-title">Logs</h1>
          <p class="muted">Every gateway request, as it finishes. Click one to inspect it.</p>
        </div>
        <div class="inline">
          <span class={`live-dot ${paused ? 'paused' : live}`} role="status" aria-live="polite">
            {liveLabel}
          </span>
          {skipped > 0 && (
            <span
              class="muted"
              title="Under heavy traffic the live view shows the newest entries of each moment; every entry is in the history (reload or scroll)."
            >
              {skipped.toLocaleString()} not shown live
            </span>
          )}
          <button type="button" aria-pressed={paused ? 'true' : 'false'} onClick={() => (paused ? resume() : setPaused(true))}>
            {paused ? 'Resume' : 'Pause'}
          </button>
        </div>
      </div>
      <form class="filters" role="search" aria-label="Filter logs" onSubmit={(e) => e.preventDefault()}>
        <label>
          <span>Search</span>
          <input type="search" value={filters.text} placeholder="id, path, error…" onInput={(e) => setFilters({ ...filters, text: e.currentTarget.value })} />
        </label>
        <label>
          <span>Model</span>
          <input value={filters.model} placeholder="any" onInput={(e) => setFilters({ ...filters, model: e.currentTarget.value })} />
        </label>
        <label>
          <span>Downstream</span>
          <select value={filters.downstream} onChange={(e) => setFilters({ ...filters, downstream: e.currentTarget.value })}>
            <option value="">any</option>
            {downstreams.map((d) => (
              <option key={d} value={d}>
                {d}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span>Status</span>
          <select value={filters.status} onChange={(e) => setFilters({ ...filters, status: e.currentTarget.value as StatusFilter })}>
            <option value="">any</option>
            <option value="2xx">2xx success</option>
            <option value="4xx">4xx client errors</option>
            <option value="5xx">5xx server errors</option>
            <option value="errors">all errors</option>
          </select>
        </label>
      </form>
      {live === 'closed' && <ErrorBanner error="The live log stream was closed by the daemon. Reload the page to reconnect." />}
      <ErrorBanner error={initial.error} title="Could not load the request log" />
      {initial.loading && !initial.data && <Loading what="the request log" />}
      {!initial.loading && shown.length === 0 && (
        <Empty>
          {entries.length ? 'No request matches these filters.' : 'No requests yet. Send one to the gateway (or use the Playground) and it shows up here live.'}
        </Empty>
      )}
      {shown.length > 0 && (
        <div class="table-wrap">
          <table class="table logs-table">
            <caption class="sr-only">Recent requests, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Status</th>
                <th scope="col">Request</th>
                <th scope="col">Routed to</th>
                <th scope="col" class="num">
                  Tokens in / out
                </th>
                <th scope="col" class="num">
                  Duration
                </th>
              </tr>
            </thead>
            <tbody>
              {shown.map((e) => (
                <tr key={e.id} class={`log-row tone-${statusTone(e.status)}`} data-log-id={e.id} data-status={e.status} onClick={() => setInspect(e.id)}>
                  <td data-label="Time">
                    <button
                      type="button"
                      class="link"
                      aria-label={`Inspect request ${e.id} (${e.status} ${e.model ?? e.path})`}
                      onClick={(ev) => (ev.stopPropagation(), setInspect(e.id))}
                    >
                      {fmtTime(e.time)}
                    </button>
                  </td>
                  <td data-label="Status">
                    <span class={`status tone-${statusTone(e.status)}`}>{e.state === 'started' ? '…' : e.status}</span>
                    {e.stream && <Badge>stream</Badge>}
                  </td>
                  <td data-label="Request" class="wrap">
                    <span class="mono">{e.model ?? '–'}</span>
                    <div class="muted small">
                      {e.client_format ?? '?'} {e.path}
                    </div>
                    {e.error && <div class="err-text small">{e.error}</div>}
                  </td>
                  <td data-label="Routed to" class="wrap">
                    {e.downstream_id ? (
                      <>
                        <span class="log-ds">{e.downstream_id}</span>
                        <div class="muted small mono">{e.output_model}</div>
                      </>
                    ) : (
                      <span class="muted">–</span>
                    )}
                    {e.attempts.length > 1 && <div class="small muted">{e.attempts.map((a) => `${a.downstream_id}:${a.status}`).join(' → ')}</div>}
                  </td>
                  <td data-label="Tokens" class="num mono">
                    {fmtInt(e.usage?.input_tokens)} / {fmtInt(e.usage?.output_tokens)}
                  </td>
                  <td data-label="Duration" class="num mono">
                    {fmtMs(e.duration_ms)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {older.next !== null && older.next !== undefined && entries.length > 0 && (
        <p>
          <button type="button" onClick={() => void loadOlder()} disabled={older.busy}>
            {older.busy ? 'Loading…' : 'Load older requests'}
          </button>
        </p>
      )}
      <ErrorBanner error={older.error} title="Could not load older requests" />
      {inspect && (
        <Modal title={`Request ${inspect}`} onClose={() => setInspect(undefined)} wide>
          <Inspector id={inspect} />
        </Modal>
      )}
    </section>
  );
}
