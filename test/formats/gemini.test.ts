import { test } from 'node:test';
import assert from 'node:assert/strict';
import { geminiFormat, DUMMY_THOUGHT_SIGNATURE, toThinkingConfig } from '../../src/formats/gemini/index.js';
import { ReasoningStore } from '../../src/ir/reasoning-store.js';
import { GatewayError } from '../../src/util/errors.js';
import type { Request, Response } from '../../src/ir/types.js';

const store = () => new ReasoningStore();
const upstreamCtx = (model = 'gemini-2.5-flash', reasoningStore = store()) => ({
  model,
  autoCache: false,
  anthropicVersion: '2023-06-01',
  reasoningStore,
});

function baseRequest(over: Partial<Request> = {}): Request {
  return {
    model: 'gemini-2.5-flash',
    system: [],
    messages: [{ role: 'user', parts: [{ type: 'text', text: 'hi' }] }],
    stream: false,
    sourceFormat: 'openai',
    ...over,
  };
}

function asRecord(v: unknown): Record<string, unknown> {
  assert.ok(typeof v === 'object' && v !== null && !Array.isArray(v));
  return v as Record<string, unknown>;
}

// ---------------------------------------------------------------- client request decode

test('decodeRequest: model and stream from the URL, system, roles, sampling', () => {
  const req = geminiFormat.decodeRequest(
    {
      systemInstruction: { parts: [{ text: 'Be terse.' }, { text: 'Use metric.' }] },
      contents: [{ parts: [{ text: 'Hello' }] }, { role: 'model', parts: [{ text: 'Hi!' }] }, { role: 'user', parts: [{ text: 'Weather?' }] }],
      generationConfig: {
        temperature: 0.3,
        topP: 0.9,
        topK: 40,
        maxOutputTokens: 512,
        stopSequences: ['END'],
        candidateCount: 2,
        seed: 7,
        presencePenalty: 0.1,
        frequencyPenalty: 0.2,
        responseModalities: ['TEXT'],
      },
      safetySettings: [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }],
      cachedContent: 'cachedContents/abc',
    },
    { pathModel: 'gemini-2.5-pro', pathStream: true },
  );
  assert.equal(req.model, 'gemini-2.5-pro');
  assert.equal(req.stream, true);
  assert.equal(req.sourceFormat, 'gemini');
  assert.deepEqual(req.system, [{ text: 'Be terse.' }, { text: 'Use metric.' }]);
  assert.deepEqual(
    req.messages.map((m) => m.role),
    ['user', 'assistant', 'user'],
  );
  assert.equal(req.temperature, 0.3);
  assert.equal(req.topP, 0.9);
  assert.equal(req.topK, 40);
  assert.equal(req.maxTokens, 512);
  assert.deepEqual(req.stop, ['END']);
  assert.equal(req.n, 2);
  assert.equal(req.seed, 7);
  assert.equal(req.presencePenalty, 0.1);
  assert.equal(req.frequencyPenalty, 0.2);
  assert.deepEqual(req.extras, {
    generationConfig: { responseModalities: ['TEXT'] },
    safetySettings: [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }],
    cachedContent: 'cachedContents/abc',
  });
});

test('decodeRequest: snake_case field names (REST samples) and a string systemInstruction', () => {
  const req = geminiFormat.decodeRequest(
    {
      system_instruction: 'You are a cat.',
      contents: [{ role: 'user', parts: [{ inline_data: { mime_type: 'image/png', data: 'iVBORw0KGgo=' } }, { text: 'What is it?' }] }],
      generation_config: { max_output_tokens: 100, thinking_config: { thinking_budget: 1024, include_thoughts: true } },
      tools: [{ function_declarations: [{ name: 'f', parameters: { type: 'OBJECT', properties: { a: { type: 'STRING' } } } }] }],
      tool_config: { function_calling_config: { mode: 'ANY', allowed_function_names: ['f'] } },
    },
    { pathModel: 'models/gemini-2.5-flash' },
  );
  assert.equal(req.model, 'gemini-2.5-flash');
  assert.equal(req.stream, false);
  assert.deepEqual(req.system, [{ text: 'You are a cat.' }]);
  assert.deepEqual(req.messages[0].parts[0], { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'iVBORw0KGgo=' } });
  assert.equal(req.maxTokens, 100);
  assert.deepEqual(req.reasoning, { enabled: true, budgetTokens: 1024, summary: 'auto' });
  assert.deepEqual(req.toolChoice, { type: 'tool', name: 'f' });
  assert.deepEqual(req.tools, [{ type: 'function', name: 'f', parameters: { type: 'object', properties: { a: { type: 'string' } } } }]);
  assert.equal(req.extras, undefined);
});

