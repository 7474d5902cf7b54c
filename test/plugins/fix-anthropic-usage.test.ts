/**
 * fix_anthropic_usage: an Anthropic-compatible downstream that omits usage (or reports
 * zeros) still gives apps of every format plausible, non-zero token counts (local
 * estimates), buffered and streamed; counts the provider did report are kept as they are.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FORMAT_IDS } from '../../src/ir/types.js';
import type { RenderedReply } from '../mocks/types.js';
import { CLIENTS } from '../conformance/clients.js';
import { alias, rawCall, startRig, type Rig } from './rig.js';

const ANSWER = 'The quick brown fox jumps over the lazy dog, twice, for good measure.';
const PROMPT = 'Tell me a sentence that uses every letter of the alphabet, then explain why it is useful.';

/** An Anthropic answer as some compatible providers send it: no usage at all, or zeros. */
function anthropicWithoutUsage(stream: boolean, usage?: Record<string, number>): RenderedReply {
  const message = {
    id: 'msg_nousage_1',
    type: 'message',
    role: 'assistant',
    model: 'up-anthropic',
    content: [] as unknown[],
    stop_reason: null,
    stop_sequence: null,
  };
  if (!stream) {
    const body = { ...message, content: [{ type: 'text', text: ANSWER }], stop_reason: 'end_turn', ...(usage ? { usage } : {}) };
    return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
  }
  const ev = (o: Record<string, unknown>) => `event: ${String(o.type)}\ndata: ${JSON.stringify(o)}\n\n`;
  const words = ANSWER.match(/\S+\s*/g)!;
  return {
    status: 200,
    headers: { 'content-type': 'text/event-stream' },
    body: [
      ev({ type: 'message_start', message: { ...message, ...(usage ? { usage } : {}) } }),
      ev({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
      ...words.map((w) => ev({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: w } })),
      ev({ type: 'content_block_stop', index: 0 }),
      ev({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, ...(usage ? { usage } : {}) }),
      ev({ type: 'message_stop' }),
    ],
  };
}

let rig: Rig;
before(async () => {
  rig = await startRig({
    aliases: [alias('usage-fixed', 'anthropic'), alias('usage-raw', 'anthropic')],
    rules: [{ id: 'fill-usage', pattern_models: ['usage-fixed'], pipeline_config: [{ plugin_id: 'fix_anthropic_usage' }] }],
  });
});
after(() => rig?.close());

for (const client of FORMAT_IDS) {
  for (const stream of [false, true]) {
    describe(`${client} client ← anthropic downstream (${stream ? 'stream' : 'non-stream'})`, () => {
      const input = (model: string) => ({ model, system: 'Be brief.', turns: [{ role: 'user' as const, text: PROMPT }] });

      for (const variant of ['omitted', 'zeros'] as const) {
        test(`usage ${variant} → estimated non-zero counts`, async () => {
          rig.mock.respond(() => ({ raw: anthropicWithoutUsage(stream, variant === 'zeros' ? { input_tokens: 0, output_tokens: 0 } : undefined) }));
          const got = await CLIENTS[client].run(rig.gw.url, 'k', input('usage-fixed'), stream);
          assert.equal(got.text, ANSWER);
          // o200k estimates: the prompt (system + user turn) is ~25 tokens, the answer ~16
          assert.ok(got.usage.input >= 15 && got.usage.input <= 60, `input estimate ${got.usage.input}`);
          assert.ok(got.usage.output >= 10 && got.usage.output <= 30, `output estimate ${got.usage.output}`);
        });
      }

      test('the same request twice gets the same estimate (no state carried between requests)', async () => {
        rig.mock.respond(() => ({ raw: anthropicWithoutUsage(stream) }));
        const a = await CLIENTS[client].run(rig.gw.url, 'k', input('usage-fixed'), stream);
        const b = await CLIENTS[client].run(rig.gw.url, 'k', input('usage-fixed'), stream);
        assert.deepEqual(b.usage, a.usage);
      });

      test('counts the provider reported are kept', async () => {
        rig.mock.respond((r) => ({ model: String(r.body.model), text: ANSWER, usage: { input: 321, output: 54 } }));
        const got = await CLIENTS[client].run(rig.gw.url, 'k', input('usage-fixed'), stream);
        assert.equal(got.usage.input, 321);
        assert.equal(got.usage.output, 54);
      });

      test('without the plugin the missing usage reads as zero (what the plugin fixes)', async () => {
        rig.mock.respond(() => ({ raw: anthropicWithoutUsage(stream) }));
        if (client === 'anthropic') {
          // passed through as the provider sent it, with no usage at all (which the Anthropic SDK cannot even read)
          const r = await rawCall(rig.gw.url, 'anthropic', '/v1/messages', {
            model: 'usage-raw',
            max_tokens: 100,
            messages: [{ role: 'user', content: PROMPT }],
            stream,
          });
          assert.equal(r.status, 200);
          assert.doesNotMatch(r.text, /"usage"/);
          return;
        }
        const got = await CLIENTS[client].run(rig.gw.url, 'k', input('usage-raw'), stream);
        assert.equal(got.text, ANSWER);
        assert.equal(got.usage.output, 0);
      });
    });
  }
}

test('concurrent streams each get their own estimate', async () => {
  rig.mock.respond((r) => {
    const long = JSON.stringify(r.body).includes('long one');
    const text = long ? `${ANSWER} ${ANSWER} ${ANSWER}` : 'Short.';
    const reply = anthropicWithoutUsage(true);
    const frames = (reply.body as string[]).filter((f) => !f.includes('text_delta'));
    frames.splice(
      2,
      0,
      `event: content_block_delta\ndata: ${JSON.stringify({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } })}\n\n`,
    );
    return { raw: { ...reply, body: frames } };
  });
  const run = (what: string) => CLIENTS.openai.run(rig.gw.url, 'k', { model: 'usage-fixed', turns: [{ role: 'user', text: `the ${what}` }] }, true);
  const [long, short] = await Promise.all([run('long one'), run('short one')]);
  assert.ok(long.usage.output > 30, `long answer estimate ${long.usage.output}`);
  assert.ok(short.usage.output < 5, `short answer estimate ${short.usage.output}`);
});

test('an anthropic app reading message_start sees the estimated prompt size there already', async () => {
  rig.mock.respond(() => ({ raw: anthropicWithoutUsage(true) }));
  const r = await rawCall(rig.gw.url, 'anthropic', '/v1/messages', {
    model: 'usage-fixed',
    max_tokens: 100,
    messages: [{ role: 'user', content: PROMPT }],
    stream: true,
  });
  assert.equal(r.status, 200);
  const start = r.text.split('\n\n').find((f) => f.startsWith('event: message_start'))!;
  const message = (JSON.parse(start.slice(start.indexOf('data: ') + 6)) as { message: { usage: { input_tokens: number } } }).message;
  assert.ok(message.usage.input_tokens >= 15, `message_start input_tokens ${message.usage.input_tokens}`);
});
