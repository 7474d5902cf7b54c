/**
 * Strict mock of OpenAI Chat Completions (and the OpenAI-compatible dialect that also
 * returns `reasoning_content`). Validation follows what api.openai.com rejects with 400;
 * replies are rendered like the recorded fixtures in test/fixtures/recorded/openai/
 * (chatcmpl ids, system_fingerprint, service_tier, obfuscation padding, role chunk,
 * finish chunk with an empty delta, then a `choices: []` usage chunk and `[DONE]`).
 */
import { randomBytes } from 'node:crypto';
import type { MockErrorReply, MockReply, RenderedReply, StrictMockFormat } from './types.js';

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every top-level parameter the Chat Completions API knows; anything else is "Unrecognized request argument". */
const KNOWN_PARAMS = new Set([
  'model',
  'messages',
  'audio',
  'frequency_penalty',
  'function_call',
  'functions',
  'logit_bias',
  'logprobs',
  'max_completion_tokens',
  'max_tokens',
  'metadata',
  'modalities',
  'n',
  'parallel_tool_calls',
  'prediction',
  'presence_penalty',
  'prompt_cache_key',
  'prompt_cache_retention',
  'reasoning_effort',
  'response_format',
  'safety_identifier',
  'seed',
  'service_tier',
  'stop',
  'store',
  'stream',
  'stream_options',
  'temperature',
  'tool_choice',
  'tools',
  'top_logprobs',
  'top_p',
  'user',
  'verbosity',
  'web_search_options',
]);

const MESSAGE_KEYS: Record<string, Set<string>> = {
  system: new Set(['role', 'content', 'name']),
  developer: new Set(['role', 'content', 'name']),
  user: new Set(['role', 'content', 'name']),
  // reasoning_content: DeepSeek-style compatible servers take it back in history.
  assistant: new Set(['role', 'content', 'name', 'tool_calls', 'function_call', 'refusal', 'audio', 'reasoning_content']),
  tool: new Set(['role', 'content', 'tool_call_id']),
  function: new Set(['role', 'content', 'name']),
};

const USER_PART_TYPES = new Set(['text', 'image_url', 'input_audio', 'file']);
const EFFORTS = new Set(['none', 'minimal', 'low', 'medium', 'high', 'xhigh']);
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
/** Models that reject `max_tokens` (fixture reasoning-model-legacy-parameter-error.json). */
const REASONING_MODEL = /^(o\d|gpt-5)/;

function validate(body: unknown, headers: Record<string, string | string[] | undefined>, url: string): string[] {
  const errors: string[] = [];
  if (!url.split('?')[0].endsWith('/chat/completions')) errors.push(`Invalid URL (POST ${url})`);
  const auth = headers.authorization ?? headers.Authorization;
  const authValue = Array.isArray(auth) ? auth[0] : auth;
  if (!authValue || !/^Bearer \S+$/.test(authValue)) {
    errors.push("You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth");
  }
  if (!isRec(body)) return [...errors, 'We could not parse the JSON body of your request.'];

  for (const key of Object.keys(body)) {
    if (!KNOWN_PARAMS.has(key)) errors.push(`Unrecognized request argument supplied: ${key}`);
  }
  if (typeof body.model !== 'string' || body.model === '') errors.push("Missing required parameter: 'model'.");
  if (body.max_tokens !== undefined && body.max_completion_tokens !== undefined) {
    errors.push("max_tokens and max_completion_tokens cannot both be set; use 'max_completion_tokens'.");
  }
  if (body.max_tokens !== undefined && typeof body.model === 'string' && REASONING_MODEL.test(body.model)) {
    errors.push("Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.");
  }
  for (const k of ['max_tokens', 'max_completion_tokens', 'n'] as const) {
    const v = body[k];
    if (v !== undefined && v !== null && (typeof v !== 'number' || !Number.isInteger(v) || v < 1)) {
      errors.push(`Invalid '${k}': expected a positive integer.`);
    }
  }
  const ranges: [string, number, number][] = [
    ['temperature', 0, 2],
    ['top_p', 0, 1],
    ['presence_penalty', -2, 2],
    ['frequency_penalty', -2, 2],
  ];
  for (const [k, min, max] of ranges) {
    const v = body[k];
    if (v !== undefined && v !== null && (typeof v !== 'number' || v < min || v > max)) {
      errors.push(`Invalid '${k}': expected a number between ${min} and ${max}.`);
    }
  }
  if (body.stop !== undefined && body.stop !== null) {
    const ok = typeof body.stop === 'string' || (Array.isArray(body.stop) && body.stop.length <= 4 && body.stop.every((s) => typeof s === 'string'));
    if (!ok) errors.push("Invalid 'stop': expected a string or an array of at most 4 strings.");
  }
  if (body.stream !== undefined && typeof body.stream !== 'boolean') errors.push("Invalid 'stream': expected a boolean.");
  if (body.stream_options !== undefined && body.stream_options !== null && body.stream !== true) {
    errors.push("The 'stream_options' parameter is only allowed when 'stream' is enabled.");
  }
  if (body.reasoning_effort !== undefined && !EFFORTS.has(String(body.reasoning_effort))) {
    errors.push(`Invalid value for 'reasoning_effort': ${JSON.stringify(body.reasoning_effort)}.`);
  }
  validateTools(body, errors);
  validateResponseFormat(body.response_format, errors);
  validateMessages(body.messages, errors);
  return errors;
}