test('decodeRequest: thoughts, signatures, function calls and responses with stable paired ids', () => {
  const body = {
    contents: [
      { role: 'user', parts: [{ text: 'Weather in Paris and Rome, then London?' }] },
      {
        role: 'model',
        parts: [
          { text: 'Let me think.', thought: true },
          { functionCall: { name: 'weather', args: { city: 'Paris' } }, thoughtSignature: 'c2lnMQ==' },
          { functionCall: { name: 'weather', args: { city: 'Rome' } } },
        ],
      },
      {
        role: 'user',
        parts: [
          { functionResponse: { name: 'weather', response: { output: { temp: 21 } } } },
          { functionResponse: { name: 'weather', response: { error: 'station offline' } } },
          { text: 'And London?' },
        ],
      },
      { role: 'model', parts: [{ functionCall: { name: 'weather', args: { city: 'London' }, id: 'own-id-1' } }] },
      { role: 'user', parts: [{ functionResponse: { name: 'weather', response: { temp: 12 }, id: 'own-id-1' } }] },
      { role: 'model', parts: [{ text: 'Done.', thoughtSignature: 'c2lnMg==' }] },
    ],
  };
  const a = geminiFormat.decodeRequest(body, { pathModel: 'gemini-3-pro-preview' });
  const b = geminiFormat.decodeRequest(structuredClone(body), { pathModel: 'gemini-3-pro-preview' });
  assert.deepEqual(a, b, 'request decoding is deterministic');

  assert.deepEqual(
    a.messages.map((m) => m.role),
    ['user', 'assistant', 'tool', 'user', 'assistant', 'tool', 'assistant'],
  );
  const assistant = a.messages[1].parts;
  assert.deepEqual(assistant[0], { type: 'reasoning', text: 'Let me think.', family: 'gemini' });
  assert.deepEqual(assistant[1], {
    type: 'tool_call',
    id: 'call_weather_0',
    name: 'weather',
    arguments: '{"city":"Paris"}',
    thoughtSignature: 'c2lnMQ==',
  });
  assert.equal(assistant[2].type === 'tool_call' && assistant[2].id, 'call_weather_1');
  assert.deepEqual(a.messages[2].parts, [
    { type: 'tool_result', toolCallId: 'call_weather_0', name: 'weather', content: [{ type: 'text', text: '{"temp":21}' }] },
    { type: 'tool_result', toolCallId: 'call_weather_1', name: 'weather', content: [{ type: 'text', text: 'station offline' }], isError: true },
  ]);
  assert.deepEqual(a.messages[3].parts, [{ type: 'text', text: 'And London?' }]);
  const london = a.messages[4].parts[0];
  assert.equal(london.type === 'tool_call' && london.id, 'own-id-1');
  assert.deepEqual(a.messages[5].parts[0], {
    type: 'tool_result',
    toolCallId: 'own-id-1',
    name: 'weather',
    content: [{ type: 'text', text: '{"temp":12}' }],
  });
  // A signature on a plain text part rides as signature-only reasoning after it.
  assert.deepEqual(a.messages[6].parts, [
    { type: 'text', text: 'Done.' },
    { type: 'reasoning', text: '', family: 'gemini', signature: 'c2lnMg==' },
  ]);
});

test('decodeRequest: functionResponse id that matches no call falls back to order pairing', () => {
  const req = geminiFormat.decodeRequest(
    {
      contents: [
        { role: 'user', parts: [{ text: 'x' }] },
        { role: 'model', parts: [{ functionCall: { name: 'lookup', args: {} } }] },
        { role: 'user', parts: [{ functionResponse: { name: 'lookup', id: 'adk-123', response: { output: 'ok' } } }] },
      ],
    },
    { pathModel: 'm' },
  );
  const call = req.messages[1].parts[0];
  const result = req.messages[2].parts[0];
  assert.equal(call.type, 'tool_call');
  assert.equal(result.type, 'tool_result');
  if (call.type === 'tool_call' && result.type === 'tool_result') assert.equal(result.toolCallId, call.id);
});

test('decodeRequest: media by type, file URIs, images inside functionResponse.parts, code execution', () => {
  const req = geminiFormat.decodeRequest(
    {
      contents: [
        {
          role: 'user',
          parts: [
            { inlineData: { mimeType: 'application/pdf', data: 'JVBERi0=' } },
            { fileData: { mimeType: 'image/jpeg', fileUri: 'https://example.com/cat.jpg' } },
            { fileData: { mimeType: 'video/mp4', fileUri: 'https://generativelanguage.googleapis.com/v1beta/files/abc' } },
          ],
        },
        {
          role: 'model',
          parts: [
            { executableCode: { language: 'PYTHON', code: 'print(1)' } },
            { codeExecutionResult: { outcome: 'OUTCOME_OK', output: '1\n' } },
            { functionCall: { name: 'screenshot' } },
          ],
        },
        {
          role: 'user',
          parts: [{ functionResponse: { name: 'screenshot', response: {}, parts: [{ inlineData: { mimeType: 'image/png', data: 'AAAA' } }] } }],
        },
      ],
    },
    { pathModel: 'm' },
  );
  assert.deepEqual(req.messages[0].parts, [
    { type: 'document', source: { kind: 'base64', mediaType: 'application/pdf', data: 'JVBERi0=' } },
    { type: 'image', source: { kind: 'url', url: 'https://example.com/cat.jpg', mediaType: 'image/jpeg' } },
    { type: 'document', source: { kind: 'file_id', fileId: 'https://generativelanguage.googleapis.com/v1beta/files/abc', mediaType: 'video/mp4' } },
  ]);
  assert.deepEqual(req.messages[1].parts.slice(0, 2), [
    { type: 'text', text: '```python\nprint(1)\n```' },
    { type: 'text', text: '```\n1\n\n```' },
  ]);
  const call = req.messages[1].parts[2];
  assert.equal(call.type === 'tool_call' && call.arguments, '{}');
  assert.deepEqual(req.messages[2].parts[0], {
    type: 'tool_result',
    toolCallId: 'call_screenshot_0',
    name: 'screenshot',
    content: [{ type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'AAAA' } }],
  });
});

