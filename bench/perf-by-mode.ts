/**
 * Split a `perf record` of issue 5's comparison by observability mode: where each mode's CPU
 * goes, per request, measured in the same process and the same minutes (profiles of separate
 * runs differ by more than the observer costs on this VM).
 *
 *   perf record -a -g -k CLOCK_MONOTONIC -F 1999 -o perf.data -- \
 *     node --import tsx bench/run.ts --skip=load,latency,slow,cold --observe-rounds=1 \
 *       --observe-duration=12 --slice-log=/tmp/slices --node-flags=--perf-basic-prof-only-functions
 *   perf script -i perf.data -F pid,tid,time,ip,sym --no-inline | \
 *     node --import tsx bench/perf-by-mode.ts /tmp/slices [--pid=N] [--match=RE,RE] [--diff=off,on] [--top=30]
 *
 * Prints, per mode (the last path segment of each slice's control URL, `on+viewers` for the
 * slices with log viewers): the requests its slices served, and the daemon's samples per
 * 1,000 requests on the main thread and on its other threads; `--match`: the samples whose
 * stack matches each regular expression; `--diff=A,B`: the stacks (first JavaScript frame
 * and leaf) that grew most from A to B.
 * At 1,999 Hz a sample is 0.5 ms, so a sample per 1,000 requests is 0.5 µs a request.
 * The daemon is the process whose stacks name tresor.mjs most, unless `--pid` says.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

interface Slice {
  mode: string;
  start: number;
  end: number;
}

const [sliceFile, ...args] = process.argv.slice(2);
if (!sliceFile) {
  process.stderr.write(
    'usage: perf script -F pid,tid,time,ip,sym --no-inline | node --import tsx bench/perf-by-mode.ts SLICE_LOG [--pid=N] [--match=RE,…] [--diff=A,B] [--top=N]\n',
  );
  process.exit(2);
}
const opt = (name: string): string | undefined => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const patterns = (opt('match') ?? '').split(',').filter(Boolean);
const regexes = patterns.map((p) => new RegExp(p));
const diff = opt('diff')?.split(',');
const top = Number(opt('top') ?? 30);

const slices: Slice[] = [];
const requests = new Map<string, number>();
for (const line of readFileSync(sliceFile, 'utf8').split('\n')) {
  const [url, start, end, ok] = line.split(' ');
  if (!ok) continue;
  const mode = url.slice(url.lastIndexOf('/') + 1);
  slices.push({ mode, start: Number(start) / 1e9, end: Number(end) / 1e9 });
  requests.set(mode, (requests.get(mode) ?? 0) + Number(ok));
}
slices.sort((a, b) => a.start - b.start);

/** The slice a perf timestamp (seconds) falls in. */
function modeAt(t: number): string | undefined {
  let lo = 0;
  let hi = slices.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (slices[mid].start <= t) lo = mid + 1;
    else hi = mid - 1;
  }
  const s = slices[hi];
  return s && t <= s.end ? s.mode : undefined;
}

interface Sample {
  pid: string;
  main: boolean;
  time: number;
  frames: string[];
}

const samples: Sample[] = [];
const tresorFrames = new Map<string, number>();
let block: string[] = [];
const flushBlock = (): void => {
  if (block.length === 0) return;
  const head = block[0].trim().split(/\s+/);
  const [pid, tid] = head[0].split('/');
  const time = Number.parseFloat(head[1] ?? '');
  const frames = block.slice(1).map((l) => l.trim().replace(/^\S+\s+/, ''));
  block = [];
  if (!tid || !Number.isFinite(time)) return;
  if (frames.some((f) => f.includes('tresor.mjs'))) tresorFrames.set(pid, (tresorFrames.get(pid) ?? 0) + 1);
  samples.push({ pid, main: pid === tid, time, frames });
};
for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
  if (line.trim() === '') flushBlock();
  else block.push(line);
}
flushBlock();

const daemon = opt('pid') ?? [...tresorFrames.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
if (!daemon) throw new Error('no daemon samples (record with --perf-basic-prof-only-functions, or pass --pid)');

const modes = [...requests.keys()];
const counts = new Map<string, Map<string, number>>(modes.map((m) => [m, new Map()]));
const bump = (mode: string, key: string): void => {
  const c = counts.get(mode)!;
  c.set(key, (c.get(key) ?? 0) + 1);
};
for (const s of samples) {
  if (s.pid !== daemon) continue;
  const mode = modeAt(s.time);
  if (!mode || !counts.has(mode)) continue;
  const role = s.main ? 'main' : 'other';
  bump(mode, `${role} total`);
  const stack = s.frames.join('\n');
  regexes.forEach((re, i) => {
    if (re.test(stack)) bump(mode, `${role} ${patterns[i]}`);
  });
  if (diff) {
    const js = s.frames.find((f) => f.startsWith('JS:'))?.replace(/ (file:|\/).*$/, '') ?? '-';
    bump(mode, `${role} ${js} | ${(s.frames[0] ?? '?').replace(/\(.*$/, '').slice(0, 60)}`);
  }
}

const per1000 = (mode: string, key: string): number => ((counts.get(mode)!.get(key) ?? 0) / Math.max(1, requests.get(mode)!)) * 1000;
const row = (label: string, cells: string[]): string => `${label.slice(0, 60).padEnd(60)}${cells.map((c) => c.padStart(10)).join('')}\n`;
let out = `daemon pid ${daemon}; samples per 1,000 requests\n`;
out += row('', modes);
out += row(
  'requests',
  modes.map((m) => String(requests.get(m))),
);
for (const key of ['main total', 'other total', ...patterns.flatMap((p) => [`main ${p}`, `other ${p}`])]) {
  if (modes.every((m) => per1000(m, key) === 0)) continue;
  out += row(
    key,
    modes.map((m) => per1000(m, key).toFixed(2)),
  );
}
if (diff) {
  const [a, b] = diff;
  if (!counts.has(a) || !counts.has(b)) throw new Error(`--diff: modes are ${modes.join(', ')}`);
  const keys = new Set([...counts.get(a)!.keys(), ...counts.get(b)!.keys()].filter((k) => k.includes(' | ')));
  const grown = [...keys].map((k) => ({ k, d: per1000(b, k) - per1000(a, k) })).sort((x, y) => y.d - x.d);
  out += `\n${b} - ${a}: the stacks (first JavaScript frame | leaf) that grew most\n`;
  for (const { k, d } of grown.slice(0, top))
    out += `${d.toFixed(2).padStart(8)} ${per1000(a, k).toFixed(2).padStart(8)} ${per1000(b, k).toFixed(2).padStart(8)}  ${k}\n`;
}
process.stdout.write(out);