function validateTools(body: Rec, errors: string[]): void {
  const tools = body.tools;
  const hasTools = Array.isArray(tools) && tools.length > 0;
  if (tools !== undefined) {
    if (!Array.isArray(tools)) errors.push("Invalid 'tools': expected an array.");
    else {
      tools.forEach((t, i) => {
        if (!isRec(t) || (t.type !== 'function' && t.type !== 'custom')) {
          errors.push(`Invalid 'tools[${i}].type': expected 'function'.`);
          return;
        }
        if (t.type !== 'function') return;
        const fn = t.function;
        if (!isRec(fn) || typeof fn.name !== 'string' || !TOOL_NAME.test(fn.name)) {
          errors.push(`Invalid 'tools[${i}].function.name': string does not match pattern '^[a-zA-Z0-9_-]+$'.`);
          return;
        }
        for (const k of Object.keys(fn)) {
          if (!['name', 'description', 'parameters', 'strict'].includes(k)) {
            errors.push(`Unrecognized request argument supplied: tools[${i}].function.${k}`);
          }
        }
        if (fn.parameters !== undefined && !isRec(fn.parameters)) errors.push(`Invalid 'tools[${i}].function.parameters'.`);
        if (isRec(fn.parameters)) checkSchemaTypes(fn.parameters, `tools[${i}].function.parameters`, errors);
      });
    }
  }
  const tc = body.tool_choice;
  if (tc !== undefined && tc !== null) {
    if (!hasTools) errors.push("Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.");
    const ok =
      tc === 'auto' ||
      tc === 'none' ||
      tc === 'required' ||
      (isRec(tc) && tc.type === 'function' && isRec(tc.function) && typeof tc.function.name === 'string') ||
      (isRec(tc) && (tc.type === 'allowed_tools' || tc.type === 'custom'));
    if (!ok) errors.push("Invalid value for 'tool_choice'.");
  }
  if (body.parallel_tool_calls !== undefined && !hasTools) {
    errors.push("Invalid value for 'parallel_tool_calls': 'parallel_tool_calls' is only allowed when 'tools' are specified.");
  }
}

/** OpenAI's schema validator knows JSON-schema type names in lower case only. */
function checkSchemaTypes(schema: Rec, path: string, errors: string[]): void {
  const t = schema.type;
  const valid = ['object', 'array', 'string', 'number', 'integer', 'boolean', 'null'];
  if (typeof t === 'string' && !valid.includes(t)) errors.push(`Invalid schema for ${path}: '${t}' is not valid under any of the given schemas.`);
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'enum' || k === 'const' || k === 'default') continue;
    if (isRec(v)) checkSchemaTypes(v, `${path}.${k}`, errors);
    else if (Array.isArray(v)) v.forEach((x, i) => isRec(x) && checkSchemaTypes(x, `${path}.${k}[${i}]`, errors));
  }
}

function validateResponseFormat(rf: unknown, errors: string[]): void {
  if (rf === undefined || rf === null) return;
  if (!isRec(rf) || !['text', 'json_object', 'json_schema'].includes(String(rf.type))) {
    errors.push("Invalid 'response_format.type'.");
    return;
  }
  if (rf.type === 'json_schema') {
    const js = rf.json_schema;
    if (!isRec(js) || typeof js.name !== 'string' || js.name === '') errors.push("Missing required parameter: 'response_format.json_schema.name'.");
    else if (js.schema !== undefined && !isRec(js.schema)) errors.push("Invalid 'response_format.json_schema.schema'.");
  }
}