test('decodeRequest: tools, hosted tools, tool choice modes, structured output, thinking', () => {
  const req = geminiFormat.decodeRequest(
    {
      contents: [{ parts: [{ text: 'q' }] }],
      tools: [
        {
          functionDeclarations: [
            {
              name: 'search',
              description: 'Search the web',
              parameters: {
                type: 'OBJECT',
                properties: {
                  q: { type: 'STRING', description: 'query' },
                  n: { type: 'INTEGER', nullable: true, format: 'int32' },
                  tags: { type: 'ARRAY', items: { type: 'STRING', enum: ['a', 'b'], format: 'enum' }, minItems: '1' },
                },
                required: ['q'],
                propertyOrdering: ['q', 'n', 'tags'],
              },
            },
            { name: 'now' },
            { name: 'raw', parametersJsonSchema: { type: 'object', properties: { x: { const: 1 } }, additionalProperties: false } },
          ],
        },
        { googleSearch: {} },
        { codeExecution: {} },
      ],
      toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['search', 'now'] } },
      generationConfig: {
        responseMimeType: 'application/json',
        responseSchema: { type: 'OBJECT', properties: { answer: { type: 'STRING' } } },
        thinkingConfig: { thinkingLevel: 'HIGH', includeThoughts: true },
      },
    },
    { pathModel: 'm' },
  );
  assert.deepEqual(req.tools?.[0], {
    type: 'function',
    name: 'search',
    description: 'Search the web',
    parameters: {
      type: 'object',
      properties: {
        q: { type: 'string', description: 'query' },
        n: { type: ['integer', 'null'], format: 'int32' },
        tags: { type: 'array', items: { type: 'string', enum: ['a', 'b'] }, minItems: 1 },
      },
      required: ['q'],
    },
  });
  assert.deepEqual(req.tools?.[1], { type: 'function', name: 'now', parameters: { type: 'object', properties: {} } });
  assert.deepEqual(req.tools?.[2], {
    type: 'function',
    name: 'raw',
    parameters: { type: 'object', properties: { x: { const: 1 } }, additionalProperties: false },
  });
  assert.deepEqual(req.tools?.slice(3), [
    { type: 'provider', format: 'gemini', raw: { googleSearch: {} } },
    { type: 'provider', format: 'gemini', raw: { codeExecution: {} } },
  ]);
  assert.deepEqual(req.toolChoice, { type: 'required' });
  assert.deepEqual(req.extras?.toolConfig, { functionCallingConfig: { allowedFunctionNames: ['search', 'now'] } });
  assert.deepEqual(req.responseFormat, { type: 'json_schema', name: 'response', schema: { type: 'object', properties: { answer: { type: 'string' } } } });
  assert.deepEqual(req.reasoning, { enabled: true, effort: 'high', summary: 'auto' });

  const off = geminiFormat.decodeRequest(
    {
      contents: [{ parts: [{ text: 'q' }] }],
      generationConfig: { thinkingConfig: { thinkingBudget: 0 } },
      toolConfig: { functionCallingConfig: { mode: 'NONE' } },
    },
    { pathModel: 'm' },
  );
  assert.deepEqual(off.reasoning, { enabled: false });
  assert.deepEqual(off.toolChoice, { type: 'none' });
  const dyn = geminiFormat.decodeRequest(
    { contents: [{ parts: [{ text: 'q' }] }], generationConfig: { thinkingConfig: { thinkingBudget: -1 }, responseMimeType: 'application/json' } },
    { pathModel: 'm' },
  );
  assert.deepEqual(dyn.reasoning, { enabled: true });
  assert.deepEqual(dyn.responseFormat, { type: 'json_object' });
});

