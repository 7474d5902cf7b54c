import { useMemo, useState } from 'preact/hooks';
import { api } from '../api.js';
import { Empty, ErrorBanner, Loading } from '../ui/components.js';
import { useLoad } from '../ui/hooks.js';
import { TimeChart, type Series } from '../ui/chart.js';
import { fmtCompact, fmtInt, fmtMs } from '../lib/format.js';
import type { StatsRow } from '../types.js';

const DAY = 86_400_000;

/** Midnight UTC of the day holding t. */
function dayStart(t: number): number {
  return Math.floor(t / DAY) * DAY;
}

/** The day rows laid on a continuous axis of days (days without traffic count zero). */
export function dailySeries(rows: StatsRow[], from: number, to: number): { x: number[]; rows: (StatsRow | undefined)[] } {
  const byDay = new Map<number, StatsRow>();
  for (const r of rows) {
    const t = /^\d+$/.test(r.key) ? Number(r.key) : Date.parse(r.key.length === 10 ? `${r.key}T00:00:00Z` : r.key);
    if (!Number.isNaN(t)) byDay.set(dayStart(t), r);
  }
  const x: number[] = [];
  const out: (StatsRow | undefined)[] = [];
  for (let t = dayStart(from); t <= dayStart(to); t += DAY) {
    x.push(t / 1000);
    out.push(byDay.get(t));
  }
  return { x, rows: out };
}

interface Stats {
  day: StatsRow[];
  model: StatsRow[];
  downstream: StatsRow[];
  client: StatsRow[];
  from: number;
  to: number;
}

export function DashboardTab() {
  const [days, setDays] = useState(30);
  const data = useLoad<Stats>(async () => {
    const to = Date.now();
    const from = dayStart(to - (days - 1) * DAY);
    const [day, model, downstream, client] = await Promise.all(['day', 'model', 'downstream', 'client'].map((g) => api.stats(g, from, to)));
    return { day, model, downstream, client, from, to };
  }, [days]);

  return (
    <section aria-labelledby="dash-title">
      <div class="tab-head">
        <div>
          <h1 id="dash-title">Dashboard</h1>
          <p class="muted">Usage through the gateway.</p>
        </div>
        <div class="inline">
          <label for="dash-range">Period</label>
          <select id="dash-range" value={String(days)} onChange={(e) => setDays(Number(e.currentTarget.value))}>
            <option value="1">today</option>
            <option value="7">last 7 days</option>
            <option value="30">last 30 days</option>
            <option value="90">last 90 days</option>
            <option value="365">last 12 months</option>
          </select>
          <button type="button" onClick={() => void data.reload()} disabled={data.loading}>
            Refresh
          </button>
        </div>
      </div>
      <ErrorBanner error={data.error} title="Could not load statistics" />
      {data.loading && !data.data && <Loading what="statistics" />}
      {data.data && <DashboardView s={data.data} />}
    </section>
  );
}

function DashboardView({ s }: { s: Stats }) {
  const totals = useMemo(
    () =>
      s.day.reduce(
        (t, r) => ({ requests: t.requests + r.requests, errors: t.errors + r.errors, input: t.input + r.input_tokens, output: t.output + r.output_tokens }),
        { requests: 0, errors: 0, input: 0, output: 0 },
      ),
    [s],
  );
  const daily = useMemo(() => dailySeries(s.day, s.from, s.to), [s]);
  const reqSeries = useMemo<Series[]>(
    () => [
      { label: 'requests', values: daily.rows.map((r) => r?.requests ?? 0), colorVar: '--c1' },
      { label: 'errors', values: daily.rows.map((r) => r?.errors ?? 0), colorVar: '--c-err' },
    ],
    [daily],
  );
  const tokSeries = useMemo<Series[]>(
    () => [
      { label: 'input tokens', values: daily.rows.map((r) => r?.input_tokens ?? 0), colorVar: '--c2' },
      { label: 'output tokens', values: daily.rows.map((r) => r?.output_tokens ?? 0), colorVar: '--c3' },
      { label: 'cache read', values: daily.rows.map((r) => r?.cache_read_tokens ?? 0), colorVar: '--c4' },
    ],
    [daily],
  );
  return (
    <>
      <div class="kpis">
        <Kpi label="Requests" value={fmtInt(totals.requests)} />
        <Kpi
          label="Errors"
          value={`${fmtInt(totals.errors)}${totals.requests ? ` (${((totals.errors / totals.requests) * 100).toFixed(1)}%)` : ''}`}
          tone={totals.errors ? 'err' : undefined}
        />
        <Kpi label="Input tokens" value={fmtCompact(totals.input)} />
        <Kpi label="Output tokens" value={fmtCompact(totals.output)} />
      </div>
      {totals.requests === 0 && <Empty>No requests in this period yet. Charts fill in as traffic goes through the gateway.</Empty>}
      <div class="charts">
        <TimeChart title="Requests and errors per day" x={daily.x} series={reqSeries} summary={`${totals.requests} requests, ${totals.errors} errors`} />
        <TimeChart title="Tokens per day" x={daily.x} series={tokSeries} summary={`${totals.input} input and ${totals.output} output tokens`} />
      </div>
      <div class="breakdowns">
        <Breakdown title="By model" rows={s.model} />
        <Breakdown title="By downstream" rows={s.downstream} />
        <Breakdown title="By client" rows={s.client} />
      </div>
    </>
  );
}

function Kpi({ label, value, tone }: { label: string; value: string; tone?: string }) {
  return (
    <div class={`kpi card ${tone ? `tone-${tone}` : ''}`}>
      <div class="kpi-label">{label}</div>
      <div class="kpi-value">{value}</div>
    </div>
  );
}

function Breakdown({ title, rows }: { title: string; rows: StatsRow[] }) {
  const sorted = rows.slice().sort((a, b) => b.requests - a.requests);
  return (
    <section class="card breakdown" aria-label={title}>
      <h2>{title}</h2>
      {sorted.length === 0 ? (
        <p class="muted">no data</p>
      ) : (
        <div class="table-wrap">
          <table class="table small">
            <thead>
              <tr>
                <th scope="col">{title.replace('By ', '')}</th>
                <th scope="col" class="num">
                  Requests
                </th>
                <th scope="col" class="num">
                  Errors
                </th>
                <th scope="col" class="num">
                  Tokens in
                </th>
                <th scope="col" class="num">
                  Tokens out
                </th>
                <th scope="col" class="num">
                  p50
                </th>
                <th scope="col" class="num">
                  p95
                </th>
              </tr>
            </thead>
            <tbody>
              {sorted.map((r) => (
                <tr key={r.key}>
                  <td class="mono key">{r.key || '(none)'}</td>
                  <td class="num">{fmtInt(r.requests)}</td>
                  <td class={`num ${r.errors ? 'err-text' : ''}`}>{fmtInt(r.errors)}</td>
                  <td class="num">{fmtCompact(r.input_tokens)}</td>
                  <td class="num">{fmtCompact(r.output_tokens)}</td>
                  <td class="num">{fmtMs(r.p50_ms)}</td>
                  <td class="num">{fmtMs(r.p95_ms)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
