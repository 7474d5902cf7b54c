import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { ConfigConflictError, ConfigInvalidError, ConfigManager, ConfigWriteError } from '../../src/config/manager.js';
import { writeFileAtomic } from '../../src/config/atomic.js';
import { RICH_CONFIG, RICH_ENV, edited } from './rich-config.js';

function tempFile(text: string): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tresor-cfg-'));
  const file = join(dir, 'config.yaml');
  writeFileSync(file, text);
  return { dir, file };
}

function logSink(): { logger: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(c: Buffer, _e, done) {
      for (const l of c.toString().split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), lines };
}

async function waitFor(check: () => boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return check();
}

const env = { ...RICH_ENV };

test('mutate writes the change to the file (mode 0600) before resolving, and applies it', async () => {
  const { dir, file } = tempFile(RICH_CONFIG);
  const m = new ConfigManager(file, env);
  let seen = '';
  m.onChange((next) => (seen = next.log_level));
  await m.mutate((d) => {
    d.log_level = 'debug';
  });
  assert.equal(m.current.log_level, 'debug');
  assert.equal(seen, 'debug');
  assert.equal(readFileSync(file, 'utf8'), edited(RICH_CONFIG, ['log_level:   info  ', 'log_level:   debug  ']));
  assert.equal(statSync(file).mode & 0o777, 0o600);
  m.close();
  rmSync(dir, { recursive: true });
});

test('${ENV} references: the draft holds the reference, the running config its value', async () => {
  const { dir, file } = tempFile(RICH_CONFIG);
  const m = new ConfigManager(file, env);
  const ref = await m.mutate((d) => (d.downstreams as { api_key?: string }[])[0].api_key);
  assert.equal(ref, '${OPENAI_API_KEY}');
  assert.equal(m.current.downstreams[0].api_key, 'sk-openai-from-env-abcd');
  m.close();
  rmSync(dir, { recursive: true });
});

test('concurrent mutations are serialized and none is lost', async () => {
  const { dir, file } = tempFile(RICH_CONFIG);
  const m = new ConfigManager(file, env);
  await Promise.all(
    Array.from({ length: 40 }, (_, i) =>
      m.mutate((d) => {
        const ds = (d.downstreams as { output_model_ids: string[] }[])[0];
        ds.output_model_ids = [...ds.output_model_ids, `model-${i}`];
      }),
    ),
  );
  const onDisk = new ConfigManager(file, env);
  const ids = onDisk.current.downstreams[0].output_model_ids;
  for (let i = 0; i < 40; i++) assert.ok(ids.includes(`model-${i}`), `model-${i} kept`);
  assert.equal(ids.length, 42);
  m.close();
  onDisk.close();
  rmSync(dir, { recursive: true });
});

test('an invalid result is refused with the key path; file and running config unchanged', async () => {
  const { dir, file } = tempFile(RICH_CONFIG);
  const m = new ConfigManager(file, env);
  await assert.rejects(
    m.mutate((d) => {
      (d.downstreams as { base_url: string }[])[1].base_url = 'ftp://nope';
    }),
    (e: unknown) => e instanceof ConfigInvalidError && e.issues[0].path === 'downstreams[1].base_url',
  );
  assert.equal(readFileSync(file, 'utf8'), RICH_CONFIG);
  assert.equal(m.current.downstreams[1].base_url, 'https://api.anthropic.com');
  m.close();
  rmSync(dir, { recursive: true });
});

test('an unset ${VAR} in a change is refused naming the variable', async () => {
  const { dir, file } = tempFile(RICH_CONFIG);
  const m = new ConfigManager(file, env);
  await assert.rejects(
    m.mutate((d) => {
      (d.downstreams as { api_key: string }[])[1].api_key = '${NOT_SET_ANYWHERE}';
    }),
    (e: unknown) => e instanceof ConfigInvalidError && /NOT_SET_ANYWHERE/.test(e.message),
  );
  m.close();
  rmSync(dir, { recursive: true });
});

test('a file that cannot be written: clear error, file and running config unchanged', async () => {
  const { dir, file } = tempFile(RICH_CONFIG);
  const m = new ConfigManager(file, env, {
    writeFile: () => {
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    },
  });
  await assert.rejects(
    m.mutate((d) => {
      d.log_level = 'error';
    }),
    (e: unknown) => e instanceof ConfigWriteError && e.code === 'ENOSPC' && /no space left/.test(e.message) && /nothing was changed/.test(e.message),
  );
  assert.equal(m.current.log_level, 'info');
  assert.equal(readFileSync(file, 'utf8'), RICH_CONFIG);
  m.close();
  rmSync(dir, { recursive: true });
});

test(
  'a read-only folder (real permissions) gives a write error and leaves the file',
  { skip: process.getuid?.() === 0 ? 'root ignores file permissions' : false },
  async () => {
    const { dir, file } = tempFile(RICH_CONFIG);
    const m = new ConfigManager(file, env);
    const { chmodSync } = await import('node:fs');
    chmodSync(dir, 0o500);
    try {
      await assert.rejects(
        m.mutate((d) => {
          d.log_level = 'error';
        }),
        (e: unknown) => e instanceof ConfigWriteError,
      );
      assert.equal(m.current.log_level, 'info');
      assert.equal(readFileSync(file, 'utf8'), RICH_CONFIG);
    } finally {
      chmodSync(dir, 0o700);
      m.close();
      rmSync(dir, { recursive: true });
    }
  },
);