test('decodeRequest: bad input becomes a 400 naming the field', () => {
  const cases: [unknown, RegExp][] = [
    ['nope', /JSON object/],
    [{}, /contents is required/],
    [{ contents: [] }, /at least one/],
    [{ contents: [{ role: 'assistant', parts: [{ text: 'x' }] }] }, /contents\[0\]\.role/],
    [{ contents: [{ role: 'user' }] }, /contents\[0\]\.parts/],
    [{ contents: [{ parts: [{ functionResponse: { response: {} } }] }] }, /functionResponse\.name/],
    [{ contents: [{ parts: [{ functionCall: { name: 'x' } }] }] }, /belong in a "model" turn/],
    [{ contents: [{ role: 'model', parts: [{ functionCall: { name: 'x', args: [1] } }] }] }, /args must be a JSON object/],
    [{ contents: [{ parts: [{ inlineData: { data: 'x' } }] }] }, /inlineData\.mimeType/],
    [{ contents: [{ parts: [{ bogus: 1 }] }] }, /no supported data field/],
    [{ contents: [{ parts: [{ text: 'x' }] }], generationConfig: { temperature: 'hot' } }, /generationConfig\.temperature/],
    [{ contents: [{ parts: [{ text: 'x' }] }], tools: {} }, /tools must be an array/],
    [{ contents: [{ parts: [{ text: 'x' }] }], tools: [{ functionDeclarations: [{}] }] }, /functionDeclarations\[0\]\.name/],
    [{ contents: [{ parts: [{ text: 'x' }] }], toolConfig: { functionCallingConfig: { mode: 'SOMETIMES' } } }, /mode/],
  ];
  for (const [body, re] of cases) {
    assert.throws(
      () => geminiFormat.decodeRequest(body, { pathModel: 'm' }),
      (e: unknown) => e instanceof GatewayError && e.info.status === 400 && re.test(e.message),
      `expected 400 ${re} for ${JSON.stringify(body)}`,
    );
  }
  assert.throws(() => geminiFormat.decodeRequest({ contents: [{ parts: [{ text: 'x' }] }] }, {}), /model/);
});

// ---------------------------------------------------------------- downstream request encode

test('encodeRequest: roles, alternation merge, system, tool results by name, error flag, images', () => {
  const req = baseRequest({
    system: [{ text: 'sys one' }, { text: 'sys two', role: 'developer' }],
    messages: [
      { role: 'user', parts: [{ type: 'text', text: 'Look' }] },
      { role: 'user', parts: [{ type: 'image', source: { kind: 'url', url: 'https://x.test/a.png?sig=1' } }] },
      {
        role: 'assistant',
        parts: [
          { type: 'reasoning', text: 'anthropic thoughts', family: 'anthropic', signature: 'ant-sig' },
          { type: 'text', text: 'Calling' },
          { type: 'tool_call', id: 'toolu_1', name: 'get', arguments: '{"k":"v"}' },
          { type: 'tool_call', id: 'toolu_2', name: 'shot', arguments: '' },
        ],
      },
      {
        role: 'tool',
        parts: [
          { type: 'tool_result', toolCallId: 'toolu_1', content: [{ type: 'text', text: '{"ok":true}' }] },
          {
            type: 'tool_result',
            toolCallId: 'toolu_2',
            isError: true,
            content: [
              { type: 'text', text: 'partial failure' },
              { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'AAAA' } },
            ],
          },
        ],
      },
      { role: 'user', parts: [{ type: 'text', text: 'thanks' }] },
    ],
  });
  const body = geminiFormat.encodeRequest(req, upstreamCtx());
  assert.equal('model' in body, false);
  assert.deepEqual(body.systemInstruction, { parts: [{ text: 'sys one' }, { text: 'sys two' }] });
  assert.deepEqual(body.contents, [
    { role: 'user', parts: [{ text: 'Look' }, { fileData: { mimeType: 'image/png', fileUri: 'https://x.test/a.png?sig=1' } }] },
    {
      role: 'model',
      parts: [
        { text: 'Calling' },
        { functionCall: { name: 'get', args: { k: 'v' } }, thoughtSignature: DUMMY_THOUGHT_SIGNATURE },
        { functionCall: { name: 'shot', args: {} } },
      ],
    },
    {
      role: 'user',
      parts: [
        { functionResponse: { name: 'get', response: { output: { ok: true } } } },
        {
          functionResponse: {
            name: 'shot',
            response: { error: 'partial failure' },
            parts: [{ inlineData: { mimeType: 'image/png', data: 'AAAA' } }],
          },
        },
        { text: 'thanks' },
      ],
    },
  ]);
});

