/**
 * break_repeat: when the last three assistant turns are identical (text, or the same tool
 * call with fresh ids), the downstream receives a user reminder after the conversation;
 * two identical turns, or three different ones, go through unchanged. Every client format
 * × every downstream format.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FORMAT_IDS, type FormatId, type Request as IRRequest } from '../../src/ir/types.js';
import { formatModule } from '../../src/formats/registry.js';
import type { ReceivedRequest } from '../mocks/server.js';
import { CLIENTS, type Turn } from '../conformance/clients.js';
import { alias, startRig, type Rig } from './rig.js';

const REMINDER = 'You are repeating yourself. Try something else.';
const CUSTOM = 'Stop: two identical answers in a row.';
let rig: Rig;

before(async () => {
  rig = await startRig({
    aliases: FORMAT_IDS.flatMap((f) => [alias(`loop-${f}`, f), alias(`loop2-${f}`, f)]),
    rules: [
      {
        id: 'loop-breaker',
        pattern_models: FORMAT_IDS.map((f) => `loop-${f}`),
        pipeline_config: [{ plugin_id: 'break_repeat', config: { reminder: REMINDER } }],
      },
      {
        id: 'loop-breaker-2',
        pattern_models: FORMAT_IDS.map((f) => `loop2-${f}`),
        pipeline_config: [{ plugin_id: 'break_repeat', config: { reminder: CUSTOM, turns: 2 } }],
      },
    ],
  });
  rig.mock.respond((r) => ({ model: String(r.body.model ?? 'up'), text: 'Trying a different approach.' }));
});
after(() => rig?.close());

function textTurns(answers: string[]): Turn[] {
  const turns: Turn[] = [{ role: 'user', text: 'Fix the failing test.' }];
  for (const a of answers) turns.push({ role: 'assistant', text: a }, { role: 'user', text: 'It still fails.' });
  return turns;
}

/** The same tool call three times, each with its own id and result (an agent stuck in a loop). */
function toolLoop(times: number): Turn[] {
  const turns: Turn[] = [{ role: 'user', text: 'Run the tests until they pass.' }];
  for (let i = 1; i <= times; i++) {
    turns.push({ role: 'tool_call', id: `call_loop_${i}`, name: 'run_tests', args: { path: 'test/' } });
    turns.push({ role: 'tool_result', id: `call_loop_${i}`, name: 'run_tests', result: '1 failing' });
  }
  return turns;
}

const TOOLS = [{ name: 'run_tests', description: 'runs the tests', parameters: { type: 'object', properties: { path: { type: 'string' } } } }];

async function send(client: FormatId, model: string, turns: Turn[], ds: FormatId): Promise<IRRequest> {
  const before = rig.mock.requests.length;
  const got = await CLIENTS[client].run(rig.gw.url, 'k', { model, turns, tools: TOOLS }, false);
  assert.equal(got.text, 'Trying a different approach.');
  const sent: ReceivedRequest | undefined = rig.mock.requests.slice(before).find((r) => r.format === ds);
  assert.ok(sent, 'the downstream was called');
  assert.deepEqual(sent.problems, [], 'the strict mock accepted the request');
  const pathModel = ds === 'gemini' ? decodeURIComponent(sent.path.split('/models/')[1].split(':')[0]) : undefined;
  return formatModule(ds).decodeRequest(sent.body, { pathModel, pathStream: false });
}

function allText(ir: IRRequest): string {
  return ir.messages.flatMap((m) => m.parts.map((p) => (p.type === 'text' ? p.text : ''))).join('\n');
}

/** The text of the conversation's last user-side content (a user message after any tool results). */
function lastUserText(ir: IRRequest): string {
  const last = ir.messages[ir.messages.length - 1];
  assert.equal(last.role, 'user', 'the conversation ends with a user turn');
  return last.parts.map((p) => (p.type === 'text' ? p.text : '')).join('\n');
}

for (const client of FORMAT_IDS) {
  for (const ds of FORMAT_IDS) {
    describe(`${client} client → ${ds} downstream`, () => {
      test('three identical assistant answers → the reminder is added', async () => {
        const ir = await send(client, `loop-${ds}`, textTurns(['Run npm test.', 'Run npm test.', 'Run npm test.']), ds);
        assert.match(lastUserText(ir), /It still fails\./, "the user's own last words are kept");
        assert.match(lastUserText(ir), new RegExp(REMINDER.replace('.', '\\.')));
        assert.equal(allText(ir).split(REMINDER).length, 2, 'added once');
      });

      test('the same tool call three times (fresh ids) → the reminder follows the tool results', async () => {
        const ir = await send(client, `loop-${ds}`, toolLoop(3), ds);
        assert.match(lastUserText(ir), new RegExp(REMINDER.replace('.', '\\.')));
        const results = ir.messages.flatMap((m) => m.parts).filter((p) => p.type === 'tool_result');
        assert.equal(results.length, 3, 'every tool result is still there');
      });

      test('two identical answers → nothing added', async () => {
        const ir = await send(client, `loop-${ds}`, textTurns(['Something else first.', 'Run npm test.', 'Run npm test.']), ds);
        assert.doesNotMatch(allText(ir), /repeating yourself/);
        assert.equal(lastUserText(ir), 'It still fails.');
        const ir2 = await send(client, `loop-${ds}`, toolLoop(2), ds);
        assert.doesNotMatch(allText(ir2), /repeating yourself/);
      });

      test('config turns: 2 → two identical answers are enough', async () => {
        const ir = await send(client, `loop2-${ds}`, textTurns(['Something else first.', 'Run npm test.', 'Run npm test.']), ds);
        assert.match(lastUserText(ir), /Stop: two identical answers in a row\./);
      });
    });
  }
}
