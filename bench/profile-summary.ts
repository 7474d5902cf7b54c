/**
 * Summarise V8 CPU profiles (`node --cpu-prof`, or `npm run bench -- --profile`): the
 * functions with the most self time, with their file:line, and the same rolled up by file.
 * Usage: node --import tsx bench/profile-summary.ts <file.cpuprofile | directory> [top=40]
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const arg = process.argv[2];
const top = Number(process.argv[3] ?? 40);
if (!arg) {
  process.stderr.write('usage: node --import tsx bench/profile-summary.ts <file.cpuprofile | directory> [top]\n');
  process.exit(2);
}
const files = statSync(arg).isDirectory()
  ? readdirSync(arg)
      .filter((f) => f.endsWith('.cpuprofile'))
      .map((f) => join(arg, f))
  : [arg];

const cwd = process.cwd();
function where(url: string, line: number): string {
  if (!url) return '(native)';
  const path = url.startsWith('file://') ? relative(cwd, url.slice(7)) : url;
  return `${path}:${line + 1}`;
}

for (const file of files) {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) selfUs.set(p.samples[i], (selfUs.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const idle = [...selfUs.entries()]
    .filter(([id]) => ['(idle)', '(program)', '(garbage collector)'].includes(byId.get(id)?.callFrame.functionName ?? ''))
    .reduce((a, [, us]) => a + us, 0);
  const fn = new Map<string, number>();
  const byFile = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const n = byId.get(id);
    if (!n) continue;
    const cf = n.callFrame;
    const key = `${cf.functionName || '(anonymous)'}  ${where(cf.url, cf.lineNumber)}`;
    fn.set(key, (fn.get(key) ?? 0) + us);
    const f = cf.url ? where(cf.url, -1).replace(/:0$/, '') : cf.functionName;
    byFile.set(f, (byFile.get(f) ?? 0) + us);
  }
  const pctOf = (us: number) => ((100 * us) / total).toFixed(1).padStart(5) + '%';
  process.stdout.write(
    `\n${file}\n  sampled ${(total / 1000).toFixed(0)} ms, of which idle/program/GC ${(idle / 1000).toFixed(0)} ms\n\n  self time by function:\n`,
  );
  for (const [k, us] of [...fn.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`  ${pctOf(us)}  ${k}\n`);
  // Inclusive time: a sample counts once for every distinct function on its stack.
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const incl = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const cf = byId.get(cur)?.callFrame;
      if (!cf || !cf.url || cf.url.startsWith('node:')) continue;
      const key = `${cf.functionName || '(anonymous)'}  ${where(cf.url, cf.lineNumber)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      incl.set(key, (incl.get(key) ?? 0) + us);
    }
  }
  process.stdout.write('\n  inclusive time (function and what it calls), project and dependency code:\n');
  for (const [k, us] of [...incl.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`  ${pctOf(us)}  ${k}\n`);
  process.stdout.write('\n  self time by file:\n');
  for (const [k, us] of [...byFile.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25)) process.stdout.write(`  ${pctOf(us)}  ${k}\n`);
}