test('encodeRequest: thought signatures restored from the part, the reasoning store, else the documented placeholder', () => {
  const rs = store();
  rs.put('call_b', { family: 'gemini', parts: [], thoughtSignature: 'stored-sig' });
  rs.put('call_c', { family: 'anthropic', parts: [{ type: 'reasoning', text: 't', family: 'anthropic', signature: 'x' }] });
  const req = baseRequest({
    messages: [
      { role: 'user', parts: [{ type: 'text', text: 'go' }] },
      { role: 'assistant', parts: [{ type: 'tool_call', id: 'call_a', name: 'f', arguments: '{}', thoughtSignature: 'own-sig' }] },
      { role: 'tool', parts: [{ type: 'tool_result', toolCallId: 'call_a', content: [{ type: 'text', text: 'plain text' }] }] },
      { role: 'assistant', parts: [{ type: 'tool_call', id: 'call_b', name: 'f', arguments: '{}' }] },
      { role: 'tool', parts: [{ type: 'tool_result', toolCallId: 'call_b', content: [{ type: 'text', text: '[1,2]' }] }] },
      {
        role: 'assistant',
        parts: [
          { type: 'reasoning', text: 'gemini thought', family: 'gemini', signature: 'th-sig' },
          { type: 'tool_call', id: 'call_c', name: 'f', arguments: '{}' },
        ],
      },
      { role: 'tool', parts: [{ type: 'tool_result', toolCallId: 'call_c', content: [] }] },
    ],
  });
  const body = geminiFormat.encodeRequest(req, upstreamCtx('gemini-3-pro-preview', rs));
  const contents = body.contents as { role: string; parts: Record<string, unknown>[] }[];
  assert.equal(contents[1].parts[0].thoughtSignature, 'own-sig');
  assert.deepEqual(contents[2].parts[0], { functionResponse: { name: 'f', response: { output: 'plain text' } } });
  assert.equal(contents[3].parts[0].thoughtSignature, 'stored-sig');
  assert.deepEqual(contents[4].parts[0], { functionResponse: { name: 'f', response: { output: [1, 2] } } });
  assert.deepEqual(contents[5].parts, [
    { text: 'gemini thought', thought: true, thoughtSignature: 'th-sig' },
    { functionCall: { name: 'f', args: {} }, thoughtSignature: DUMMY_THOUGHT_SIGNATURE },
  ]);
  assert.deepEqual(contents[6].parts[0], { functionResponse: { name: 'f', response: { output: '' } } });
});

test('encodeRequest: signature-only reasoning goes back onto the text part it came from', () => {
  const decoded = geminiFormat.decodeRequest(
    {
      contents: [
        { role: 'user', parts: [{ text: 'a' }] },
        { role: 'model', parts: [{ text: 'b', thoughtSignature: 'c2ln' }] },
        { role: 'user', parts: [{ text: 'c' }] },
      ],
    },
    { pathModel: 'gemini-3-pro-preview' },
  );
  const body = geminiFormat.encodeRequest(decoded, upstreamCtx('gemini-3-pro-preview'));
  assert.deepEqual(body.contents, [
    { role: 'user', parts: [{ text: 'a' }] },
    { role: 'model', parts: [{ text: 'b', thoughtSignature: 'c2ln' }] },
    { role: 'user', parts: [{ text: 'c' }] },
  ]);
});

test('encodeRequest: an orphan tool result (its call trimmed from history) goes in as text', () => {
  const body = geminiFormat.encodeRequest(
    baseRequest({
      messages: [
        { role: 'tool', parts: [{ type: 'tool_result', toolCallId: 'gone', name: 'f', content: [{ type: 'text', text: '42' }] }] },
        { role: 'user', parts: [{ type: 'text', text: 'continue' }] },
      ],
    }),
    upstreamCtx(),
  );
  assert.deepEqual(body.contents, [{ role: 'user', parts: [{ text: 'Result of tool f (gone):\n42' }, { text: 'continue' }] }]);
});

test('encodeRequest: tools, tool choice, generation config, structured output, extras only for gemini sources', () => {
  const tools: Request['tools'] = [
    {
      type: 'function',
      name: 'get_weather',
      description: 'Weather',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
    },
    { type: 'function', name: 'ping', parameters: { type: 'object', properties: {} } },
    { type: 'provider', format: 'anthropic', raw: { type: 'web_search_20250305', name: 'web_search' } },
  ];
  const req = baseRequest({
    tools,
    toolChoice: { type: 'tool', name: 'get_weather' },
    maxTokens: 256,
    temperature: 0.5,
    topP: 0.8,
    topK: 20,
    stop: ['a', 'b', 'c', 'd', 'e', 'f'],
    seed: 3,
    n: 2,
    presencePenalty: 0.5,
    frequencyPenalty: 0.25,
    responseFormat: {
      type: 'json_schema',
      name: 'out',
      schema: { type: 'object', properties: { v: { type: ['string', 'null'] } }, additionalProperties: false },
    },
    extras: { safetySettings: [] },
  });
  const body = geminiFormat.encodeRequest(req, upstreamCtx());
  assert.deepEqual(body.tools, [
    {
      functionDeclarations: [
        { name: 'get_weather', description: 'Weather', parameters: { type: 'OBJECT', properties: { city: { type: 'STRING' } }, required: ['city'] } },
        { name: 'ping' },
      ],
    },
  ]);
  assert.deepEqual(body.toolConfig, { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_weather'] } });
  assert.deepEqual(body.generationConfig, {
    stopSequences: ['a', 'b', 'c', 'd', 'e'],
    maxOutputTokens: 256,
    temperature: 0.5,
    topP: 0.8,
    topK: 20,
    seed: 3,
    candidateCount: 2,
    presencePenalty: 0.5,
    frequencyPenalty: 0.25,
    responseMimeType: 'application/json',
    responseSchema: { type: 'OBJECT', properties: { v: { type: 'STRING', nullable: true } } },
  });
  assert.equal(body.safetySettings, undefined, 'extras of another format are not forwarded');

  for (const [choice, mode] of [
    [{ type: 'auto' }, 'AUTO'],
    [{ type: 'none' }, 'NONE'],
    [{ type: 'required' }, 'ANY'],
  ] as const) {
    const b = geminiFormat.encodeRequest(baseRequest({ tools, toolChoice: choice }), upstreamCtx());
    assert.deepEqual(b.toolConfig, { functionCallingConfig: { mode } });
  }
  const noTools = geminiFormat.encodeRequest(baseRequest({ toolChoice: { type: 'required' }, responseFormat: { type: 'json_object' } }), upstreamCtx());
  assert.equal(noTools.toolConfig, undefined);
  assert.deepEqual(noTools.generationConfig, { responseMimeType: 'application/json' });

  // Same-format round trip: extras, hosted tools and the multi-name allow-list come back.
  const original = {
    contents: [{ role: 'user', parts: [{ text: 'q' }] }],
    tools: [{ functionDeclarations: [{ name: 'a' }, { name: 'b' }] }, { googleSearch: {} }],
    toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['a', 'b'] } },
    generationConfig: { responseModalities: ['TEXT'], temperature: 1 },
    safetySettings: [{ category: 'HARM_CATEGORY_HATE_SPEECH', threshold: 'BLOCK_ONLY_HIGH' }],
    cachedContent: 'cachedContents/x',
  };
  const decoded = geminiFormat.decodeRequest(original, { pathModel: 'gemini-2.5-flash' });
  assert.deepEqual(geminiFormat.encodeRequest(decoded, upstreamCtx()), original);
});