test('writes are refused with a conflict while the file on disk is invalid; never written over', async () => {
  const { dir, file } = tempFile(RICH_CONFIG);
  const m = new ConfigManager(file, env);
  const broken = RICH_CONFIG.replace('log_level:   info', 'log_level:   loud');
  writeFileSync(file, broken);
  await assert.rejects(
    m.mutate((d) => {
      d.capture_payloads = true;
    }),
    (e: unknown) => e instanceof ConfigConflictError && e.problems.some((p) => p.startsWith('log_level:')),
  );
  assert.equal(readFileSync(file, 'utf8'), broken);
  assert.equal(m.current.log_level, 'info');
  m.close();
  rmSync(dir, { recursive: true });
});

test('a valid hand edit not yet seen is taken in before a write, so it is not lost', async () => {
  const { dir, file } = tempFile(RICH_CONFIG);
  const m = new ConfigManager(file, env);
  writeFileSync(file, RICH_CONFIG.replace('capture_payloads: false', 'capture_payloads: true'));
  await m.mutate((d) => {
    d.log_level = 'warn';
  });
  assert.equal(m.current.capture_payloads, true);
  assert.equal(m.current.log_level, 'warn');
  assert.equal(
    readFileSync(file, 'utf8'),
    edited(RICH_CONFIG, ['capture_payloads: false', 'capture_payloads: true'], ['log_level:   info  ', 'log_level:   warn  ']),
  );
  m.close();
  rmSync(dir, { recursive: true });
});

test('live reload: a valid hand edit applies within a second, an invalid one is logged by key path and ignored', async () => {
  const { dir, file } = tempFile(RICH_CONFIG);
  const m = new ConfigManager(file, env);
  const { logger, lines } = logSink();
  m.watch(logger);
  try {
    const t0 = Date.now();
    // As an editor would: write a temp file and rename it over the original.
    writeFileAtomic(file, RICH_CONFIG.replace('log_level:   info', 'log_level:   debug'));
    assert.ok(await waitFor(() => m.current.log_level === 'debug', 1000), 'applied within 1 s');
    assert.ok(Date.now() - t0 < 1000);

    writeFileSync(file, RICH_CONFIG.replace('base_url: https://api.anthropic.com', 'base_url: not-a-url'));
    assert.ok(await waitFor(() => lines.some((l) => l.level === 50), 1000), 'the rejection is logged');
    const err = lines.find((l) => l.level === 50)!;
    assert.match(String(err.msg), /downstreams\[1\]\.base_url/);
    assert.equal(m.current.log_level, 'debug', 'the last good config keeps serving');
    assert.equal(m.current.downstreams[1].base_url, 'https://api.anthropic.com');

    writeFileSync(file, RICH_CONFIG);
    assert.ok(await waitFor(() => m.current.log_level === 'info', 1000), 'a fixed file applies again');
  } finally {
    m.close();
    rmSync(dir, { recursive: true });
  }
});

test("the daemon's own write-backs do not trigger a reload", async () => {
  const { dir, file } = tempFile(RICH_CONFIG);
  const m = new ConfigManager(file, env);
  const { logger, lines } = logSink();
  m.watch(logger, 20);
  let changes = 0;
  m.onChange(() => changes++);
  try {
    for (let i = 0; i < 5; i++) {
      await m.mutate((d) => {
        d.log_level = i % 2 ? 'info' : 'warn';
      });
    }
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(changes, 5, 'one change event per write, none from the watcher');
    assert.equal(lines.filter((l) => String(l.msg).includes('reloaded')).length, 0);
  } finally {
    m.close();
    rmSync(dir, { recursive: true });
  }
});

test('reload() reports whether something new was applied', async () => {
  const { dir, file } = tempFile(RICH_CONFIG);
  const m = new ConfigManager(file, env);
  assert.equal(await m.reload(), false);
  const tmp = join(dir, 'x.yaml');
  writeFileSync(tmp, RICH_CONFIG.replace('capture_payloads: false', 'capture_payloads: true'));
  renameSync(tmp, file);
  assert.equal(await m.reload(), true);
  assert.equal(m.current.capture_payloads, true);
  m.close();
  rmSync(dir, { recursive: true });
});

test('a file the splice cannot handle (anchors) is re-rendered with a warning, values exact and comments kept', async () => {
  const file = '# anchors\nbind_addr: "127.0.0.1:0"\ncors_origins: &o [https://a.example]\nproxy_api_keys: *o\n';
  const { dir, file: path } = tempFile(file);
  const m = new ConfigManager(path, env);
  const { logger, lines } = logSink();
  m.watch(logger);
  try {
    await m.mutate((d) => {
      d.cors_origins = ['https://b.example'];
    });
    assert.deepEqual(m.current.cors_origins, ['https://b.example']);
    assert.deepEqual(m.current.proxy_api_keys, ['https://a.example'], 'the alias kept its own value');
    const written = readFileSync(path, 'utf8');
    assert.ok(written.startsWith('# anchors\n'));
    assert.ok(lines.some((l) => l.level === 40 && /re-rendered/.test(String(l.msg))));
  } finally {
    m.close();
    rmSync(dir, { recursive: true });
  }
});
