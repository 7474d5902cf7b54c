/** Child processes of the benchmark: started, awaited, and always stopped by their own pid. */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';

const started = new Set<ChildProcess>();

/** Stop every child still running (also on Ctrl-C / exit), each by its own pid. */
export function killAll(): void {
  for (const c of started) {
    if (c.exitCode === null && c.signalCode === null && c.pid) {
      try {
        process.kill(c.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }
  started.clear();
}
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    killAll();
    process.exit(130);
  });
}

export function launch(cmd: string, args: string[], opts: SpawnOptions = {}): ChildProcess {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  started.add(child);
  child.once('exit', () => started.delete(child));
  return child;
}

/** Wait for a child to print `ready PORT` (the mock and the bare proxy do). */
export function waitReady(child: ChildProcess, what: string, timeoutMs = 15_000): Promise<number> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const t = setTimeout(() => fail(new Error(`${what} did not start within ${timeoutMs} ms\n${err}`)), timeoutMs);
    const fail = (e: Error) => {
      clearTimeout(t);
      reject(e);
    };
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /ready (\d+)/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => fail(new Error(`${what} exited (${code}) before it was ready\n${err}`)));
  });
}

/** SIGTERM, then SIGKILL if the child is still there after `graceMs`. */
export function stop(child: ChildProcess, graceMs = 5000): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null || !child.pid) return resolve();
    const t = setTimeout(() => {
      if (child.pid) process.kill(child.pid, 'SIGKILL');
    }, graceMs);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    process.kill(child.pid, 'SIGTERM');
  });
}

/** A loopback port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