test('encodeRequest: reasoning → thinkingConfig per model family', () => {
  assert.deepEqual(toThinkingConfig({ enabled: true, budgetTokens: 2048 }, 'gemini-2.5-flash'), { includeThoughts: true, thinkingBudget: 2048 });
  assert.deepEqual(toThinkingConfig({ enabled: true, effort: 'low' }, 'gemini-2.5-flash'), { includeThoughts: true, thinkingBudget: 1024 });
  assert.deepEqual(toThinkingConfig({ enabled: true, effort: 'high' }, 'gemini-2.5-pro'), { includeThoughts: true, thinkingBudget: 24576 });
  assert.deepEqual(toThinkingConfig({ enabled: true, effort: 'medium' }, 'gemini-3-pro-preview'), { includeThoughts: true, thinkingLevel: 'HIGH' });
  assert.deepEqual(toThinkingConfig({ enabled: true, effort: 'medium' }, 'gemini-3-flash-preview'), { includeThoughts: true, thinkingLevel: 'MEDIUM' });
  assert.deepEqual(toThinkingConfig({ enabled: true }, 'gemini-3-pro-preview'), { includeThoughts: true });
  assert.deepEqual(toThinkingConfig({ enabled: false }, 'gemini-2.5-flash'), { thinkingBudget: 0 });
  assert.equal(toThinkingConfig({ enabled: false }, 'gemini-2.5-pro'), undefined);
  assert.deepEqual(toThinkingConfig({ enabled: false }, 'gemini-3-pro-preview'), { thinkingLevel: 'LOW' });
  assert.deepEqual(toThinkingConfig({ enabled: false }, 'gemini-3-flash-preview'), { thinkingLevel: 'MINIMAL' });
  assert.equal(toThinkingConfig({ enabled: true, effort: 'high' }, 'gemini-2.0-flash'), undefined);
  assert.equal(toThinkingConfig({ enabled: true }, 'gemma-3-27b-it'), undefined);
  assert.deepEqual(toThinkingConfig({ enabled: true }, 'gemini-2.0-flash-thinking-exp'), { includeThoughts: true });
  const body = geminiFormat.encodeRequest(baseRequest({ reasoning: { enabled: true, effort: 'high' } }), upstreamCtx('gemini-2.5-flash'));
  assert.deepEqual(asRecord(body.generationConfig).thinkingConfig, { includeThoughts: true, thinkingBudget: 24576 });
});

test('encodeRequest: a system-only request still has contents', () => {
  const body = geminiFormat.encodeRequest(baseRequest({ system: [{ text: 'Say hi' }], messages: [] }), upstreamCtx());
  assert.deepEqual(body.contents, [{ role: 'user', parts: [{ text: 'Say hi' }] }]);
  assert.equal(body.systemInstruction, undefined);
});

// ---------------------------------------------------------------- responses

