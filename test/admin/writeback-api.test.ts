import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { startAdmin, eventually } from './helpers.js';
import { ConfigManager } from '../../src/config/manager.js';
import { RICH_CONFIG, RICH_ENV, edited } from '../config/rich-config.js';

const env = { ...process.env, ...RICH_ENV };

test('after a sequence of API changes the file differs from the original only where the changes are, and reloads to the same state', async () => {
  const h = await startAdmin(RICH_CONFIG, { env });
  try {
    const steps: [string, string, unknown?][] = [
      ['PUT', '/api/aliases/alias-gpt4o-claude/activate'],
      ['POST', '/api/downstreams/openai/models', { model_id: 'gpt-4.1' }],
      ['PUT', '/api/rules/chat-anthropic', { is_enabled: false }],
      ['PUT', '/api/config', { log_level: 'warn' }],
      ['PUT', '/api/downstreams/anthropic', { name: 'Claude', api_key: 'sk-…1234' }],
      ['POST', '/api/aliases', { id: 'mini-openai', input_model_id: 'gpt-4o-mini', downstream_id: 'openai', output_model_id: 'gpt-4o-mini' }],
      ['POST', '/api/downstreams/anthropic/models', { model_id: 'claude-opus-4' }],
    ];
    for (const [method, path, body] of steps) {
      const r = await h.api(method, path, body);
      assert.ok(r.status === 200 || r.status === 201, `${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    }
    const expected = edited(
      RICH_CONFIG,
      ['log_level:   info  ', 'log_level:   warn  '],
      ["      - 'gpt-4o-mini'\n", "      - 'gpt-4o-mini'\n      - gpt-4.1\n"],
      ["    name: 'Anthropic'\n", "    name: 'Claude'\n"],
      ['output_model_ids: [claude-sonnet-4-20250514]\n', 'output_model_ids: [claude-sonnet-4-20250514, claude-opus-4]\n'],
      ['    is_enabled: true\n', '    is_enabled: false\n'],
      ['        output_model_id: gpt-4o\n        is_active: true\n', '        output_model_id: gpt-4o\n'],
      ['        output_model_id: claude-sonnet-4-20250514\n\n', '        output_model_id: claude-sonnet-4-20250514\n        is_active: true\n\n'],
      [
        '{id: alias-claude-any, downstream_id: anthropic, output_model_id: claude-sonnet-4-20250514}\n',
        [
          '{id: alias-claude-any, downstream_id: anthropic, output_model_id: claude-sonnet-4-20250514}',
          '',
          '  - input_model_id: gpt-4o-mini',
          '    options:',
          '      - id: mini-openai',
          '        downstream_id: openai',
          '        output_model_id: gpt-4o-mini',
          '        is_active: true',
          '',
        ].join('\n'),
      ],
    );
    const text = readFileSync(h.configPath, 'utf8');
    assert.equal(text, expected);
    assert.equal(statSync(h.configPath).mode & 0o777, 0o600);

    // The file alone gives back the running state.
    const fresh = new ConfigManager(h.configPath, env);
    assert.deepEqual(fresh.current, h.ctx.config.current);
    fresh.close();
    const shown = {
      downstreams: (await h.api('GET', '/api/downstreams')).body,
      aliases: (await h.api('GET', '/api/aliases')).body,
      rules: (await h.api('GET', '/api/rules')).body,
      config: (await h.api('GET', '/api/config')).body,
    };
    assert.equal(shown.aliases[0].active_id, 'alias-gpt4o-claude');
    assert.equal(shown.downstreams[0].api_key, '${OPENAI_API_KEY}');
    const again = await startAdmin(text, { env });
    try {
      assert.deepEqual((await again.api('GET', '/api/downstreams')).body, shown.downstreams);
      assert.deepEqual((await again.api('GET', '/api/aliases')).body, shown.aliases);
      assert.deepEqual((await again.api('GET', '/api/rules')).body, shown.rules);
      const { config_path: _a, ...c1 } = shown.config;
      const { config_path: _b, ...c2 } = (await again.api('GET', '/api/config')).body;
      assert.deepEqual(c2, c1);
    } finally {
      await again.close();
    }
  } finally {
    await h.close();
  }
});

test('concurrent API changes are serialized: none is lost', async () => {
  const h = await startAdmin(RICH_CONFIG, { env });
  try {
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => h.api('POST', '/api/downstreams/openai/models', { model_id: `m-${i}` })));
    assert.ok(results.every((r) => r.status === 201));
    const fresh = new ConfigManager(h.configPath, env);
    const ids = fresh.current.downstreams[0].output_model_ids;
    fresh.close();
    for (let i = 0; i < 30; i++) assert.ok(ids.includes(`m-${i}`));
  } finally {
    await h.close();
  }
});

test('while the file on disk is invalid, API writes get 409 naming the problem and the hand edit is not written over', async () => {
  const h = await startAdmin(RICH_CONFIG, { env });
  try {
    const broken = RICH_CONFIG.replace('base_url: https://api.anthropic.com', 'base_url: 42');
    writeFileSync(h.configPath, broken);
    const r = await h.api('PUT', '/api/aliases/alias-gpt4o-claude/activate');
    assert.equal(r.status, 409);
    assert.match(r.body.error, /downstreams\[1\]\.base_url/);
    assert.ok(Array.isArray(r.body.problems));
    assert.equal(readFileSync(h.configPath, 'utf8'), broken);
    assert.equal(h.ctx.config.current.aliases[0].options.find((o) => o.is_active)?.id, 'alias-gpt4o-openai');
    writeFileSync(h.configPath, RICH_CONFIG);
    assert.equal((await h.api('PUT', '/api/aliases/alias-gpt4o-claude/activate')).status, 200);
  } finally {
    await h.close();
  }
});

test('a file that cannot be written gives the caller a clear 500; file and running config unchanged', async () => {
  const h = await startAdmin(RICH_CONFIG, {
    env,
    writeFile: () => {
      throw Object.assign(new Error('EROFS: read-only file system, open'), { code: 'EROFS' });
    },
  });
  try {
    const r = await h.api('PUT', '/api/aliases/alias-gpt4o-claude/activate');
    assert.equal(r.status, 500);
    assert.match(r.body.error, /cannot write the config file .*read-only file system.*nothing was changed/);
    assert.equal(r.body.code, 'EROFS');
    assert.equal(readFileSync(h.configPath, 'utf8'), RICH_CONFIG);
    assert.equal((await h.api('GET', '/api/aliases')).body[0].active_id, 'alias-gpt4o-openai');
  } finally {
    await h.close();
  }
});

test('live reload through the API: a hand edit shows within a second; an invalid one is logged and the API keeps the old state', async () => {
  const h = await startAdmin(RICH_CONFIG, { env, watch: true });
  try {
    writeFileSync(h.configPath, RICH_CONFIG.replace("name: 'Anthropic'", "name: 'Anthropic (edited)'"));
    assert.ok(await eventually(async () => (await h.api('GET', '/api/downstreams/anthropic')).body.name === 'Anthropic (edited)', 1000), 'applied within 1 s');
    writeFileSync(h.configPath, RICH_CONFIG.replace('      - id: alias-gpt4o-openai', '      - id: alias gpt4o openai'));
    assert.ok(await eventually(() => h.logs.some((l) => l.level === 50), 1000));
    assert.match(String(h.logs.find((l) => l.level === 50)?.msg), /aliases\[0\]\.options\[0\]\.id/);
    assert.equal((await h.api('GET', '/api/downstreams/anthropic')).body.name, 'Anthropic (edited)');
  } finally {
    await h.close();
  }
});
