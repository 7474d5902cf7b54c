import assert from 'node:assert/strict';
import { test } from 'node:test';
import { answerOf, looksLikeSse, parseSse, pretty, reassemble } from '../../web/src/lib/sse.js';
import { curlFor, shellQuote } from '../../web/src/lib/curl.js';
import { fmtCompact, fmtMs, statusTone } from '../../web/src/lib/format.js';
import { fixtureChunks, fixtureManifest, frameStream } from '../helpers/fixtures.js';

test('parseSse splits events, joins multi-line data and drops comments', () => {
  const ev = parseSse(': ping\n\nevent: a\ndata: {"x":1}\n\ndata: line1\ndata: line2\r\n\r\n');
  assert.deepEqual(ev, [
    { event: 'a', data: '{"x":1}' },
    { event: undefined, data: 'line1\nline2' },
  ]);
});

test('looksLikeSse tells streams from JSON bodies', () => {
  assert.equal(looksLikeSse('data: {"a":1}\n\n'), true);
  assert.equal(looksLikeSse('event: message_start\ndata: {}\n\n'), true);
  assert.equal(looksLikeSse('{"data": "x"}'), false);
});

test('reassemble: OpenAI chat chunks with text and tool-call fragments', () => {
  const raw =
    'data: {"choices":[{"index":0,"delta":{"content":"Hel"}}]}\n\n' +
    'data: {"choices":[{"index":0,"delta":{"content":"lo"}}]}\n\n' +
    'data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","function":{"name":"get","arguments":"{\\"a\\""}}]}}]}\n\n' +
    'data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":":1}"}}]},"finish_reason":"tool_calls"}]}\n\n' +
    'data: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2}}\n\ndata: [DONE]\n\n';
  const r = reassemble(raw);
  assert.equal(r.text, 'Hello');
  assert.deepEqual(r.toolCalls, [{ id: 'call_1', name: 'get', arguments: '{"a":1}' }]);
  assert.equal(r.finish, 'tool_calls');
  assert.deepEqual(r.usage, { prompt_tokens: 3, completion_tokens: 2 });
});

test('reassemble: Anthropic events with thinking, text and a tool call', () => {
  const ev = (o: object) => `event: ${(o as { type: string }).type}\ndata: ${JSON.stringify(o)}\n\n`;
  const raw = [
    { type: 'message_start', message: { usage: { input_tokens: 5 } } },
    { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'hmm' } },
    { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'Hi ' } },
    { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'there' } },
    { type: 'content_block_start', index: 2, content_block: { type: 'tool_use', id: 'toolu_1', name: 'f' } },
    { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{"q":' } },
    { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '2}' } },
    { type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 7 } },
  ]
    .map(ev)
    .join('');
  const r = reassemble(raw);
  assert.equal(r.reasoning, 'hmm');
  assert.equal(r.text, 'Hi there');
  assert.deepEqual(r.toolCalls, [{ id: 'toolu_1', name: 'f', arguments: '{"q":2}' }]);
  assert.equal(r.finish, 'tool_use');
  assert.deepEqual(r.usage, { input_tokens: 5, output_tokens: 7 });
});

test('reassemble: Responses and Gemini events, and a captured list of events', () => {
  const resp = [
    { type: 'response.output_text.delta', delta: 'A' },
    { type: 'response.output_text.delta', delta: 'B' },
    { type: 'response.completed', response: { usage: { input_tokens: 1 } } },
  ];
  assert.equal(reassemble(resp).text, 'AB');
  assert.equal(reassemble(resp.map((e) => JSON.stringify(e))).finish, 'completed');
  const gem =
    'data: {"candidates":[{"content":{"parts":[{"text":"think","thought":true},{"text":"Yo"}]}}]}\r\n\r\ndata: {"candidates":[{"content":{"parts":[{"text":"!"}]},"finishReason":"STOP"}]}\r\n\r\n';
  const g = reassemble(gem);
  assert.equal(g.text, 'Yo!');
  assert.equal(g.reasoning, 'think');
  assert.equal(g.finish, 'STOP');
});

test('reassemble: a mid-stream error event is reported', () => {
  assert.equal(reassemble('event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n').error, 'Overloaded');
  assert.equal(reassemble('data: {"error":{"message":"boom","type":"server_error"}}\n\n').error, 'boom');
});

test('reassemble recovers text from every recorded streaming fixture', () => {
  const streams = fixtureManifest().filter((f) => f.streaming && f.http_responses === 1);
  assert.ok(streams.length > 0, 'the fixture manifest lists streaming recordings');
  let withText = 0;
  for (const f of streams) {
    const r = reassemble(frameStream(f.format, fixtureChunks(f.file)));
    assert.ok(r.events > 0, `${f.file}: events parsed`);
    if (r.text || r.toolCalls.length || r.reasoning) withText++;
  }
  assert.ok(withText >= streams.length * 0.8, `content recovered from ${withText} of ${streams.length} recordings`);
});

test('answerOf reads the answer of a buffered response in each format', () => {
  assert.equal(answerOf({ choices: [{ message: { content: 'oa' }, finish_reason: 'stop' }] }).text, 'oa');
  assert.equal(answerOf({ content: [{ type: 'text', text: 'an' }], stop_reason: 'end_turn' }).text, 'an');
  assert.equal(answerOf({ output: [{ type: 'message', content: [{ type: 'output_text', text: 're' }] }], status: 'completed' }).text, 're');
  assert.equal(answerOf({ candidates: [{ content: { parts: [{ text: 'ge' }] }, finishReason: 'STOP' }] }).text, 'ge');
  assert.equal(answerOf({ error: { message: 'nope' } }).error, 'nope');
});

test('pretty indents JSON text and leaves other text alone', () => {
  assert.equal(pretty('{"a":1}'), '{\n  "a": 1\n}');
  assert.equal(pretty('not json'), 'not json');
});

test('curlFor quotes for the shell and never carries a key', () => {
  assert.equal(shellQuote(`it's`), `'it'\\''s'`);
  const c = curlFor({
    url: 'http://127.0.0.1:1/v1/chat/completions',
    headers: { authorization: 'Bearer sk-…abcd', host: 'x', 'content-type': 'application/json', 'x-custom': "a'b" },
    body: `{"q":"it's"}`,
  });
  assert.match(c, /^curl -X POST 'http:\/\/127\.0\.0\.1:1\/v1\/chat\/completions'/);
  assert.match(c, /"authorization: Bearer \$TRESOR_API_KEY"/);
  assert.doesNotMatch(c, /sk-/);
  assert.doesNotMatch(c, /host:/);
  assert.match(c, /-H 'x-custom: a'\\''b'/);
  assert.match(c, /--data-raw '\{"q":"it'\\''s"\}'$/);
});

test('formatting helpers', () => {
  assert.equal(statusTone(200), 'ok');
  assert.equal(statusTone(429), 'warn');
  assert.equal(statusTone(502), 'err');
  assert.equal(fmtCompact(1234), '1.2k');
  assert.equal(fmtCompact(2_500_000), '2.5M');
  assert.equal(fmtMs(250), '250 ms');
  assert.equal(fmtMs(1500), '1.50 s');
});
