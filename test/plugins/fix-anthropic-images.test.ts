/**
 * fix_anthropic_images: an image returned inside a tool result reaches the Anthropic
 * downstream at the top level of the user message, after the tool results (some
 * Anthropic-compatible providers ignore images inside tool_result). OpenAI Chat tool
 * messages cannot carry images, so the apps here are Anthropic (same format: the rule forces
 * the hub), Gemini (functionResponse parts) and Responses (function_call_output content).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { GoogleGenAI } from '@google/genai';
import { TINY_PNG } from '../conformance/scenarios.js';
import type { ReceivedRequest } from '../mocks/server.js';
import { alias, startRig, type Rig } from './rig.js';

type Block = { type: string; text?: string; content?: unknown; source?: { type: string; data?: string; media_type?: string }; tool_use_id?: string };
type Msg = { role: string; content: string | Block[] };

let rig: Rig;

before(async () => {
  rig = await startRig({
    aliases: [alias('fix-claude', 'anthropic'), alias('raw-claude', 'anthropic')],
    rules: [
      {
        id: 'images-out-of-tool-results',
        pattern_models: ['fix-claude'],
        match_downstream_format: ['anthropic'],
        pipeline_config: [{ plugin_id: 'fix_anthropic_images', config: { note: 'Images returned by the tools above:' } }],
      },
    ],
  });
  rig.mock.respond((r) => ({ model: String(r.body.model), text: 'A chart with one pixel.' }));
});
after(() => rig?.close());

function lastAnthropicRequest(before: number): ReceivedRequest {
  const sent = rig.mock.requests.slice(before).filter((r) => r.format === 'anthropic');
  assert.equal(sent.length, 1, 'one request reached the Anthropic mock');
  assert.deepEqual(sent[0].problems, [], 'the strict mock accepted it');
  return sent[0];
}

/** The last user message: tool results first (Anthropic's rule), then the moved image. */
function assertImageMoved(received: ReceivedRequest, toolUseId: string): void {
  const messages = received.body.messages as Msg[];
  const last = messages[messages.length - 1];
  assert.equal(last.role, 'user');
  assert.ok(Array.isArray(last.content));
  const blocks = last.content;
  const result = blocks.find((b) => b.type === 'tool_result');
  assert.ok(result, 'the tool result is still there');
  assert.equal(result.tool_use_id, toolUseId, 'paired with its call');
  assert.doesNotMatch(JSON.stringify(result.content ?? ''), /"image"/, 'no image inside the tool result');
  assert.match(JSON.stringify(result.content ?? ''), /chart rendered|image moved/, 'the tool result keeps its text (or says where the image went)');
  const image = blocks.find((b) => b.type === 'image');
  assert.ok(image, 'the image is a top-level block of the user message');
  assert.equal(image.source?.type, 'base64');
  assert.equal(image.source?.data, TINY_PNG);
  assert.equal(image.source?.media_type, 'image/png');
  assert.ok(blocks.indexOf(image) > blocks.indexOf(result), 'after the tool results (tool_result blocks must come first in a user message)');
  assert.ok(
    blocks.some((b) => b.type === 'text' && b.text === 'Images returned by the tools above:'),
    'the configured note precedes the images',
  );
}

