import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import OpenAI from 'openai';
import YAML from 'yaml';
import { startMockProvider, type MockProvider } from '../mocks/server.js';
import { startCliDaemon } from '../cli/helpers.js';

/**
 * The seed scenario end to end: an app written for OpenAI loops over requests through the
 * gateway; `tresor alias activate` switches every app to Anthropic on the very next request,
 * with no failed request, and a request already running finishes on the old provider.
 */

async function providers(): Promise<{ openai: MockProvider; anthropic: MockProvider }> {
  const openai = await startMockProvider((r) => ({ model: String(r.body.model), text: 'served by openai', chunks: 6 }), { chunkDelayMs: 40 });
  const anthropic = await startMockProvider((r) => ({ model: String(r.body.model), text: 'served by anthropic', chunks: 6 }), { chunkDelayMs: 40 });
  return { openai, anthropic };
}

function config(openaiUrl: string, anthropicUrl: string): string {
  return `# hot switch
bind_addr: "127.0.0.1:0"
db_path: DIR/tresor.db
log_level: error
downstreams:
  - id: openai
    api_formats: [openai]
    base_url: ${openaiUrl}/v1
    api_key: sk-mock-openai-key-000001
    output_model_ids: [gpt-4o]
  - id: anthropic
    api_formats: [anthropic]
    base_url: ${anthropicUrl}
    api_key: sk-ant-mock-key-000002
    output_model_ids: [claude-sonnet-4-20250514]
aliases:
  - input_model_id: gpt-4o
    options:
      - id: alias-gpt4o-openai
        downstream_id: openai
        output_model_id: gpt-4o
        is_active: true
      - id: alias-gpt4o-claude
        downstream_id: anthropic
        output_model_id: claude-sonnet-4-20250514
`;
}

test('an OpenAI SDK app in a request loop sees the provider change on the request after `tresor alias activate`, with no failed request', async () => {
  const { openai, anthropic } = await providers();
  const d = await startCliDaemon(config(openai.url, anthropic.url));
  try {
    const client = new OpenAI({ baseURL: `${d.daemon.url}/v1`, apiKey: 'sk-app-key', maxRetries: 0 });
    const ask = async (stream: boolean): Promise<string> => {
      if (!stream) {
        const r = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
        return r.choices[0].message.content ?? '';
      }
      const s = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], stream: true });
      let text = '';
      for await (const chunk of s) text += chunk.choices[0]?.delta?.content ?? '';
      return text;
    };

    const answers: { i: number; text: string }[] = [];
    const SWITCH_AT = 4;
    for (let i = 0; i < 10; i++) {
      answers.push({ i, text: await ask(i % 2 === 1) });
      if (i === SWITCH_AT) {
        const r = await d.run('alias', 'activate', 'alias-gpt4o-claude');
        assert.equal(r.code, 0, r.stderr);
      }
    }
    for (const a of answers) {
      assert.equal(a.text.trim(), a.i <= SWITCH_AT ? 'served by openai' : 'served by anthropic', `request ${a.i}`);
    }
    assert.equal(openai.requests.length, SWITCH_AT + 1);
    assert.equal(anthropic.requests.length, 10 - SWITCH_AT - 1);
    assert.ok(anthropic.requests.every((r) => r.body.model === 'claude-sonnet-4-20250514' && r.problems.length === 0));

    // Persisted: the file says so, exactly one option active.
    const onDisk = YAML.parse(readFileSync(d.configPath, 'utf8')) as { aliases: { options: { id: string; is_active?: boolean }[] }[] };
    assert.deepEqual(
      onDisk.aliases[0].options.map((o) => o.is_active),
      [undefined, true],
    );
  } finally {
    await d.close();
    await openai.close();
    await anthropic.close();
  }
});

test('a request already streaming when the switch happens finishes on the old provider', async () => {
  const { openai, anthropic } = await providers();
  const d = await startCliDaemon(config(openai.url, anthropic.url));
  try {
    const client = new OpenAI({ baseURL: `${d.daemon.url}/v1`, apiKey: 'sk-app-key', maxRetries: 0 });
    const stream = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], stream: true });
    let text = '';
    let switched = false;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      if (!switched && text.length > 0) {
        switched = true;
        const r = await d.run('alias', 'activate', 'alias-gpt4o-claude');
        assert.equal(r.code, 0, r.stderr);
      }
    }
    assert.ok(switched);
    assert.equal(text.trim(), 'served by openai', 'the running stream stayed on the old downstream');
    const next = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'again' }] });
    assert.equal(next.choices[0].message.content?.trim(), 'served by anthropic');

    // And it survives a restart: a new daemon on the same file serves from Anthropic.
    await d.daemon.close(200);
    const { startDaemon } = await import('../../src/app/daemon.js');
    const pino = (await import('pino')).default;
    const again = await startDaemon({ configPath: d.configPath, logger: pino({ level: 'silent' }) });
    try {
      const c2 = new OpenAI({ baseURL: `${again.url}/v1`, apiKey: 'sk-app-key', maxRetries: 0 });
      const r = await c2.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'after restart' }] });
      assert.equal(r.choices[0].message.content?.trim(), 'served by anthropic');
    } finally {
      await again.close(200);
    }
  } finally {
    await d.close();
    await openai.close();
    await anthropic.close();
  }
});
