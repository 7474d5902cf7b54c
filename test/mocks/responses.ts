/**
 * Strict mock of the OpenAI Responses API (POST /v1/responses). validateRequest rejects what
 * the real API rejects with a 400 (unknown parameters, wrong item shapes and roles, unpaired
 * tool outputs, max_output_tokens < 16, foreign fields from the other formats, non-OpenAI
 * encrypted reasoning...) with the API's own wording where we know it. renderReply/renderError
 * produce the bytes the API sends, modelled on test/fixtures/recorded/openai_responses.
 *
 * One deliberate extra rule: function tools must state `strict` (the real API would default an
 * omitted strict to true, so a converted request that omits it silently turns strict mode on).
 */
import { createHash } from 'node:crypto';
import type { MockErrorReply, MockReply, RenderedReply, StrictMockFormat } from './types.js';

type Json = Record<string, unknown>;
type Headers = Record<string, string | string[] | undefined>;

function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const TOP_LEVEL = new Set([
  'background',
  'context_management',
  'conversation',
  'include',
  'input',
  'instructions',
  'max_output_tokens',
  'max_tool_calls',
  'metadata',
  'model',
  'parallel_tool_calls',
  'previous_response_id',
  'prompt',
  'prompt_cache_key',
  'prompt_cache_retention',
  'reasoning',
  'safety_identifier',
  'service_tier',
  'store',
  'stream',
  'stream_options',
  'temperature',
  'text',
  'tool_choice',
  'tools',
  'top_logprobs',
  'top_p',
  'truncation',
  'user',
]);

const INCLUDABLE = new Set([
  'file_search_call.results',
  'web_search_call.results',
  'web_search_call.action.sources',
  'message.input_image.image_url',
  'computer_call_output.output.image_url',
  'code_interpreter_call.outputs',
  'reasoning.encrypted_content',
  'message.output_text.logprobs',
]);

const HOSTED_TOOLS = new Set([
  'web_search',
  'web_search_2025_08_26',
  'web_search_preview',
  'web_search_preview_2025_03_11',
  'file_search',
  'code_interpreter',
  'computer_use_preview',
  'computer',
  'image_generation',
  'mcp',
  'local_shell',
  'shell',
  'custom',
  'apply_patch',
  'tool_search',
  'namespace',
]);

/** Input item types other than message / function_call / function_call_output / reasoning. */
const OTHER_ITEMS = new Set([
  'item_reference',
  'web_search_call',
  'file_search_call',
  'computer_call',
  'computer_call_output',
  'code_interpreter_call',
  'image_generation_call',
  'local_shell_call',
  'local_shell_call_output',
  'shell_call',
  'shell_call_output',
  'apply_patch_call',
  'apply_patch_call_output',
  'mcp_list_tools',
  'mcp_approval_request',
  'mcp_approval_response',
  'mcp_call',
  'custom_tool_call',
  'custom_tool_call_output',
  'compaction',
  'tool_search_call',
  'tool_search_output',
]);

const EFFORTS = new Set(['none', 'minimal', 'low', 'medium', 'high', 'xhigh']);
const SUMMARIES = new Set(['auto', 'concise', 'detailed']);
const NAME_RE = /^[a-zA-Z0-9_-]{1,64}$/;
const IMAGE_DATA_URL = /^data:image\/(png|jpeg|jpg|gif|webp);base64,[A-Za-z0-9+/=]+$/;

