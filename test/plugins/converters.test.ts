/**
 * Converter plugins named by rules (SPEC §4.5): the seed scenario's rule naming the matching
 * converter applies it once; its model_map renames the outgoing model; converters for other
 * format pairs are ignored, also on same-format traffic, which keeps passing bytes through.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { FORMAT_IDS } from '../../src/ir/types.js';
import type { LogEntry } from '../../src/observe/types.js';
import { CLIENTS } from '../conformance/clients.js';
import { alias, rawCall, startRig, type Rig } from './rig.js';

let rig: Rig;
const entries: LogEntry[] = [];

before(async () => {
  rig = await startRig({
    aliases: [
      alias('seed-model', 'anthropic'),
      alias('mapped-by-client-name', 'anthropic'),
      alias('mapped-by-output-name', 'gemini'),
      alias('other-pair', 'anthropic'),
      alias('same-format', 'anthropic'),
      alias('twice', 'openai_responses'),
    ],
    rules: [
      // the seed scenario's rule, as written on its page
      {
        id: 'chat-anthropic',
        name: 'Chat Completions -> Anthropic',
        pattern_path: '/v1/chat/completions',
        match_format: ['openai'],
        match_downstream_format: ['anthropic'],
        match_downstreams: ['ds-anthropic'],
        pipeline_config: [{ plugin_id: 'openai2anthropic', is_enabled: true }],
      },
      {
        id: 'map-client-name',
        pattern_models: ['mapped-by-client-name'],
        pipeline_config: [{ plugin_id: 'openai2anthropic', config: { model_map: { 'mapped-by-client-name': 'claude-sonnet-4-20250514' } } }],
      },
      {
        id: 'map-output-name',
        pattern_models: ['mapped-by-output-name'],
        pipeline_config: [{ plugin_id: 'anthropic2gemini', config: { model_map: { 'up-gemini': 'gemini-2.5-pro' } } }],
      },
      {
        id: 'wrong-pairs',
        pattern_models: ['other-pair', 'same-format'],
        pipeline_config: [
          { plugin_id: 'gemini2responses', config: { model_map: { 'up-anthropic': 'must-not-be-used' } } },
          { plugin_id: 'anthropic2openai', config: { model_map: { 'up-anthropic': 'must-not-be-used' } } },
          { plugin_id: 'openai2anthropic', config: { model_map: { 'same-format': 'must-not-be-used' } }, is_enabled: false },
        ],
      },
      // two rules name the same converter: it still runs once, their model_maps combined
      // (the higher-priority rule, exact path + model, wins the clash on `twice`)
      {
        id: 'twice-b',
        pattern_path: '/v1/*',
        pattern_models: ['twice'],
        pipeline_config: [{ plugin_id: 'openai2responses', config: { model_map: { twice: 'gpt-5-second', 'gpt-4.1': 'unused' } } }],
      },
      {
        id: 'twice-a',
        pattern_path: '/v1/chat/completions',
        pattern_models: ['twice'],
        pipeline_config: [{ plugin_id: 'openai2responses', config: { model_map: { twice: 'gpt-5-first' } } }],
      },
    ],
  });
  const observer = rig.gw.daemon.ctx.observer;
  const finished = observer.finished.bind(observer);
  observer.finished = (entry, payloads) => {
    entries.push(structuredClone(entry));
    finished(entry, payloads);
  };
  rig.mock.respond((r) => ({ model: String(r.body.model ?? 'up'), text: 'Converted once, answered once.', usage: { input: 9, output: 5 } }));
});
after(() => rig?.close());

function lastEntry(model: string): LogEntry {
  const e = entries.filter((x) => x.model === model).at(-1);
  assert.ok(e, `a log entry for ${model}`);
  return e;
}

for (const stream of [false, true]) {
  test(`seed rule naming openai2anthropic: converted once, the app is answered (${stream ? 'stream' : 'non-stream'})`, async () => {
    const before = rig.mock.requests.length;
    const got = await CLIENTS.openai.run(rig.gw.url, 'k', { model: 'seed-model', system: 'Be kind.', turns: [{ role: 'user', text: 'Hello!' }] }, stream);
    assert.equal(got.text, 'Converted once, answered once.');
    const sent = rig.mock.requests.slice(before);
    assert.equal(sent.length, 1, 'one downstream call');
    assert.equal(sent[0].format, 'anthropic');
    assert.deepEqual(sent[0].problems, [], 'a valid Anthropic request (a second conversion would not be)');
    assert.equal(sent[0].body.model, 'up-anthropic');
    assert.equal(sent[0].body.system !== undefined, true, 'system prompt moved to Anthropic’s system field');
    const entry = lastEntry('seed-model');
    assert.deepEqual(entry.rules, ['chat-anthropic']);
    assert.deepEqual(entry.plugins, ['openai2anthropic'], 'the converter appears once in the pipeline');
  });
}

test('model_map keyed by the client’s model renames the outgoing model (combined with the seed rule naming the same converter); the app still sees its own name', async () => {
  for (const stream of [false, true]) {
    const before = rig.mock.requests.length;
    const client = new OpenAI({ apiKey: 'k', baseURL: `${rig.gw.url}/v1`, maxRetries: 0 });
    let model: string;
    if (stream) {
      const s = await client.chat.completions.create({ model: 'mapped-by-client-name', messages: [{ role: 'user', content: 'Hi' }], stream: true });
      model = '';
      for await (const chunk of s) model = chunk.model;
    } else {
      model = (await client.chat.completions.create({ model: 'mapped-by-client-name', messages: [{ role: 'user', content: 'Hi' }] })).model;
    }
    assert.equal(model, 'mapped-by-client-name');
    const sent = rig.mock.requests.slice(before).find((r) => r.format === 'anthropic');
    assert.equal(sent?.body.model, 'claude-sonnet-4-20250514');
    assert.equal(lastEntry('mapped-by-client-name').output_model, 'claude-sonnet-4-20250514', 'the log shows the model actually asked for');
  }
});

test('model_map keyed by the alias output model renames it too (anthropic app → gemini downstream, model in the URL)', async () => {
  const before = rig.mock.requests.length;
  const client = new Anthropic({ apiKey: 'k', baseURL: rig.gw.url, maxRetries: 0 });
  const r = await client.messages.create({ model: 'mapped-by-output-name', max_tokens: 50, messages: [{ role: 'user', content: 'Hi' }] });
  assert.equal(r.model, 'mapped-by-output-name');
  const sent = rig.mock.requests.slice(before).find((x) => x.format === 'gemini');
  assert.ok(sent);
  assert.match(sent.path, /\/models\/gemini-2\.5-pro:generateContent$/);
});

test('without a rule the converter still runs (auto-translation) and the model is not renamed', async () => {
  const before = rig.mock.requests.length;
  const got = await CLIENTS.gemini.run(rig.gw.url, 'k', { model: 'seed-model', turns: [{ role: 'user', text: 'Hi' }] }, false);
  assert.equal(got.text, 'Converted once, answered once.');
  const sent = rig.mock.requests.slice(before);
  assert.equal(sent.length, 1);
  assert.equal(sent[0].body.model, 'up-anthropic');
  assert.deepEqual(lastEntry('seed-model').plugins, ['gemini2anthropic']);
});

test('converters for another format pair are ignored', async () => {
  const before = rig.mock.requests.length;
  const got = await CLIENTS.openai.run(rig.gw.url, 'k', { model: 'other-pair', turns: [{ role: 'user', text: 'Hi' }] }, false);
  assert.equal(got.text, 'Converted once, answered once.');
  const sent = rig.mock.requests.slice(before);
  assert.equal(sent.length, 1);
  assert.deepEqual(sent[0].problems, []);
  assert.equal(sent[0].body.model, 'up-anthropic', 'no model_map of a converter that does not apply');
  assert.deepEqual(lastEntry('other-pair').plugins, ['openai2anthropic']);
});

test('same-format traffic with converter steps in its rule still passes the bytes through', async () => {
  const body = { model: 'same-format', max_tokens: 64, messages: [{ role: 'user', content: 'Hi' }], metadata: { user_id: 'u-1' } };
  const before = rig.mock.requests.length;
  const r = await rawCall(rig.gw.url, 'anthropic', '/v1/messages', body);
  assert.equal(r.status, 200, r.text);
  const sent = rig.mock.requests.slice(before);
  assert.equal(sent.length, 1);
  assert.deepEqual(sent[0].body, { ...body, model: 'up-anthropic' }, 'forwarded as sent, only the model swapped');
  assert.deepEqual(lastEntry('same-format').plugins, []);
});

test('two rules naming the same converter: it runs once; the higher-priority rule wins a model_map clash', async () => {
  const before = rig.mock.requests.length;
  const got = await CLIENTS.openai.run(rig.gw.url, 'k', { model: 'twice', turns: [{ role: 'user', text: 'Hi' }] }, true);
  assert.equal(got.text, 'Converted once, answered once.');
  const sent = rig.mock.requests.slice(before);
  assert.equal(sent.length, 1);
  assert.equal(sent[0].format, 'openai_responses');
  assert.deepEqual(sent[0].problems, []);
  assert.equal(sent[0].body.model, 'gpt-5-first');
  const entry = lastEntry('twice');
  assert.deepEqual(entry.rules, ['twice-a', 'twice-b']);
  assert.deepEqual(entry.plugins, ['openai2responses']);
});

test('every client format reaches every other downstream format with exactly one converter', async () => {
  for (const client of FORMAT_IDS) {
    for (const ds of FORMAT_IDS) {
      if (client === ds) continue;
      const name = `any-${client}-${ds}`;
      rig.mock.respond((r) => ({ model: String(r.body.model ?? 'up'), text: `ok ${name}` }));
      // routed by the downstream's own output model, so no alias or rule is involved
      const got = await CLIENTS[client].run(rig.gw.url, 'k', { model: `up-${ds}`, turns: [{ role: 'user', text: 'Hi' }] }, false);
      assert.equal(got.text, `ok ${name}`);
      const short = (f: string) => (f === 'openai_responses' ? 'responses' : f);
      assert.deepEqual(lastEntry(`up-${ds}`).plugins, [`${short(client)}2${short(ds)}`]);
    }
  }
  rig.mock.respond((r) => ({ model: String(r.body.model ?? 'up'), text: 'Converted once, answered once.', usage: { input: 9, output: 5 } }));
});
