/**
 * What bench/soak.ts and bench/fuzz.ts share: a daemon child process (started, probed from
 * /proc, stopped by its own pid) and small number helpers. Loopback only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isFresh } from '../scripts/freshness.mjs';
import { freePort, sleep } from './lib/processes.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export interface DaemonChild {
  child: ChildProcess;
  pid: number;
  url: string;
  dir: string;
  stderrFile: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** dist/ is usable when it exists and is newer than every source file. */
export function distIsFresh(): boolean {
  return isFresh(join(ROOT, 'dist/cli/main.js'), [join(ROOT, 'src')]);
}

export { sleep };

/**
 * `tresor run` in a child process with `config` (JSON is valid YAML). Its log goes to
 * /dev/null (the per-request lines are still produced, as in production); stderr to a file.
 */
export async function startDaemonChild(config: Record<string, unknown>, opts: { fromSrc: boolean; eldFile?: string; label: string }): Promise<DaemonChild> {
  const dir = mkdtempSync(join(tmpdir(), `tresor-${opts.label}-`));
  const port = await freePort();
  const configPath = join(dir, 'config.yaml');
  writeFileSync(configPath, JSON.stringify({ bind_addr: `127.0.0.1:${port}`, db_path: join(dir, 'tresor.db'), proxy_mode: 'none', ...config }, null, 2), {
    mode: 0o600,
  });
  const stderrFile = join(dir, 'stderr.log');
  const err = openSync(stderrFile, 'a');
  const args = [
    ...(opts.fromSrc ? ['--import', 'tsx'] : []),
    ...(opts.eldFile ? ['--import', './bench/soak-eld.mjs'] : []),
    'bench/soak-daemon.mjs',
    ...(opts.fromSrc ? ['--from-src'] : []),
    'run',
    '--config',
    configPath,
  ];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', err],
    env: { ...process.env, ...(opts.eldFile ? { TRESOR_SOAK_ELD_FILE: opts.eldFile } : {}) },
  });
  closeSync(err);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const killChild = () => {
    if (child.exitCode === null && child.signalCode === null && child.pid) process.kill(child.pid, 'SIGKILL');
  };
  process.once('exit', killChild);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      killChild();
      process.exit(130);
    });
  }
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`daemon exited (${child.exitCode}) while starting:\n${readFileSync(stderrFile, 'utf8')}`);
    try {
      const r = await fetch(`${url}/api/health`);
      await r.arrayBuffer();
      if (r.status === 200) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error('daemon not healthy within 60 s');
    await sleep(100);
  }
  return { child, pid: child.pid!, url, dir, stderrFile, exited };
}

/** SIGTERM (graceful), SIGKILL after `graceMs`; resolves with the exit code. */
export async function stopDaemonChild(d: DaemonChild, graceMs = 10_000): Promise<number | null> {
  if (d.child.exitCode !== null) return d.child.exitCode;
  const t = setTimeout(() => process.kill(d.pid, 'SIGKILL'), graceMs);
  process.kill(d.pid, 'SIGTERM');
  const { code } = await d.exited;
  clearTimeout(t);
  return code;
}

/** Resident memory of a process, in MB (Linux /proc). */
export function rssMb(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

/** Open file descriptors of a process (Linux /proc). */
export function fdCount(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function fmt(n: number, digits = 1): string {
  return Number.isFinite(n) ? n.toFixed(digits) : 'n/a';
}

export function option(name: string, fallback: string): string {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? a.slice(name.length + 3) : fallback;
}

export function flag(name: string): boolean {
  return process.argv.includes(`--${name}`);
}
