/** Start the Tresor daemon as a child process in the variants the benchmark compares. */
import type { ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { benchConfig } from './config.js';
import { freePort, launch, sleep, stop } from './processes.js';

/**
 * on: the default config (logging + stats); base: the same, another build of Tresor
 * (--compare=DIR); switch: observability switched while it runs between the ObserveModes
 * (bench/lib/daemon-entry.mjs --control, DaemonProc.controlUrl).
 */
export type Variant = 'on' | 'base' | 'switch';
/** See bench/lib/daemon-entry.mjs. */
export type ObserveMode = 'none' | 'off' | 'on' | 'capture';
export type Runtime = 'dist' | 'src';

export interface DaemonProc {
  variant: Variant;
  port: number;
  pid: number;
  child: ChildProcess;
  logFile: string;
  /** Empty the stdout log between cases so a long run never fills the disk. */
  truncateLog(): void;
  /** Variant "switch": where to POST /observe/MODE (see bench/lib/daemon-entry.mjs). */
  controlUrl?: string;
  stop(): Promise<void>;
}

export interface DaemonSpec {
  root: string;
  tmp: string;
  mockPort: number;
  variant: Variant;
  runtime: Runtime;
  /** Extra node flags (e.g. --cpu-prof). */
  nodeFlags?: string[];
  port?: number;
  /** Share a database file between starts (cold start runs). */
  dbName?: string;
  /** The checkout whose bin/tresor.js runs (default: root); variant "base" uses --compare's. */
  tree?: string;
}

/** The command line that starts the daemon: production's `bin/tresor.js run` whenever possible. */
export function daemonCommand(spec: DaemonSpec, configPath: string): string[] {
  const flags = spec.nodeFlags ?? [];
  const entry = join(spec.root, 'bench/lib/daemon-entry.mjs');
  if (spec.runtime === 'src') {
    const extra = spec.variant === 'switch' ? [`--control=${controlFile(configPath)}`] : [];
    return [...flags, '--import', 'tsx', entry, configPath, '--from-src', ...extra];
  }
  if (spec.variant === 'switch') return [...flags, entry, configPath, `--control=${controlFile(configPath)}`];
  return [...flags, join(spec.tree ?? spec.root, 'bin/tresor.js'), 'run', '--config', configPath];
}

/** Where a "switch" daemon writes its control port. */
function controlFile(configPath: string): string {
  return `${configPath}.control`;
}

export async function writeDaemonConfig(spec: DaemonSpec, port: number): Promise<string> {
  const configPath = join(spec.tmp, `config-${spec.variant}-${port}.yaml`);
  writeFileSync(
    configPath,
    benchConfig({
      port,
      mockPort: spec.mockPort,
      dbPath: join(spec.tmp, spec.dbName ?? `tresor-${spec.variant}-${port}.db`),
      // the default level: a JSON line on stdout per request (the "switch" daemon's modes
      // other than on and capture have no request observer to write them)
      logLevel: 'info',
      capturePayloads: false,
    }),
  );
  return configPath;
}

export async function startDaemonProc(spec: DaemonSpec): Promise<DaemonProc> {
  const port = spec.port ?? (await freePort());
  const configPath = await writeDaemonConfig(spec, port);
  const logFile = join(spec.tmp, `daemon-${spec.variant}-${port}.log`);
  rmSync(controlFile(configPath), { force: true });
  // O_APPEND: truncating from here keeps the child's writes at the (new) end.
  const fd = openSync(logFile, 'a');
  const child = launch(process.execPath, daemonCommand(spec, configPath), { cwd: spec.tree ?? spec.root, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  try {
    await waitHealthy(port, child, 30_000);
  } catch (e) {
    await stop(child);
    throw new Error(`${(e as Error).message}\n--- daemon output ---\n${readFileSync(logFile, 'utf8').slice(-3000)}`);
  }
  const controlUrl = spec.variant === 'switch' ? `http://127.0.0.1:${await controlPort(controlFile(configPath), 10_000)}` : undefined;
  return {
    variant: spec.variant,
    port,
    pid: child.pid as number,
    child,
    logFile,
    truncateLog: () => truncateSync(logFile, 0),
    controlUrl,
    stop: () => stop(child, 10_000),
  };
}

/** The port a "switch" daemon wrote to `file`, once it is there (the file may be seen empty first). */
async function controlPort(file: string, timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const port = existsSync(file) ? Number(readFileSync(file, 'utf8')) : 0;
    if (port > 0) return port;
    if (performance.now() > deadline) throw new Error(`no control port in ${file}`);
    await sleep(20);
  }
}

/** Poll GET /api/health until it answers 200. */
export async function waitHealthy(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the daemon exited (${child.exitCode ?? child.signalCode}) during start-up`);
    if ((await healthStatus(port)) === 200) return;
    await sleep(20);
  }
  throw new Error(`the daemon did not become healthy within ${timeoutMs} ms`);
}

function healthStatus(port: number): Promise<number> {
  return new Promise((resolve) => {
    const req = get({ host: '127.0.0.1', port, path: '/api/health', agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.setTimeout(1000, () => req.destroy());
    req.on('error', () => resolve(0));
  });
}
