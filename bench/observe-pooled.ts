/**
 * Issue 5's comparison pooled over several benchmark runs of the same build:
 *
 *   node --import tsx bench/observe-pooled.ts bench/results/A.json bench/results/B.json …
 *
 * Each run's observability figures are medians of its own per-cycle ratios (a slice of each
 * mode, a few seconds apart); on this VM they move by a few points between runs of the same
 * code, so one run cannot settle a figure that close to 95 %. This takes every cycle of every
 * run given and prints, per mode, against "off" and against "on": the cycles counted, the
 * median of their ratios, and the ratio of all requests served (the mode's over its baseline's
 * in the same rounds).
 */
import { readFileSync } from 'node:fs';
import type { GwVariant, LoadResult, Results } from './lib/types.js';

const files = process.argv.slice(2);
if (files.length === 0) {
  process.stderr.write('usage: node --import tsx bench/observe-pooled.ts RESULT.json [RESULT.json …]\n');
  process.exit(2);
}

interface Pool {
  label: string;
  base: GwVariant;
  ratios: number[];
  served: number;
  baseServed: number;
}

const pools = new Map<string, Pool>();
for (const file of files) {
  const cases = (JSON.parse(readFileSync(file, 'utf8')) as Results).observe;
  for (const c of cases) {
    for (const base of ['off', 'on'] as const) {
      const b = cases.find((x) => x.stream === c.stream && (x.variant ?? 'on') === base);
      const mode = c.variant ?? 'on';
      if (!b || b === c || mode === 'none' || mode === 'off') continue;
      const key = `${c.id} vs ${base}`;
      const pool = pools.get(key) ?? { label: c.label, base, ratios: [], served: 0, baseServed: 0 };
      pools.set(key, pool);
      addRounds(pool, c, b, file);
    }
  }
}

function addRounds(pool: Pool, c: LoadResult, b: LoadResult, file: string): void {
  if (c.samples.length !== b.samples.length) throw new Error(`${file}: ${c.id} and ${b.id} have different round counts`);
  c.samples.forEach((s, i) => {
    const bs = b.samples[i];
    pool.served += s.ok;
    pool.baseServed += bs.ok;
    if (s.sliceRps && bs.sliceRps && s.sliceRps.length === bs.sliceRps.length) s.sliceRps.forEach((x, k) => pool.ratios.push(x / bs.sliceRps![k]));
    else pool.ratios.push(s.rps / bs.rps);
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
const rows = [...pools.values()].map((p) => [p.label, `vs ${p.base}`, String(p.ratios.length), pct(median(p.ratios)), pct(p.served / p.baseServed)]);
const head = ['variant', 'against', 'cycles', 'median ratio', 'requests ratio'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells: string[]): string => `| ${cells.map((x, i) => (i < 2 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join(' | ')} |\n`;
process.stdout.write(`${files.length} runs pooled\n${line(head)}${line(widths.map((w) => '-'.repeat(w)))}${rows.map(line).join('')}`);