test('decodeResponse: thoughts, text, function calls (ids, signatures, store), finish and usage', () => {
  const rs = store();
  const res = geminiFormat.decodeResponse(
    {
      candidates: [
        {
          content: {
            role: 'model',
            parts: [
              { text: 'Thinking a', thought: true },
              { text: ' and b', thought: true },
              { text: 'Answer ' },
              { text: 'part 2' },
              { functionCall: { name: 'f', args: { a: 1 } }, thoughtSignature: 'sig-f' },
              { functionCall: { name: 'g', id: 'gem-id' } },
            ],
          },
          finishReason: 'STOP',
          index: 0,
          groundingMetadata: { webSearchQueries: ['q'] },
        },
      ],
      usageMetadata: { promptTokenCount: 100, cachedContentTokenCount: 40, candidatesTokenCount: 20, thoughtsTokenCount: 30, totalTokenCount: 150 },
      modelVersion: 'gemini-2.5-pro',
      responseId: 'resp-1',
    },
    { reasoningStore: rs },
  );
  assert.equal(res.id, 'resp-1');
  assert.equal(res.model, 'gemini-2.5-pro');
  assert.equal(res.finishReason, 'tool_calls');
  assert.equal(res.rawFinishReason, 'STOP');
  assert.deepEqual(res.usage, { inputTokens: 100, outputTokens: 50, cacheReadTokens: 40, reasoningTokens: 30 });
  assert.deepEqual(res.parts.slice(0, 2), [
    { type: 'reasoning', text: 'Thinking a and b', family: 'gemini' },
    { type: 'text', text: 'Answer part 2' },
  ]);
  const [f, g] = res.parts.slice(2);
  assert.ok(f.type === 'tool_call' && g.type === 'tool_call');
  assert.match(f.id, /^call_[A-Za-z0-9_-]+$/);
  assert.equal(f.arguments, '{"a":1}');
  assert.equal(f.thoughtSignature, 'sig-f');
  assert.equal(g.id, 'gem-id');
  assert.equal(g.arguments, '{}');
  assert.equal(rs.get(f.id, 'gemini')?.thoughtSignature, 'sig-f');
  assert.deepEqual(rs.get(f.id, 'gemini')?.parts, [{ type: 'reasoning', text: 'Thinking a and b', family: 'gemini' }]);
  assert.equal(rs.get(f.id, 'anthropic'), undefined);
  assert.deepEqual(res.extras, { candidate: { groundingMetadata: { webSearchQueries: ['q'] } } });
});