function validateMessages(messages: unknown, errors: string[]): void {
  if (!Array.isArray(messages)) {
    errors.push("Missing required parameter: 'messages'.");
    return;
  }
  if (messages.length === 0) errors.push("Invalid 'messages': empty array. Expected an array with minimum length 1.");
  /** tool_call ids of the latest assistant message that still await their tool message */
  let pending = new Set<string>();
  messages.forEach((m, i) => {
    const p = `messages[${i}]`;
    if (!isRec(m)) {
      errors.push(`Invalid type for '${p}': expected an object.`);
      return;
    }
    const role = m.role;
    if (typeof role !== 'string' || !(role in MESSAGE_KEYS)) {
      errors.push(`Invalid value: '${String(role)}'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.`);
      return;
    }
    for (const k of Object.keys(m)) {
      if (!MESSAGE_KEYS[role].has(k)) errors.push(`Additional properties are not allowed ('${k}' was unexpected) - '${p}'`);
    }
    if (role !== 'tool' && pending.size > 0) {
      errors.push(
        "An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. " +
          `The following tool_call_ids did not have response messages: ${[...pending].join(', ')}`,
      );
      pending = new Set();
    }
    switch (role) {
      case 'system':
      case 'developer':
        checkTextContent(m.content, `${p}.content`, errors, false);
        break;
      case 'user':
        checkUserContent(m.content, `${p}.content`, errors);
        break;
      case 'tool': {
        const id = m.tool_call_id;
        if (typeof id !== 'string') errors.push(`Missing required parameter: '${p}.tool_call_id'.`);
        else if (!pending.has(id)) {
          errors.push("Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.");
        } else pending.delete(id);
        checkTextContent(m.content, `${p}.content`, errors, false);
        break;
      }
      case 'function':
        if (typeof m.name !== 'string') errors.push(`Missing required parameter: '${p}.name'.`);
        break;
      case 'assistant': {
        const calls = m.tool_calls;
        if (m.content === undefined && calls === undefined && m.function_call === undefined) {
          errors.push(`Missing required parameter: '${p}.content'.`);
        }
        if (m.content !== undefined && m.content !== null) checkAssistantContent(m.content, `${p}.content`, errors);
        if (calls !== undefined) {
          if (!Array.isArray(calls) || calls.length === 0) errors.push(`Invalid '${p}.tool_calls': empty array.`);
          else {
            calls.forEach((c, j) => {
              const cp = `${p}.tool_calls[${j}]`;
              if (!isRec(c) || typeof c.id !== 'string' || c.id === '') errors.push(`Missing required parameter: '${cp}.id'.`);
              else pending.add(c.id);
              if (!isRec(c) || c.type !== 'function') errors.push(`Missing required parameter: '${cp}.type'.`);
              const fn = isRec(c) ? c.function : undefined;
              if (!isRec(fn) || typeof fn.name !== 'string') errors.push(`Missing required parameter: '${cp}.function.name'.`);
              else if (typeof fn.arguments !== 'string') errors.push(`Invalid type for '${cp}.function.arguments': expected a string.`);
            });
          }
        }
        break;
      }
    }
  });
  if (pending.size > 0) {
    errors.push(
      "An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. " +
        `The following tool_call_ids did not have response messages: ${[...pending].join(', ')}`,
    );
  }
}

function checkTextContent(content: unknown, path: string, errors: string[], allowNull: boolean): void {
  if (typeof content === 'string' || (allowNull && content === null)) return;
  if (!Array.isArray(content)) {
    errors.push(`Invalid type for '${path}': expected one of a string or array of objects.`);
    return;
  }
  content.forEach((part, j) => {
    if (!isRec(part) || part.type !== 'text' || typeof part.text !== 'string') {
      errors.push(`Invalid value: '${isRec(part) ? String(part.type) : typeof part}'. Supported values are: 'text'. ('${path}[${j}].type')`);
    }
  });
}