test('anthropic app, same-format rule: the image leaves the tool_result', async () => {
  const client = new Anthropic({ apiKey: 'k', baseURL: rig.gw.url, maxRetries: 0 });
  const params = (model: string): Anthropic.MessageCreateParamsNonStreaming => ({
    model,
    max_tokens: 512,
    messages: [
      { role: 'user', content: 'Draw the chart and describe it.' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_chart_1', name: 'render_chart', input: { kind: 'bar' } }] },
      {
        role: 'user',
        content: [
          {
            type: 'tool_result',
            tool_use_id: 'toolu_chart_1',
            content: [
              { type: 'text', text: 'chart rendered' },
              { type: 'image', source: { type: 'base64', media_type: 'image/png', data: TINY_PNG } },
            ],
          },
        ],
      },
    ],
    tools: [{ name: 'render_chart', description: 'renders a chart', input_schema: { type: 'object', properties: { kind: { type: 'string' } } } }],
  });

  let before = rig.mock.requests.length;
  const r = await client.messages.create(params('fix-claude'));
  assert.equal(r.content[0].type === 'text' && r.content[0].text, 'A chart with one pixel.');
  assertImageMoved(lastAnthropicRequest(before), 'toolu_chart_1');

  // the same request without the rule passes through as it was sent
  before = rig.mock.requests.length;
  await client.messages.create(params('raw-claude'));
  const raw = lastAnthropicRequest(before).body.messages as Msg[];
  const content = raw[2].content as Block[];
  assert.equal(content.length, 1);
  assert.match(JSON.stringify(content[0].content), /"image"/, 'without the plugin the image stays in the tool result');
});

test('anthropic app streaming: an image-only tool result gets a placeholder text and the image moves', async () => {
  const client = new Anthropic({ apiKey: 'k', baseURL: rig.gw.url, maxRetries: 0 });
  const before = rig.mock.requests.length;
  const s = client.messages.stream({
    model: 'fix-claude',
    max_tokens: 512,
    messages: [
      { role: 'user', content: 'Screenshot please.' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_shot_1', name: 'screenshot', input: {} }] },
      {
        role: 'user',
        content: [
          {
            type: 'tool_result',
            tool_use_id: 'toolu_shot_1',
            content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: TINY_PNG } }],
          },
          { type: 'text', text: 'What do you see?' },
        ],
      },
    ],
    tools: [{ name: 'screenshot', description: 'takes a screenshot', input_schema: { type: 'object', properties: {} } }],
  });
  const final = await s.finalMessage();
  assert.equal(final.content[0].type === 'text' && final.content[0].text, 'A chart with one pixel.');
  const received = lastAnthropicRequest(before);
  assertImageMoved(received, 'toolu_shot_1');
  const messages = received.body.messages as Msg[];
  const blocks = messages[messages.length - 1].content as Block[];
  assert.ok(
    blocks.some((b) => b.type === 'text' && b.text === 'What do you see?'),
    "the user's own text is kept",
  );
});

test('gemini app: an image in functionResponse.parts reaches Anthropic at the top level', async () => {
  const ai = new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: rig.gw.url } });
  const before = rig.mock.requests.length;
  const r = await ai.models.generateContent({
    model: 'fix-claude',
    contents: [
      { role: 'user', parts: [{ text: 'Draw the chart and describe it.' }] },
      { role: 'model', parts: [{ functionCall: { name: 'render_chart', args: { kind: 'bar' } } }] },
      {
        role: 'user',
        parts: [
          {
            functionResponse: {
              name: 'render_chart',
              response: { output: 'chart rendered' },
              parts: [{ inlineData: { mimeType: 'image/png', data: TINY_PNG } }],
            },
          },
        ],
      },
    ],
    config: { tools: [{ functionDeclarations: [{ name: 'render_chart', description: 'renders a chart', parametersJsonSchema: { type: 'object' } }] }] },
  });
  assert.equal(r.text, 'A chart with one pixel.');
  const received = lastAnthropicRequest(before);
  const messages = received.body.messages as Msg[];
  const call = (messages[1].content as Block[] & { id?: string }[]).find((b) => b.type === 'tool_use') as { id: string } | undefined;
  assert.ok(call, 'the function call became a tool_use');
  assertImageMoved(received, call.id);
});

test('responses app: an image in function_call_output content reaches Anthropic at the top level', async () => {
  const client = new OpenAI({ apiKey: 'k', baseURL: `${rig.gw.url}/v1`, maxRetries: 0 });
  const before = rig.mock.requests.length;
  const r = await client.responses.create({
    model: 'fix-claude',
    input: [
      { role: 'user', content: 'Draw the chart and describe it.' },
      { type: 'function_call', call_id: 'call_chart_1', name: 'render_chart', arguments: '{"kind":"bar"}' },
      {
        type: 'function_call_output',
        call_id: 'call_chart_1',
        output: [
          { type: 'input_text', text: 'chart rendered' },
          { type: 'input_image', detail: 'auto', image_url: `data:image/png;base64,${TINY_PNG}` },
        ],
      },
    ],
    tools: [{ type: 'function', name: 'render_chart', description: 'renders a chart', parameters: { type: 'object', properties: {} }, strict: false }],
  });
  assert.equal(r.output_text, 'A chart with one pixel.');
  assertImageMoved(lastAnthropicRequest(before), 'call_chart_1');
});
