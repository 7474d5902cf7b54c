/** Issue 7's table of targets (and issue 5's overhead requirement), judged against one run. */
import { fmt, pctText } from './report.js';
import type { LoadResult, Results, TargetRow } from './types.js';

const TRANSLATIONS = ['openai2anthropic', 'anthropic2openai', 'openai2gemini', 'responses2openai'];

function find(rs: LoadResult[], id: string, conns: number): LoadResult | undefined {
  return rs.find((r) => r.id === id && r.connections === conns);
}

function row(figure: string, target: string, value: number | undefined, show: (v: number) => string, ok: (v: number) => boolean): TargetRow {
  if (value === undefined || Number.isNaN(value)) return { figure, target, measured: 'not measured' };
  return { figure, target, measured: show(value), met: ok(value) };
}

/** The worst value over the cases found, and which case it was. */
function worst(rs: (LoadResult | undefined)[], f: (r: LoadResult) => number, lowerIsWorse: boolean): { value: number; which: string } | undefined {
  const present = rs.filter((r): r is LoadResult => r !== undefined);
  if (present.length === 0) return undefined;
  const sorted = [...present].sort((a, b) => (lowerIsWorse ? f(a) - f(b) : f(b) - f(a)));
  return { value: f(sorted[0]), which: sorted[0].id.split(':')[1] };
}

export function evaluateTargets(r: Results): TargetRow[] {
  const rows: TargetRow[] = [];
  const load = r.load;

  const o2a = find(load, 'gateway:openai2anthropic:json', 32);
  rows.push(
    row(
      'CPU per request, openai → anthropic, non-streaming',
      '≤ 0.10 ms',
      o2a?.median.cpuMsPerReq,
      (v) => `${v.toFixed(3)} ms`,
      (v) => v <= 0.1,
    ),
  );

  const tJson = worst(
    TRANSLATIONS.map((t) => find(load, `gateway:${t}:json`, 32)),
    (x) => x.median.rps,
    true,
  );
  rows.push(
    row(
      'throughput, translation, non-streaming, 32 connections (slowest direction)',
      '≥ 8,000 req/s',
      tJson?.value,
      (v) => `${fmt(v)} req/s (${tJson?.which})`,
      (v) => v >= 8000,
    ),
  );

  const pass = find(load, 'gateway:passthrough:openai:json', 32);
  const bare = find(load, 'bare:openai:json', 32);
  const ratio = pass && bare ? pass.median.rps / bare.median.rps : undefined;
  rows.push(
    row(
      'throughput, pass-through, 32 connections, vs the bare node:http proxy in the same run',
      '≥ 95% of the bare proxy (≈ 10,500 req/s)',
      ratio,
      (v) => `${fmt(pass?.median.rps)} vs ${fmt(bare?.median.rps)} req/s = ${pctText(v)}`,
      (v) => v >= 0.95,
    ),
  );

  const lat = r.probes.filter((p) => p.id.startsWith('latency:gateway:'));
  const latWorst = lat.length ? lat.reduce((a, b) => (b.addedP50 > a.addedP50 ? b : a)) : undefined;
  rows.push(
    row(
      'added p50 latency at concurrency 1 (worst gateway case)',
      '≤ 0.25 ms',
      latWorst?.addedP50,
      (v) => `${v.toFixed(3)} ms (${latWorst?.label})`,
      (v) => v <= 0.25,
    ),
  );

  const ttft = r.probes.filter((p) => p.id.startsWith('ttft:gateway:'));
  const ttftWorst = ttft.length ? ttft.reduce((a, b) => (b.addedP50 > a.addedP50 ? b : a)) : undefined;
  rows.push(
    row(
      'added time to first streamed token, p50 (worst gateway case)',
      '≤ 0.3 ms',
      ttftWorst?.addedP50,
      (v) => `${v.toFixed(3)} ms (${ttftWorst?.label})`,
      (v) => v <= 0.3,
    ),
  );

  const tStream = worst(
    TRANSLATIONS.map((t) => find(load, `gateway:${t}:stream`, 32)),
    (x) => x.median.rps,
    true,
  );
  rows.push(
    row(
      'streaming, 20-chunk responses translated, 32 connections (slowest direction)',
      '≥ 3,000 streams/s',
      tStream?.value,
      (v) => `${fmt(v)} streams/s (${tStream?.which})`,
      (v) => v >= 3000,
    ),
  );

  for (const s of r.slow) {
    rows.push({
      figure: `${s.streams} concurrent slow streams (1 chunk / 50 ms), ${s.label}`,
      target: 'all complete, none stalls, RSS ≤ 150 MB',
      measured: `${s.completed}/${s.streams} complete, ${s.stalled} stalled (max gap ${s.maxGapMs.toFixed(0)} ms), ${s.peakRssMb.toFixed(0)} MB`,
      met: s.completed === s.streams && s.stalled === 0 && s.peakRssMb <= 150,
    });
  }
  if (r.slow.length === 0) rows.push({ figure: '1,000 concurrent slow streams', target: 'all complete, none stalls, RSS ≤ 150 MB', measured: 'not measured' });

  const rss = worst(
    load.filter((x) => x.via === 'gateway' && x.variant === 'on' && x.connections === 32),
    (x) => x.median.peakRssMb,
    false,
  );
  rows.push(
    row(
      'peak RSS under the 32-connection load (largest case)',
      '≤ 100 MB',
      rss?.value,
      (v) => `${v.toFixed(0)} MB (${rss?.which})`,
      (v) => v <= 100,
    ),
  );

  const cold = r.cold.find((c) => c.runtime === 'dist');
  rows.push(
    row(
      'cold start to first served request (median, dist/)',
      '≤ 500 ms',
      cold?.medianMs,
      (v) => `${v.toFixed(0)} ms`,
      (v) => v <= 500,
    ),
  );

  for (const stream of [false, true]) {
    const kind = stream ? 'streaming' : 'non-streaming';
    const find = (variant: string) => r.observe.find((x) => x.variant === variant && x.stream === stream);
    const rps = (variant: string) => find(variant)?.median.rps;
    const rel = (a?: number, b?: number) => (a !== undefined && b !== undefined ? a / b : undefined);
    // paired ratios (within rounds) when the result has them; older results: ratio of medians.
    // "off": request log, stdout lines, stats and capture off; metrics and health stay on
    // (results before "none" existed had no observer at all as "off")
    const vsOff = (variant: string) => find(variant)?.pairedVsOff ?? rel(rps(variant), rps('off'));
    const on = vsOff('on');
    const cap = vsOff('capture');
    const viewers = find('viewers')?.pairedVsOn ?? rel(rps('viewers'), rps('on'));
    rows.push(row(`issue 5: logging + stats on vs off, ${kind}`, '≥ 95% of off', on, pctText, (x) => x >= 0.95));
    rows.push(row(`issue 5: logging + stats + capture on vs off, ${kind}`, '≥ 95% of off', cap, pctText, (x) => x >= 0.95));
    rows.push(row(`issue 5: 50 SSE log viewers vs none, ${kind}`, 'unchanged (≥ 95%)', viewers, pctText, (x) => x >= 0.95));
  }
  return rows;
}