function checkAssistantContent(content: unknown, path: string, errors: string[]): void {
  if (typeof content === 'string') return;
  if (!Array.isArray(content)) {
    errors.push(`Invalid type for '${path}': expected one of a string or array of objects.`);
    return;
  }
  content.forEach((part, j) => {
    const ok = isRec(part) && ((part.type === 'text' && typeof part.text === 'string') || (part.type === 'refusal' && typeof part.refusal === 'string'));
    if (!ok)
      errors.push(`Invalid value: '${isRec(part) ? String(part.type) : typeof part}'. Supported values are: 'text' and 'refusal'. ('${path}[${j}].type')`);
  });
}

function checkUserContent(content: unknown, path: string, errors: string[]): void {
  if (typeof content === 'string') return;
  if (!Array.isArray(content) || content.length === 0) {
    errors.push(`Invalid type for '${path}': expected one of a string or a non-empty array of objects.`);
    return;
  }
  content.forEach((part, j) => {
    const pp = `${path}[${j}]`;
    if (!isRec(part) || !USER_PART_TYPES.has(String(part.type))) {
      errors.push(
        `Invalid value: '${isRec(part) ? String(part.type) : typeof part}'. Supported values are: 'text', 'image_url', 'input_audio', and 'file'. ('${pp}.type')`,
      );
      return;
    }
    for (const k of Object.keys(part)) {
      if (k !== 'type' && k !== part.type) errors.push(`Additional properties are not allowed ('${k}' was unexpected) - '${pp}'`);
    }
    if (part.type === 'text' && typeof part.text !== 'string') errors.push(`Missing required parameter: '${pp}.text'.`);
    if (part.type === 'image_url') {
      const img = part.image_url;
      const url = isRec(img) ? img.url : undefined;
      if (typeof url !== 'string') errors.push(`Missing required parameter: '${pp}.image_url.url'.`);
      else if (!/^https?:\/\//.test(url) && !/^data:image\/[a-z0-9.+-]+;base64,/i.test(url)) {
        errors.push(`Invalid '${pp}.image_url.url': expected a URL or a base64 data URL of an image.`);
      }
      if (isRec(img) && img.detail !== undefined && !['auto', 'low', 'high'].includes(String(img.detail))) {
        errors.push(`Invalid value for '${pp}.image_url.detail'.`);
      }
    }
    if (part.type === 'file') {
      const f = part.file;
      if (!isRec(f) || (typeof f.file_data !== 'string' && typeof f.file_id !== 'string')) {
        errors.push(`Invalid '${pp}.file': expected file_data or file_id.`);
      } else if (typeof f.file_data === 'string' && !/^data:[^;,]+;base64,/.test(f.file_data)) {
        errors.push(`Invalid '${pp}.file.file_data': expected a base64 data URL.`);
      }
    }
  });
}

// ---------------------------------------------------------------- rendering

function completionId(): string {
  return 'chatcmpl-' + randomBytes(22).toString('base64url').replace(/[-_]/g, 'x').slice(0, 29);
}

function obfuscation(): string {
  return randomBytes(8)
    .toString('base64url')
    .slice(0, 1 + Math.floor(Math.random() * 10));
}

