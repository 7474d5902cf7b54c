import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { STARTER_CONFIG } from '../../src/config/load.js';
import { startCliDaemon } from './helpers.js';
import { SEED_COMMANDS } from './seed-commands.js';

const KEYS = { OPENAI_API_KEY: 'sk-proj-test-openai-0001', ANTHROPIC_API_KEY: 'sk-ant-test-anthropic-0002' };

test("the seed scenario is set up from the starter config with CLI commands alone, keeping the file's comments", async () => {
  const starter = STARTER_CONFIG.replace('bind_addr: "127.0.0.1:11510"', 'bind_addr: "127.0.0.1:0"').replace(
    'db_path: "~/.config/tresor/tresor.db"',
    'db_path: "DIR/tresor.db"',
  );
  const d = await startCliDaemon(starter, KEYS);
  try {
    for (const args of SEED_COMMANDS) {
      const r = await d.run(...args);
      assert.equal(r.code, 0, `tresor ${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr, '');
    }
    const cfg = d.daemon.ctx.config.current;
    assert.deepEqual(
      cfg.downstreams.map((x) => [x.id, x.api_formats, x.output_model_ids]),
      [
        ['openai', ['openai'], ['gpt-4o']],
        ['anthropic', ['anthropic'], ['claude-sonnet-4-20250514']],
      ],
    );
    assert.equal(cfg.downstreams[1].api_key, KEYS.ANTHROPIC_API_KEY);
    assert.equal(cfg.aliases[0].options.find((o) => o.is_active)?.id, 'alias-gpt4o-claude', 'the first option of a new group is active');
    assert.deepEqual(cfg.proxy_api_keys, ['sk-proxy-123']);

    const switchBack = await d.run('alias', 'activate', 'alias-gpt4o-openai');
    assert.equal(switchBack.code, 0);
    assert.equal(switchBack.stdout, 'gpt-4o -> openai / gpt-4o: option alias-gpt4o-openai active (was alias-gpt4o-claude)\n');

    const text = readFileSync(d.configPath, 'utf8');
    // Every comment line of the starter file is still there, in order.
    const comments = starter.split('\n').filter((l) => l.trimStart().startsWith('#'));
    const kept = text.split('\n').filter((l) => l.trimStart().startsWith('#'));
    assert.deepEqual(kept, comments);
    assert.match(text, / {4}api_key: \$\{ANTHROPIC_API_KEY\}\n/, 'keys stay references to the environment');
    assert.match(text, /# proxy_api_keys: \[sk-proxy-123\]\nproxy_api_keys: \[sk-proxy-123\]\n/, 'set right below its commented example');
    assert.ok(!text.includes(KEYS.OPENAI_API_KEY));
  } finally {
    await d.close();
  }
});