test('decodeResponse: finish reasons and a blocked prompt', () => {
  const finish = (reason: string) =>
    geminiFormat.decodeResponse({ candidates: [{ content: { parts: [{ text: 'x' }] }, finishReason: reason }] }, { reasoningStore: store() }).finishReason;
  assert.equal(finish('STOP'), 'stop');
  assert.equal(finish('MAX_TOKENS'), 'length');
  for (const r of ['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'IMAGE_SAFETY']) assert.equal(finish(r), 'content_filter');
  assert.equal(finish('MALFORMED_FUNCTION_CALL'), 'error');
  assert.equal(finish('OTHER'), 'stop');
  const blocked = geminiFormat.decodeResponse(
    { promptFeedback: { blockReason: 'PROHIBITED_CONTENT' }, usageMetadata: { promptTokenCount: 5, totalTokenCount: 5 } },
    { reasoningStore: store() },
  );
  assert.equal(blocked.finishReason, 'content_filter');
  assert.equal(blocked.rawFinishReason, 'PROHIBITED_CONTENT');
  assert.deepEqual(blocked.parts, []);
  assert.deepEqual(blocked.usage, { inputTokens: 5, outputTokens: 0 });
  assert.throws(() => geminiFormat.decodeResponse('<html>', { reasoningStore: store() }), GatewayError);
});

function hubResponse(over: Partial<Response> = {}): Response {
  return {
    id: 'msg_01abc',
    model: 'claude-sonnet-4-5',
    parts: [
      { type: 'reasoning', text: 'pondering', family: 'anthropic', signature: 'ant-sig' },
      { type: 'text', text: 'Here you go.' },
      { type: 'tool_call', id: 'toolu_01', name: 'lookup', arguments: '{"q":"x"}' },
    ],
    finishReason: 'tool_calls',
    usage: { inputTokens: 120, outputTokens: 60, cacheReadTokens: 100, reasoningTokens: 25 },
    sourceFormat: 'anthropic',
    ...over,
  };
}

test('encodeResponse: GenerateContentResponse shape; foreign signatures never leak', () => {
  const req = geminiFormat.decodeRequest({ contents: [{ parts: [{ text: 'q' }] }] }, { pathModel: 'gemini-2.5-pro' });
  const body = geminiFormat.encodeResponse(hubResponse(), { model: 'gemini-2.5-pro', request: req, reasoningStore: store() });
  assert.deepEqual(body, {
    candidates: [
      {
        content: {
          parts: [{ text: 'pondering', thought: true }, { text: 'Here you go.' }, { functionCall: { id: 'toolu_01', name: 'lookup', args: { q: 'x' } } }],
          role: 'model',
        },
        finishReason: 'STOP',
        index: 0,
      },
    ],
    usageMetadata: { promptTokenCount: 120, candidatesTokenCount: 35, totalTokenCount: 180, cachedContentTokenCount: 100, thoughtsTokenCount: 25 },
    modelVersion: 'gemini-2.5-pro',
    responseId: 'msg_01abc',
  });
  const finish = (finishReason: Response['finishReason']) =>
    (
      asRecord(geminiFormat.encodeResponse(hubResponse({ finishReason }), { model: 'm', request: req, reasoningStore: store() })).candidates as {
        finishReason: string;
      }[]
    )[0].finishReason;
  assert.equal(finish('length'), 'MAX_TOKENS');
  assert.equal(finish('content_filter'), 'SAFETY');
  assert.equal(finish('stop'), 'STOP');
});

test('response round trip gemini → hub → gemini keeps signatures, raw finish reason and extras', () => {
  const original = {
    candidates: [
      {
        content: {
          parts: [
            { text: 'thought', thought: true, thoughtSignature: 'dGg=' },
            { functionCall: { id: 'x1', name: 'f', args: { n: 1 } }, thoughtSignature: 'c2ln' },
          ],
          role: 'model',
        },
        finishReason: 'STOP',
        index: 0,
        finishMessage: 'Model generated function call(s).',
      },
    ],
    usageMetadata: { promptTokenCount: 29, candidatesTokenCount: 15, totalTokenCount: 937, thoughtsTokenCount: 893 },
    modelVersion: 'gemini-3-pro-preview',
    responseId: 'm36LaZGyCLz1xs0PtNSB-QU',
  };
  const hub = geminiFormat.decodeResponse(structuredClone(original), { reasoningStore: store() });
  const req = geminiFormat.decodeRequest({ contents: [{ parts: [{ text: 'q' }] }] }, { pathModel: 'gemini-3-pro-preview' });
  const back = geminiFormat.encodeResponse(hub, { model: 'gemini-3-pro-preview', request: req, reasoningStore: store() });
  assert.deepEqual(back, original);
});

// ---------------------------------------------------------------- errors and wiring

test('errors: encodeError shape and statuses; decodeError copes with arrays, RetryInfo and non-JSON', () => {
  assert.deepEqual(geminiFormat.encodeError({ status: 429, kind: 'rate_limit', message: 'slow down' }), {
    error: { code: 429, message: 'slow down', status: 'RESOURCE_EXHAUSTED' },
  });
  const statuses: [number, Parameters<typeof geminiFormat.encodeError>[0]['kind'], string][] = [
    [400, 'invalid_request', 'INVALID_ARGUMENT'],
    [401, 'authentication', 'UNAUTHENTICATED'],
    [403, 'permission', 'PERMISSION_DENIED'],
    [404, 'not_found', 'NOT_FOUND'],
    [500, 'server', 'INTERNAL'],
    [503, 'overloaded', 'UNAVAILABLE'],
    [504, 'timeout', 'DEADLINE_EXCEEDED'],
  ];
  for (const [status, kind, name] of statuses) {
    assert.equal(asRecord(asRecord(geminiFormat.encodeError({ status, kind, message: 'm' })).error).status, name);
  }

  const body = JSON.stringify({
    error: {
      code: 429,
      message: 'Resource has been exhausted (e.g. check quota).',
      status: 'RESOURCE_EXHAUSTED',
      details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '37s' }],
    },
  });
  assert.deepEqual(geminiFormat.decodeError(429, body), {
    status: 429,
    kind: 'rate_limit',
    message: 'Resource has been exhausted (e.g. check quota).',
    providerType: 'RESOURCE_EXHAUSTED',
    retryAfter: '37',
  });
  const arr = geminiFormat.decodeError(400, `[${JSON.stringify({ error: { code: 400, message: 'bad field', status: 'INVALID_ARGUMENT' } })}]`);
  assert.equal(arr.message, 'bad field');
  assert.equal(arr.kind, 'invalid_request');
  const html = geminiFormat.decodeError(502, '<html><body>Bad Gateway</body></html>');
  assert.equal(html.message, '<html><body>Bad Gateway</body></html>');
  assert.equal(html.kind, 'upstream');
  assert.equal(geminiFormat.decodeError(500, '').message, 'Gemini API returned HTTP 500');
  // A Google status from a Gemini downstream survives to a Gemini client.
  assert.equal(
    asRecord(
      asRecord(geminiFormat.encodeError(geminiFormat.decodeError(400, JSON.stringify({ error: { code: 400, message: 'x', status: 'FAILED_PRECONDITION' } }))))
        .error,
    ).status,
    'FAILED_PRECONDITION',
  );
});

test('upstreamPath and authHeaders', () => {
  assert.equal(geminiFormat.upstreamPath('gemini-2.5-pro', false), '/v1beta/models/gemini-2.5-pro:generateContent');
  assert.equal(geminiFormat.upstreamPath('models/gemini-2.5-pro', true), '/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse');
  assert.deepEqual(geminiFormat.authHeaders('k'), { 'x-goog-api-key': 'k' });
  assert.equal(geminiFormat.id, 'gemini');
});