function header(headers: Headers, name: string): string | undefined {
  const v = headers[name] ?? headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

function validateRequest(body: unknown, headers: Headers, url: string): string[] {
  const errors: string[] = [];
  const path = new URL(url, 'http://mock').pathname;
  if (!path.endsWith('/responses')) errors.push(`Invalid URL (POST ${path})`);
  const auth = header(headers, 'authorization');
  if (!auth || !/^Bearer \S+$/.test(auth)) {
    errors.push(
      "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
    );
  }
  if (!isRecord(body)) return [...errors, 'We could not parse the JSON body of your request.'];

  for (const key of Object.keys(body)) if (!TOP_LEVEL.has(key)) errors.push(`Unknown parameter: '${key}'.`);

  if (typeof body.model !== 'string' || !body.model) errors.push("Missing required parameter: 'model'.");
  const hasState = typeof body.previous_response_id === 'string' || body.conversation !== undefined || body.prompt !== undefined;
  if (body.input === undefined && !hasState) errors.push("Missing required parameter: 'input'.");
  if (body.instructions !== undefined && body.instructions !== null && typeof body.instructions !== 'string') {
    errors.push("Invalid type for 'instructions': expected a string.");
  }
  const max = body.max_output_tokens;
  if (max !== undefined && max !== null) {
    if (typeof max !== 'number' || !Number.isInteger(max)) errors.push("Invalid type for 'max_output_tokens': expected an integer.");
    else if (max < 16) {
      errors.push(`Invalid 'max_output_tokens': integer below minimum value. Expected a value >= 16, but got ${max} instead.`);
    }
  }
  numberIn(body, 'temperature', 0, 2, errors);
  numberIn(body, 'top_p', 0, 1, errors);
  for (const key of ['parallel_tool_calls', 'stream', 'store', 'background']) {
    if (body[key] !== undefined && body[key] !== null && typeof body[key] !== 'boolean') {
      errors.push(`Invalid type for '${key}': expected a boolean.`);
    }
  }
  if (body.stream_options !== undefined) {
    if (body.stream !== true) errors.push("Invalid value for 'stream_options': only allowed when 'stream' is true.");
    if (isRecord(body.stream_options)) {
      for (const k of Object.keys(body.stream_options)) {
        if (k !== 'include_obfuscation') errors.push(`Unknown parameter: 'stream_options.${k}'.`);
      }
    }
  }
  if (body.include !== undefined && body.include !== null) {
    if (!Array.isArray(body.include)) errors.push("Invalid type for 'include': expected an array.");
    else for (const v of body.include) if (typeof v !== 'string' || !INCLUDABLE.has(v)) errors.push(`Invalid value for 'include': ${JSON.stringify(v)}.`);
  }
  if (body.previous_response_id !== undefined && body.previous_response_id !== null) {
    if (typeof body.previous_response_id !== 'string' || !body.previous_response_id.startsWith('resp')) {
      errors.push(`Invalid 'previous_response_id': '${String(body.previous_response_id)}'. Expected an ID that begins with 'resp'.`);
    }
  }
  if (body.metadata !== undefined && body.metadata !== null) {
    if (!isRecord(body.metadata)) errors.push("Invalid type for 'metadata': expected an object.");
    else for (const [k, v] of Object.entries(body.metadata)) if (typeof v !== 'string') errors.push(`Invalid type for 'metadata.${k}': expected a string.`);
  }
  validateReasoning(body.reasoning, errors);
  validateText(body.text, errors);
  const toolNames = validateTools(body.tools, errors);
  validateToolChoice(body.tool_choice, toolNames, errors);
  validateInput(body.input, typeof body.previous_response_id === 'string', body.store === false, errors);

  if (isRecord(body.text) && isRecord(body.text.format) && body.text.format.type === 'json_object') {
    const haystack = `${typeof body.instructions === 'string' ? body.instructions : ''} ${JSON.stringify(body.input ?? '')}`;
    if (!/json/i.test(haystack)) {
      errors.push("Response input messages must contain the word 'json' in some form to use 'text.format' of type 'json_object'.");
    }
  }
  return errors;
}

function numberIn(body: Json, key: string, min: number, maxV: number, errors: string[]): void {
  const v = body[key];
  if (v === undefined || v === null) return;
  if (typeof v !== 'number') errors.push(`Invalid type for '${key}': expected a number.`);
  else if (v < min || v > maxV) errors.push(`Invalid '${key}': expected a value between ${min} and ${maxV}, but got ${v} instead.`);
}

function validateReasoning(r: unknown, errors: string[]): void {
  if (r === undefined || r === null) return;
  if (!isRecord(r)) {
    errors.push("Invalid type for 'reasoning': expected an object.");
    return;
  }
  for (const k of Object.keys(r)) if (!['effort', 'summary', 'generate_summary'].includes(k)) errors.push(`Unknown parameter: 'reasoning.${k}'.`);
  if (r.effort !== undefined && r.effort !== null && !EFFORTS.has(String(r.effort)))
    errors.push(`Invalid value: '${String(r.effort)}'. Supported values are: 'none', 'minimal', 'low', 'medium', 'high', and 'xhigh'.`);
  if (r.summary !== undefined && r.summary !== null && !SUMMARIES.has(String(r.summary)))
    errors.push(`Invalid value for 'reasoning.summary': '${String(r.summary)}'.`);
}

function validateText(t: unknown, errors: string[]): void {
  if (t === undefined || t === null) return;
  if (!isRecord(t)) {
    errors.push("Invalid type for 'text': expected an object.");
    return;
  }
  for (const k of Object.keys(t)) if (k !== 'format' && k !== 'verbosity') errors.push(`Unknown parameter: 'text.${k}'.`);
  if (t.verbosity !== undefined && t.verbosity !== null && !['low', 'medium', 'high'].includes(String(t.verbosity))) {
    errors.push(`Invalid value for 'text.verbosity': '${String(t.verbosity)}'.`);
  }
  const f = t.format;
  if (f === undefined || f === null) return;
  if (!isRecord(f)) {
    errors.push("Invalid type for 'text.format': expected an object.");
    return;
  }
  if (f.type === 'json_schema') {
    if (typeof f.name !== 'string' || !NAME_RE.test(f.name)) errors.push("Invalid 'text.format.name': must match ^[a-zA-Z0-9_-]{1,64}$.");
    if (!isRecord(f.schema)) errors.push("Missing required parameter: 'text.format.schema'.");
    else if (f.strict === true) strictSchemaErrors(f.schema, `text.format.schema`, errors);
    for (const k of Object.keys(f)) if (!['type', 'name', 'schema', 'strict', 'description'].includes(k)) errors.push(`Unknown parameter: 'text.format.${k}'.`);
  } else if (f.type !== 'text' && f.type !== 'json_object') {
    errors.push(`Invalid value: '${String(f.type)}'. Supported values are: 'text', 'json_object', and 'json_schema'.`);
  }
}

/** Structured Outputs' rules for a strict schema: closed objects, every property required. */
function strictSchemaErrors(schema: unknown, path: string, errors: string[]): void {
  if (!isRecord(schema)) return;
  const isObject = schema.type === 'object' || (Array.isArray(schema.type) && schema.type.includes('object')) || isRecord(schema.properties);
  if (isObject) {
    if (schema.additionalProperties !== false) {
      errors.push(`Invalid schema: In context=${path}, 'additionalProperties' is required to be supplied and to be false.`);
    }
    const props = isRecord(schema.properties) ? Object.keys(schema.properties) : [];
    const required = Array.isArray(schema.required) ? schema.required : [];
    for (const p of props) {
      if (!required.includes(p)) {
        errors.push(
          `Invalid schema: In context=${path}, 'required' is required to be supplied and to be an array including every key in properties. Missing '${p}'.`,
        );
      }
    }
    if (isRecord(schema.properties)) for (const [k, v] of Object.entries(schema.properties)) strictSchemaErrors(v, `${path}.properties.${k}`, errors);
  }
  if (schema.items !== undefined) strictSchemaErrors(schema.items, `${path}.items`, errors);
  for (const key of ['anyOf', 'allOf', 'oneOf']) {
    const list = schema[key];
    if (Array.isArray(list)) list.forEach((s, i) => strictSchemaErrors(s, `${path}.${key}[${i}]`, errors));
  }
  for (const key of ['$defs', 'definitions']) {
    const defs = schema[key];
    if (isRecord(defs)) for (const [k, v] of Object.entries(defs)) strictSchemaErrors(v, `${path}.${key}.${k}`, errors);
  }
}

function validateTools(tools: unknown, errors: string[]): Set<string> {
  const names = new Set<string>();
  if (tools === undefined || tools === null) return names;
  if (!Array.isArray(tools)) {
    errors.push("Invalid type for 'tools': expected an array.");
    return names;
  }
  tools.forEach((t: unknown, i) => {
    if (!isRecord(t)) {
      errors.push(`Invalid type for 'tools[${i}]': expected an object.`);
      return;
    }
    if (t.type === 'function') {
      if (typeof t.name !== 'string') {
        errors.push(`Missing required parameter: 'tools[${i}].name'.`);
        return;
      }
      if (!NAME_RE.test(t.name))
        errors.push(`Invalid 'tools[${i}].name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.`);
      names.add(t.name);
      for (const k of Object.keys(t)) {
        if (!['type', 'name', 'description', 'parameters', 'strict', 'defer_loading'].includes(k)) errors.push(`Unknown parameter: 'tools[${i}].${k}'.`);
      }
      if (t.parameters !== undefined && t.parameters !== null && !isRecord(t.parameters))
        errors.push(`Invalid type for 'tools[${i}].parameters': expected an object.`);
      if (typeof t.strict !== 'boolean') errors.push(`Missing 'tools[${i}].strict' (mock rule: a converted tool must say strict explicitly).`);
      if (t.strict === true) strictSchemaErrors(t.parameters, `tools[${i}].parameters`, errors);
      return;
    }
    if (typeof t.type !== 'string' || !HOSTED_TOOLS.has(t.type)) {
      errors.push(
        `Invalid value: '${String(t.type)}'. Supported values are: 'function', 'file_search', 'web_search', 'computer_use_preview', 'mcp', 'code_interpreter', 'image_generation', ...`,
      );
    }
  });
  return names;
}

function validateToolChoice(c: unknown, toolNames: Set<string>, errors: string[]): void {
  if (c === undefined || c === null) return;
  if (typeof c === 'string') {
    if (!['auto', 'none', 'required'].includes(c)) errors.push(`Invalid value: '${c}'. Supported values are: 'none', 'auto', and 'required'.`);
    return;
  }
  if (!isRecord(c)) {
    errors.push("Invalid type for 'tool_choice'.");
    return;
  }
  if (c.type === 'function') {
    if (typeof c.name !== 'string') errors.push("Missing required parameter: 'tool_choice.name'.");
    else if (!toolNames.has(c.name)) errors.push(`Tool choice '${c.name}' not found in 'tools' parameter.`);
    if ('function' in c) errors.push("Unknown parameter: 'tool_choice.function'.");
    return;
  }
  if (c.type === 'allowed_tools' || (typeof c.type === 'string' && HOSTED_TOOLS.has(c.type))) return;
  errors.push(`Invalid value for 'tool_choice.type': '${String(c.type)}'.`);
}

function validateInput(input: unknown, hasPrevious: boolean, storeOff: boolean, errors: string[]): void {
  if (input === undefined || typeof input === 'string') return;
  if (!Array.isArray(input)) {
    errors.push("Invalid type for 'input': expected a string or an array of input items.");
    return;
  }
  const callIds = new Set<string>();
  input.forEach((item: unknown, i) => {
    const at = `input[${i}]`;
    if (!isRecord(item)) {
      errors.push(`Invalid type for '${at}': expected an object.`);
      return;
    }
    const type = item.type ?? (item.role !== undefined ? 'message' : undefined);
    switch (type) {
      case 'message':
        validateMessage(item, at, errors);
        break;
      case 'function_call':
        for (const k of ['call_id', 'name', 'arguments']) if (typeof item[k] !== 'string') errors.push(`Missing required parameter: '${at}.${k}'.`);
        if (item.id !== undefined && (typeof item.id !== 'string' || !item.id.startsWith('fc'))) {
          errors.push(`Invalid '${at}.id': '${String(item.id)}'. Expected an ID that begins with 'fc'.`);
        }
        if (typeof item.call_id === 'string') callIds.add(item.call_id);
        break;
      case 'function_call_output': {
        if (typeof item.call_id !== 'string') errors.push(`Missing required parameter: '${at}.call_id'.`);
        else if (!callIds.has(item.call_id) && !hasPrevious) errors.push(`No tool call found for function call output with call_id ${item.call_id}.`);
        const out = item.output;
        if (Array.isArray(out)) out.forEach((c, j) => validateInputContent(c, `${at}.output[${j}]`, errors));
        else if (typeof out !== 'string') errors.push(`Invalid type for '${at}.output': expected a string or an array of input content.`);
        break;
      }
      case 'reasoning': {
        if (typeof item.id !== 'string' || !item.id.startsWith('rs')) errors.push(`Invalid '${at}.id': expected an ID that begins with 'rs'.`);
        if (!Array.isArray(item.summary)) errors.push(`Missing required parameter: '${at}.summary'.`);
        else {
          item.summary.forEach((s: unknown, j) => {
            if (!isRecord(s) || s.type !== 'summary_text' || typeof s.text !== 'string')
              errors.push(`Invalid '${at}.summary[${j}]': expected {type:'summary_text', text}.`);
          });
        }
        const enc = item.encrypted_content;
        if (enc !== undefined && enc !== null) {
          if (typeof enc !== 'string' || !enc.startsWith('gAAAA')) errors.push(`The encrypted content for item ${String(item.id)} could not be verified.`);
        } else if (storeOff) {
          errors.push(
            `Item with id '${String(item.id)}' not found. Items are not persisted when \`store\` is set to false. Try again with \`store\` set to true, or remove this item from your input.`,
          );
        }
        const next: unknown = input[i + 1];
        const nextType = isRecord(next) ? (next.type ?? (next.role !== undefined ? 'message' : undefined)) : undefined;
        const follows = isRecord(next) && nextType !== 'function_call_output' && !(nextType === 'message' && next.role !== 'assistant');
        if (!follows) errors.push(`Item '${String(item.id)}' of type 'reasoning' was provided without its required following item.`);
        break;
      }
      default:
        if (typeof type !== 'string' || !OTHER_ITEMS.has(type)) {
          errors.push(
            `Invalid value: '${String(type)}'. Supported values are: 'message', 'function_call', 'function_call_output', 'reasoning', 'item_reference', ...`,
          );
        }
    }
  });
}

function validateMessage(item: Json, at: string, errors: string[]): void {
  const role = item.role;
  if (!['user', 'assistant', 'system', 'developer'].includes(String(role))) {
    errors.push(`Invalid value: '${String(role)}'. Supported values are: 'assistant', 'system', 'developer', and 'user'.`);
    return;
  }
  for (const k of Object.keys(item)) {
    if (!['type', 'role', 'content', 'id', 'status', 'phase'].includes(k)) errors.push(`Unknown parameter: '${at}.${k}'.`);
  }
  if (role === 'assistant' && item.id !== undefined && (typeof item.id !== 'string' || !item.id.startsWith('msg'))) {
    errors.push(`Invalid '${at}.id': '${String(item.id)}'. Expected an ID that begins with 'msg'.`);
  }
  const content = item.content;
  if (typeof content === 'string') return;
  if (!Array.isArray(content)) {
    errors.push(`Invalid type for '${at}.content': expected one of a string or array of objects.`);
    return;
  }
  content.forEach((c: unknown, j) => {
    const cat = `${at}.content[${j}]`;
    if (role === 'assistant') {
      if (!isRecord(c) || (c.type !== 'output_text' && c.type !== 'refusal')) {
        errors.push(`Invalid value: '${isRecord(c) ? String(c.type) : typeof c}'. Supported values are: 'output_text' and 'refusal'.`);
      } else if (c.type === 'output_text' && typeof c.text !== 'string') errors.push(`Missing required parameter: '${cat}.text'.`);
      else if (c.type === 'refusal' && typeof c.refusal !== 'string') errors.push(`Missing required parameter: '${cat}.refusal'.`);
      return;
    }
    validateInputContent(c, cat, errors);
  });
}

function validateInputContent(c: unknown, at: string, errors: string[]): void {
  if (!isRecord(c)) {
    errors.push(`Invalid type for '${at}': expected an object.`);
    return;
  }
  switch (c.type) {
    case 'input_text':
      if (typeof c.text !== 'string') errors.push(`Missing required parameter: '${at}.text'.`);
      break;
    case 'input_image': {
      const url = c.image_url;
      if (typeof url === 'string') {
        if (url.startsWith('data:')) {
          if (!IMAGE_DATA_URL.test(url))
            errors.push(`Invalid '${at}.image_url'. Expected a base64-encoded data URL with an image MIME type (e.g. 'data:image/png;base64,...').`);
        } else if (!/^https?:\/\//.test(url)) errors.push(`Invalid '${at}.image_url': expected a valid URL.`);
      } else if (typeof c.file_id !== 'string') errors.push(`Invalid '${at}': input_image needs image_url or file_id.`);
      if (c.detail !== undefined && c.detail !== null && !['auto', 'low', 'high', 'original'].includes(String(c.detail))) {
        errors.push(`Invalid value for '${at}.detail': '${String(c.detail)}'.`);
      }
      break;
    }
    case 'input_file':
      if (typeof c.file_data === 'string') {
        if (!c.file_data.startsWith('data:')) errors.push(`Invalid '${at}.file_data': expected a base64 data URL.`);
        if (typeof c.filename !== 'string') errors.push(`Missing required parameter: '${at}.filename'.`);
      } else if (typeof c.file_url !== 'string' && typeof c.file_id !== 'string') {
        errors.push(`Invalid '${at}': input_file needs file_data, file_url or file_id.`);
      }
      break;
    default:
      errors.push(`Invalid value: '${String(c.type)}'. Supported values are: 'input_text', 'input_image', and 'input_file'.`);
  }
}

// ---------------------------------------------------------------- rendering

let counter = 0;

/** 50 hex characters, like the API's ids (deterministic per process, no randomness in tests). */
function hexId(prefix: string, seed: string): string {
  return `${prefix}_${createHash('sha256').update(`${seed}:${counter++}`).digest('hex').slice(0, 50)}`;
}

function encryptedToken(reasoning: string): string {
  // Fernet tokens start with version byte 0x80 → "gAAAAA" in base64url.
  return 'gAAAAAB' + Buffer.from(`sig-${reasoning.length}`).toString('base64url');
}

function obfuscation(delta: string): string {
  return 'x'.repeat(Math.max(0, 16 - delta.length));
}

function splitText(text: string, chunks: number | undefined): string[] {
  if (!text) return [];
  if (!chunks || chunks < 1) return text.split(/(?<= )/);
  const size = Math.ceil(text.length / chunks);
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

function usageOf(reply: MockReply): Json {
  const u = reply.usage ?? { input: 10, output: 5 };
  return {
    input_tokens: u.input,
    input_tokens_details: { cached_tokens: u.cacheRead ?? 0 },
    output_tokens: u.output,
    output_tokens_details: { reasoning_tokens: u.reasoning ?? 0 },
    total_tokens: u.input + u.output,
  };
}

function envelope(id: string, model: string, createdAt: number): { head: Json; tail: Json } {
  return {
    head: {
      id,
      object: 'response',
      created_at: createdAt,
    },
    tail: {
      instructions: null,
      max_output_tokens: null,
      max_tool_calls: null,
      model,
    },
  };
}

function responseBody(id: string, reply: MockReply, createdAt: number, status: string, output: Json[], usage: Json | null, error: Json | null = null): Json {
  const env = envelope(id, reply.model, createdAt);
  const incomplete = status === 'incomplete' ? { reason: reply.finish === 'content_filter' ? 'content_filter' : 'max_output_tokens' } : null;
  return {
    ...env.head,
    status,
    background: false,
    completed_at: status === 'completed' ? createdAt + 1 : null,
    error,
    incomplete_details: incomplete,
    ...env.tail,
    output,
    parallel_tool_calls: true,
    previous_response_id: null,
    prompt_cache_key: null,
    prompt_cache_retention: null,
    reasoning: { effort: reply.reasoning ? 'medium' : 'none', summary: reply.reasoning ? 'detailed' : null },
    safety_identifier: null,
    service_tier: 'default',
    store: true,
    temperature: 1,
    text: { format: { type: 'text' }, verbosity: 'medium' },
    tool_choice: 'auto',
    tools: [],
    top_logprobs: 0,
    top_p: 1,
    truncation: 'disabled',
    usage,
    user: null,
    metadata: {},
  };
}

function finalStatus(reply: MockReply): string {
  return reply.finish === 'length' || reply.finish === 'content_filter' ? 'incomplete' : 'completed';
}

interface Items {
  reasoning?: Json;
  message?: Json;
  calls: Json[];
}

function outputItems(reply: MockReply, seed: string): Items {
  const items: Items = { calls: [] };
  if (reply.reasoning) {
    items.reasoning = {
      id: hexId('rs', seed),
      type: 'reasoning',
      encrypted_content: encryptedToken(reply.reasoning),
      summary: [{ type: 'summary_text', text: reply.reasoning }],
    };
  }
  if (reply.text) {
    items.message = {
      id: hexId('msg', seed),
      type: 'message',
      status: reply.finish === 'length' ? 'incomplete' : 'completed',
      content: [{ type: 'output_text', annotations: [], logprobs: [], text: reply.text }],
      role: 'assistant',
    };
  }
  for (const tc of reply.toolCalls ?? []) {
    items.calls.push({
      id: hexId('fc', seed),
      type: 'function_call',
      status: 'completed',
      arguments: JSON.stringify(tc.arguments),
      call_id: tc.id,
      name: tc.name,
    });
  }
  return items;
}

function renderReply(reply: MockReply, stream: boolean): RenderedReply {
  const seed = `${reply.model}:${reply.text ?? ''}`;
  const id = hexId('resp', seed);
  const createdAt = 1770803606;
  const items = outputItems(reply, seed);
  const output = [items.reasoning, items.message, ...items.calls].filter((x): x is Json => x !== undefined);
  const status = finalStatus(reply);
  if (!stream) {
    return {
      status: 200,
      headers: { 'content-type': 'application/json', 'x-request-id': hexId('req', seed).slice(0, 36) },
      body: JSON.stringify(responseBody(id, reply, createdAt, status, output, usageOf(reply)), null, 2),
    };
  }

  const frames: string[] = [];
  let seq = 0;
  let content = 0;
  let cut: 'break' | 'error' | undefined;
  const emit = (ev: Json): void => {
    const payload = { type: ev.type, sequence_number: seq++, ...ev };
    frames.push(`event: ${String(ev.type)}\ndata: ${JSON.stringify(payload)}\n\n`);
  };
  /** A content event; false once the reply says to stop here. */
  const contentEvent = (ev: Json): boolean => {
    if (cut) return false;
    emit(ev);
    content++;
    if (reply.breakAfter !== undefined && content >= reply.breakAfter) cut = 'break';
    else if (reply.errorAfter !== undefined && content >= reply.errorAfter) cut = 'error';
    return !cut;
  };
  const inProgress = responseBody(id, reply, createdAt, 'in_progress', [], null);
  emit({ type: 'response.created', response: inProgress });
  emit({ type: 'response.in_progress', response: inProgress });

  let index = 0;
  const r = items.reasoning;
  if (r && reply.reasoning) {
    const itemId = String(r.id);
    const oi = index++;
    emit({ type: 'response.output_item.added', output_index: oi, item: { id: itemId, type: 'reasoning', encrypted_content: encryptedToken(''), summary: [] } });
    emit({ type: 'response.reasoning_summary_part.added', item_id: itemId, output_index: oi, summary_index: 0, part: { type: 'summary_text', text: '' } });
    for (const d of splitText(reply.reasoning, reply.chunks)) {
      if (
        !contentEvent({
          type: 'response.reasoning_summary_text.delta',
          item_id: itemId,
          output_index: oi,
          summary_index: 0,
          delta: d,
          obfuscation: obfuscation(d),
        })
      )
        break;
    }
    if (!cut) {
      emit({ type: 'response.reasoning_summary_text.done', item_id: itemId, output_index: oi, summary_index: 0, text: reply.reasoning });
      emit({
        type: 'response.reasoning_summary_part.done',
        item_id: itemId,
        output_index: oi,
        summary_index: 0,
        part: { type: 'summary_text', text: reply.reasoning },
      });
      emit({ type: 'response.output_item.done', output_index: oi, item: r });
    }
  }
  const m = items.message;
  if (!cut && m && reply.text) {
    const itemId = String(m.id);
    const oi = index++;
    emit({
      type: 'response.output_item.added',
      output_index: oi,
      item: { id: itemId, type: 'message', status: 'in_progress', content: [], role: 'assistant' },
    });
    emit({
      type: 'response.content_part.added',
      item_id: itemId,
      output_index: oi,
      content_index: 0,
      part: { type: 'output_text', annotations: [], logprobs: [], text: '' },
    });
    for (const d of splitText(reply.text, reply.chunks)) {
      if (
        !contentEvent({
          type: 'response.output_text.delta',
          item_id: itemId,
          output_index: oi,
          content_index: 0,
          delta: d,
          logprobs: [],
          obfuscation: obfuscation(d),
        })
      )
        break;
    }
    if (!cut) {
      const part = { type: 'output_text', annotations: [], logprobs: [], text: reply.text };
      emit({ type: 'response.output_text.done', item_id: itemId, output_index: oi, content_index: 0, text: reply.text, logprobs: [] });
      emit({ type: 'response.content_part.done', item_id: itemId, output_index: oi, content_index: 0, part });
      emit({ type: 'response.output_item.done', output_index: oi, item: m });
    }
  }
  for (const call of items.calls) {
    if (cut) break;
    const itemId = String(call.id);
    const oi = index++;
    const args = String(call.arguments);
    emit({ type: 'response.output_item.added', output_index: oi, item: { ...call, status: 'in_progress', arguments: '' } });
    const third = Math.max(1, Math.ceil(args.length / 3));
    for (let i = 0; i < args.length; i += third) {
      const d = args.slice(i, i + third);
      if (!contentEvent({ type: 'response.function_call_arguments.delta', item_id: itemId, output_index: oi, delta: d, obfuscation: obfuscation(d) })) break;
    }
    if (!cut) {
      emit({ type: 'response.function_call_arguments.done', item_id: itemId, output_index: oi, arguments: args });
      emit({ type: 'response.output_item.done', output_index: oi, item: call });
    }
  }

  const headers = { 'content-type': 'text/event-stream; charset=utf-8', 'x-request-id': hexId('req', seed).slice(0, 36) };
  if (cut === 'break') return { status: 200, headers, body: frames, destroy: true };
  if (cut === 'error') {
    const message = 'The server had an error processing your request. Sorry about that!';
    emit({ type: 'error', error: { type: 'server_error', code: 'server_error', message, param: null } });
    emit({ type: 'response.failed', response: responseBody(id, reply, createdAt, 'failed', [], null, { code: 'server_error', message }) });
    return { status: 200, headers, body: frames };
  }
  const type = status === 'incomplete' ? 'response.incomplete' : 'response.completed';
  emit({ type, response: responseBody(id, reply, createdAt, status, output, usageOf(reply)) });
  return { status: 200, headers, body: frames };
}

function errorWire(err: MockErrorReply): { type: string; code: string | null } {
  if (err.type === 'insufficient_quota') return { type: 'insufficient_quota', code: 'insufficient_quota' };
  if (err.type) return { type: err.type, code: null };
  switch (err.status) {
    case 400:
      return { type: 'invalid_request_error', code: null };
    case 401:
      return { type: 'invalid_request_error', code: 'invalid_api_key' };
    case 403:
      return { type: 'invalid_request_error', code: 'unsupported_country_region_territory' };
    case 404:
      return { type: 'invalid_request_error', code: 'model_not_found' };
    case 429:
      return { type: 'requests', code: 'rate_limit_exceeded' };
    default:
      return { type: 'server_error', code: null };
  }
}

function renderError(err: MockErrorReply): RenderedReply {
  const wire = errorWire(err);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (err.retryAfter) headers['retry-after'] = err.retryAfter;
  const body = { error: { message: err.message, type: wire.type, param: null, code: wire.code } };
  return { status: err.status, headers, body: `${JSON.stringify(body, null, 2)}\n` };
}

export const responsesMock: StrictMockFormat = { validateRequest, renderReply, renderError };
