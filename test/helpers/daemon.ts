import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import YAML from 'yaml';
import { startDaemon, type Daemon } from '../../src/app/daemon.js';

export interface TestDaemon {
  daemon: Daemon;
  url: string;
  dir: string;
  configPath: string;
  close(): Promise<void>;
}

/**
 * A daemon in this process on 127.0.0.1:<random port>, with its config file and database in
 * a fresh temp folder. `config` is an object (written as YAML) or YAML text.
 */
export async function startTestDaemon(config: Record<string, unknown> | string, opts: { env?: NodeJS.ProcessEnv } = {}): Promise<TestDaemon> {
  const dir = mkdtempSync(join(tmpdir(), 'tresor-test-'));
  const configPath = join(dir, 'config.yaml');
  const text =
    typeof config === 'string' ? config : YAML.stringify({ bind_addr: '127.0.0.1:0', db_path: join(dir, 'tresor.db'), log_level: 'error', ...config });
  writeFileSync(configPath, text, { mode: 0o600 });
  const daemon = await startDaemon({ configPath, env: { ...process.env, ...opts.env }, logger: pino({ level: 'silent' }) });
  return {
    daemon,
    url: daemon.url,
    dir,
    configPath,
    async close() {
      await daemon.close(1000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A loopback port that was free a moment ago (for a daemon started as a child process). */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** The downstream API key childDaemonConfig writes (tests check it never shows). */
export const CHILD_DOWNSTREAM_KEY = 'sk-child-secret-0001';

export interface ChildDaemonConfig {
  dir: string;
  port: number;
  /** The config file's path. */
  config: string;
  cleanup(): void;
}

/**
 * The config of a daemon run as a child process (`bin/tresor.js run --config …`): a fresh temp
 * folder for it and its database, a free port, one OpenAI downstream at `mockUrl` serving
 * `model`, and `yaml` (top-level keys) added.
 */
export async function childDaemonConfig(o: { mockUrl: string; model: string; yaml?: string }): Promise<ChildDaemonConfig> {
  const dir = mkdtempSync(join(tmpdir(), 'tresor-child-'));
  const port = await freePort();
  const config = join(dir, 'tresor.yaml');
  writeFileSync(
    config,
    `bind_addr: 127.0.0.1:${port}\ndb_path: ${join(dir, 'tresor.db')}\n${o.yaml ?? ''}downstreams:\n  - { id: oa, api_formats: [openai], base_url: ${o.mockUrl}/v1, api_key: ${CHILD_DOWNSTREAM_KEY}, output_model_ids: [${o.model}] }\n`,
    { mode: 0o600 },
  );
  return { dir, port, config, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