function usageOf(reply: MockReply): Rec {
  const u = reply.usage ?? { input: 10, output: 20 };
  return {
    prompt_tokens: u.input,
    completion_tokens: u.output,
    total_tokens: u.input + u.output,
    prompt_tokens_details: { cached_tokens: u.cacheRead ?? 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: u.reasoning ?? 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

function finishOf(reply: MockReply): string {
  return reply.finish ?? (reply.toolCalls && reply.toolCalls.length > 0 ? 'tool_calls' : 'stop');
}

/** Split text like OpenAI's token deltas: one per word, or into `n` roughly equal pieces. */
function splitText(text: string, n: number | undefined): string[] {
  if (!text) return [];
  if (!n) return text.match(/\S+\s*|\s+/g) ?? [text];
  const size = Math.max(1, Math.ceil(text.length / n));
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

function splitArgs(json: string): string[] {
  if (json.length < 6) return [json];
  const a = Math.floor(json.length / 3);
  return [json.slice(0, a), json.slice(a, 2 * a), json.slice(2 * a)];
}

const JSON_HEADERS = { 'content-type': 'application/json' };

function renderReply(reply: MockReply, stream: boolean): RenderedReply {
  const id = completionId();
  const created = Math.floor(Date.now() / 1000);
  const headers = { 'x-request-id': 'req_' + randomBytes(16).toString('hex'), 'openai-processing-ms': '321' };
  if (!stream) {
    const message: Rec = { role: 'assistant', content: reply.text ?? (reply.toolCalls?.length ? null : '') };
    if (reply.reasoning) message.reasoning_content = reply.reasoning;
    if (reply.toolCalls?.length) {
      message.tool_calls = reply.toolCalls.map((c) => ({
        id: c.id,
        type: 'function',
        function: { name: c.name, arguments: JSON.stringify(c.arguments) },
      }));
    }
    message.refusal = null;
    message.annotations = [];
    const body = {
      id,
      object: 'chat.completion',
      created,
      model: reply.model,
      choices: [{ index: 0, message, logprobs: null, finish_reason: finishOf(reply) }],
      usage: usageOf(reply),
      service_tier: 'default',
      system_fingerprint: 'fp_de604bd877',
    };
    return { status: 200, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body, null, 2) };
  }

  const frame = (choices: unknown[], usage: unknown = null): string =>
    `data: ${JSON.stringify({
      id,
      object: 'chat.completion.chunk',
      created,
      model: reply.model,
      service_tier: 'default',
      system_fingerprint: 'fp_de604bd877',
      choices,
      usage,
      obfuscation: obfuscation(),
    })}\n\n`;
  const delta = (d: Rec, finish: string | null = null): string => frame([{ index: 0, delta: d, logprobs: null, finish_reason: finish }]);

  const content: string[] = [];
  for (const piece of splitText(reply.reasoning ?? '', reply.chunks)) content.push(delta({ reasoning_content: piece }));
  for (const piece of splitText(reply.text ?? '', reply.chunks)) content.push(delta({ content: piece }));
  (reply.toolCalls ?? []).forEach((c, index) => {
    content.push(delta({ tool_calls: [{ index, id: c.id, type: 'function', function: { name: c.name, arguments: '' } }] }));
    for (const a of splitArgs(JSON.stringify(c.arguments))) content.push(delta({ tool_calls: [{ index, function: { arguments: a } }] }));
  });

  const body: string[] = [delta({ role: 'assistant', content: '', refusal: null })];
  const sseHeaders = { 'content-type': 'text/event-stream; charset=utf-8', ...headers };
  if (reply.breakAfter !== undefined) {
    body.push(...content.slice(0, reply.breakAfter));
    return { status: 200, headers: sseHeaders, body, destroy: true };
  }
  if (reply.errorAfter !== undefined) {
    body.push(...content.slice(0, reply.errorAfter));
    body.push(
      `data: ${JSON.stringify({
        error: {
          message: 'The server had an error while processing your request. Sorry about that!',
          type: 'server_error',
          param: null,
          code: null,
        },
      })}\n\n`,
    );
    return { status: 200, headers: sseHeaders, body };
  }
  body.push(...content, delta({}, finishOf(reply)), frame([], usageOf(reply)), 'data: [DONE]\n\n');
  return { status: 200, headers: sseHeaders, body };
}

function defaultErrorType(status: number): { type: string; code: string | null } {
  switch (status) {
    case 401:
      return { type: 'invalid_request_error', code: 'invalid_api_key' };
    case 403:
      return { type: 'invalid_request_error', code: 'unsupported_country_region_territory' };
    case 404:
      return { type: 'invalid_request_error', code: 'model_not_found' };
    case 429:
      return { type: 'requests', code: 'rate_limit_exceeded' };
    default:
      return status >= 500 ? { type: 'server_error', code: null } : { type: 'invalid_request_error', code: null };
  }
}

function renderError(err: MockErrorReply): RenderedReply {
  const def = defaultErrorType(err.status);
  const type = err.type ?? def.type;
  const code = err.type === 'insufficient_quota' ? 'insufficient_quota' : def.code;
  const headers: Record<string, string> = { ...JSON_HEADERS, 'x-request-id': 'req_' + randomBytes(16).toString('hex') };
  if (err.retryAfter !== undefined) headers['retry-after'] = err.retryAfter;
  return {
    status: err.status,
    headers,
    body: JSON.stringify({ error: { message: err.message, type, param: null, code } }, null, 2),
  };
}

export const openaiMock: StrictMockFormat = {
  validateRequest: validate,
  renderReply,
  renderError,
};
