import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { startDaemon, type Daemon } from '../../src/app/daemon.js';
import { runCommandGroup } from '../../src/cli/commands.js';
import type { CliIO } from '../../src/cli/io.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run `tresor <group> ...args` in this process, capturing its output. */
export async function tresor(args: string[], env: NodeJS.ProcessEnv, config?: string): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) }, env };
  const [group, ...rest] = args;
  const code = await runCommandGroup(group, rest, config, io);
  return { code, stdout, stderr };
}

export interface CliDaemon {
  daemon: Daemon;
  dir: string;
  configPath: string;
  /** Environment for the CLI: TRESOR_ADMIN_URL points at this daemon. */
  env: NodeJS.ProcessEnv;
  run(...args: string[]): Promise<CliRun>;
  close(): Promise<void>;
}

/** A daemon on a random port with `text` as its config (`DIR` in it becomes the temp folder). */
export async function startCliDaemon(text: string, daemonEnv: NodeJS.ProcessEnv = {}, cliEnv: NodeJS.ProcessEnv = {}): Promise<CliDaemon> {
  const dir = mkdtempSync(join(tmpdir(), 'tresor-cli-'));
  const configPath = join(dir, 'config.yaml');
  writeFileSync(configPath, text.replaceAll('DIR', dir), { mode: 0o600 });
  const daemon = await startDaemon({
    configPath,
    env: { ...process.env, ...daemonEnv },
    logger: pino({ level: 'silent' }, new Writable({ write: (_c, _e, done) => done() })),
  });
  const env = { PATH: process.env.PATH, HOME: dir, TRESOR_ADMIN_URL: daemon.url, ...cliEnv };
  return {
    daemon,
    dir,
    configPath,
    env,
    run: (...args: string[]) => tresor(args, env, configPath),
    async close() {
      await daemon.close(200);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
