/**
 * Strict mock of the Anthropic Messages API (`POST /v1/messages`).
 *
 * Validation follows what api.anthropic.com answers with 400 (messages modelled on the
 * real error texts): required fields, unknown top-level fields (OpenAI-only `n`,
 * `response_format`, `stream_options`, `seed`...), role order, tool_use/tool_result pairing,
 * the extended-thinking rules, at most four cache breakpoints, empty text blocks, and the
 * x-api-key / anthropic-version headers. Replies are rendered like the recorded fixtures in
 * test/fixtures/recorded/anthropic/ (field order, usage fields, ping after the first block,
 * an input_json_delta "" before tool arguments, message_delta usage repeating input counts).
 *
 * MockReply.usage.input is the hub meaning (every prompt token); the wire input_tokens
 * leaves out the cache reads and writes, as Anthropic does.
 */
import type { MockErrorReply, MockReply, RenderedReply, StrictMockFormat } from './types.js';

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Top-level request fields of the Messages API (2023-06-01 sampling fields included). */
const KNOWN_PARAMS = new Set([
  'model',
  'messages',
  'max_tokens',
  'system',
  'metadata',
  'stop_sequences',
  'stream',
  'temperature',
  'top_p',
  'top_k',
  'tools',
  'tool_choice',
  'thinking',
  'service_tier',
  'container',
  'context_management',
  'mcp_servers',
  'output_config',
  'output_format',
  'inference_geo',
  'cache_control',
  'speed',
  'diagnostics',
]);

const USER_BLOCKS = new Set(['text', 'image', 'document', 'tool_result', 'search_result', 'container_upload']);
const ASSISTANT_BLOCKS = new Set([
  'text',
  'tool_use',
  'thinking',
  'redacted_thinking',
  'server_tool_use',
  'web_search_tool_result',
  'web_fetch_tool_result',
  'code_execution_tool_result',
  'bash_code_execution_tool_result',
  'text_editor_code_execution_tool_result',
  'tool_search_tool_result',
  'mcp_tool_use',
  'mcp_tool_result',
  'container_upload',
]);
const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);
const TOOL_ID = /^[a-zA-Z0-9_-]+$/;
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const SERVER_TOOL_TYPE = /^[a-z_]+_\d{8}$/;
const CUSTOM_TOOL_KEYS = new Set([
  'type',
  'name',
  'description',
  'input_schema',
  'cache_control',
  'strict',
  'defer_loading',
  'input_examples',
  'allowed_callers',
  'eager_input_streaming',
]);

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name] ?? headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

function validate(body: unknown, headers: Record<string, string | string[] | undefined>, url: string): string[] {
  const errors: string[] = [];
  if (!url.split('?')[0].endsWith('/v1/messages')) errors.push(`Not found: POST ${url}`);
  if (!header(headers, 'x-api-key')) errors.push('x-api-key header is required');
  if (!header(headers, 'anthropic-version')) errors.push('anthropic-version: header is required');
  if (!isRec(body)) return [...errors, 'The request body is not valid JSON.'];

  for (const key of Object.keys(body)) {
    if (!KNOWN_PARAMS.has(key)) errors.push(`${key}: Extra inputs are not permitted`);
  }
  if (typeof body.model !== 'string' || body.model === '') errors.push('model: Field required');
  const maxTokens = body.max_tokens;
  if (maxTokens === undefined) errors.push('max_tokens: Field required');
  else if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 0) {
    errors.push('max_tokens: Input should be a valid integer greater than or equal to 0');
  }
  if (body.stream !== undefined && typeof body.stream !== 'boolean') errors.push('stream: Input should be a valid boolean');
  for (const k of ['temperature', 'top_p'] as const) {
    const v = body[k];
    if (v !== undefined && (typeof v !== 'number' || v < 0 || v > 1)) errors.push(`${k}: Input should be less than or equal to 1`);
  }
  if (body.top_k !== undefined && (typeof body.top_k !== 'number' || !Number.isInteger(body.top_k) || body.top_k < 0)) {
    errors.push('top_k: Input should be a valid integer');
  }
  if (body.stop_sequences !== undefined) {
    if (!Array.isArray(body.stop_sequences) || !body.stop_sequences.every((s) => typeof s === 'string')) {
      errors.push('stop_sequences: Input should be a valid list of strings');
    } else if (body.stop_sequences.some((s) => (s as string).trim() === '')) {
      errors.push('stop_sequences: each stop sequence must contain non-whitespace');
    }
  }
  if (body.metadata !== undefined) {
    if (!isRec(body.metadata)) errors.push('metadata: Input should be a valid dictionary');
    else {
      for (const k of Object.keys(body.metadata)) if (k !== 'user_id') errors.push(`metadata.${k}: Extra inputs are not permitted`);
      if (body.metadata.user_id !== undefined && body.metadata.user_id !== null && typeof body.metadata.user_id !== 'string') {
        errors.push('metadata.user_id: Input should be a valid string');
      }
    }
  }
  if (body.output_config !== undefined) validateOutputConfig(body.output_config, errors);

  let breakpoints = 0;
  const countCache = (v: Rec, path: string) => {
    if (v.cache_control === undefined || v.cache_control === null) return;
    breakpoints++;
    const cc = v.cache_control;
    if (!isRec(cc) || cc.type !== 'ephemeral' || (cc.ttl !== undefined && cc.ttl !== '5m' && cc.ttl !== '1h')) {
      errors.push(`${path}.cache_control: Input should be {"type": "ephemeral"}`);
    }
  };

  // system
  if (body.system !== undefined) {
    if (typeof body.system === 'string') {
      // a string system prompt may be empty
    } else if (!Array.isArray(body.system)) {
      errors.push('system: Input should be a valid string or list of text blocks');
    } else {
      body.system.forEach((b: unknown, i) => {
        if (!isRec(b) || b.type !== 'text' || typeof b.text !== 'string') errors.push(`system.${i}: Input should be a text block`);
        else {
          if (b.text.trim() === '') errors.push(`system.${i}.text: text content blocks must contain non-whitespace text`);
          countCache(b, `system.${i}`);
        }
      });
    }
  }

  // tools + tool_choice
  const toolNames = new Set<string>();
  if (body.tools !== undefined) {
    if (!Array.isArray(body.tools)) errors.push('tools: Input should be a valid list');
    else {
      body.tools.forEach((t: unknown, i) => {
        const path = `tools.${i}`;
        if (!isRec(t)) return void errors.push(`${path}: Input should be a valid dictionary`);
        countCache(t, path);
        if (t.type !== undefined && t.type !== null && t.type !== 'custom') {
          if (typeof t.type !== 'string' || !SERVER_TOOL_TYPE.test(t.type))
            errors.push(`${path}.type: Input tag '${String(t.type)}' does not match any of the expected tags`);
          if (typeof t.name !== 'string') errors.push(`${path}.name: Field required`);
          else toolNames.add(t.name);
          return;
        }
        for (const k of Object.keys(t)) if (!CUSTOM_TOOL_KEYS.has(k)) errors.push(`${path}.custom.${k}: Extra inputs are not permitted`);
        if (typeof t.name !== 'string' || !TOOL_NAME.test(t.name)) errors.push(`${path}.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'`);
        else if (toolNames.has(t.name)) errors.push(`tools: Tool names must be unique (${t.name})`);
        else toolNames.add(t.name);
        if (!isRec(t.input_schema)) errors.push(`${path}.custom.input_schema: Field required`);
        else if (t.input_schema.type !== 'object') errors.push(`${path}.custom.input_schema.type: Input should be 'object'`);
        else
          for (const k of ['anyOf', 'oneOf', 'allOf']) {
            if (k in t.input_schema) errors.push(`${path}.custom.input_schema: input_schema does not support oneOf, allOf, or anyOf at the top level`);
          }
        if (t.description !== undefined && typeof t.description !== 'string') errors.push(`${path}.custom.description: Input should be a valid string`);
      });
    }
  }
  const tc = body.tool_choice;
  if (tc !== undefined) {
    if (!isRec(tc)) errors.push('tool_choice: Input should be a valid dictionary or object to extract fields from');
    else if (!['auto', 'any', 'tool', 'none'].includes(String(tc.type))) {
      errors.push(`tool_choice: Input tag '${String(tc.type)}' found using 'type' does not match any of the expected tags: 'auto', 'any', 'tool', 'none'`);
    } else {
      if (toolNames.size === 0) errors.push('tool_choice: tool_choice may only be specified while providing tools');
      if (tc.type === 'tool' && (typeof tc.name !== 'string' || !toolNames.has(tc.name)))
        errors.push(`tool_choice.tool.name: tool ${String(tc.name)} not found in tools`);
      if (tc.disable_parallel_tool_use !== undefined && typeof tc.disable_parallel_tool_use !== 'boolean') {
        errors.push('tool_choice.disable_parallel_tool_use: Input should be a valid boolean');
      }
      if (tc.type === 'none' && 'disable_parallel_tool_use' in tc) errors.push('tool_choice.none.disable_parallel_tool_use: Extra inputs are not permitted');
    }
  }

  // thinking
  let thinkingOn = false;
  const th = body.thinking;
  if (th !== undefined) {
    if (!isRec(th)) errors.push('thinking: Input should be a valid dictionary');
    else if (th.type === 'enabled') {
      thinkingOn = true;
      const b = th.budget_tokens;
      if (typeof b !== 'number' || !Number.isInteger(b)) errors.push('thinking.enabled.budget_tokens: Field required');
      else {
        if (b < 1024) errors.push('thinking.enabled.budget_tokens: Input should be greater than or equal to 1024');
        if (typeof maxTokens === 'number' && maxTokens <= b)
          errors.push(
            '`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking#max-tokens-and-context-window-size',
          );
      }
    } else if (th.type === 'adaptive') {
      thinkingOn = true;
      if ('budget_tokens' in th) errors.push('thinking.adaptive.budget_tokens: Extra inputs are not permitted');
    } else if (th.type !== 'disabled') {
      errors.push(`thinking: Input tag '${String(th.type)}' found using 'type' does not match any of the expected tags: 'enabled', 'disabled', 'adaptive'`);
    }
  }
  if (thinkingOn) {
    if (body.temperature !== undefined)
      errors.push(
        '`temperature` may only be set to 1 when thinking is enabled. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking#feature-compatibility',
      );
    if (body.top_k !== undefined) errors.push('`top_k` is not supported when thinking is enabled.');
    if (typeof body.top_p === 'number' && body.top_p < 0.95) errors.push('`top_p` must be greater than or equal to 0.95 or unset when thinking is enabled.');
    if (isRec(tc) && (tc.type === 'any' || tc.type === 'tool')) errors.push('Thinking may not be enabled when tool_choice forces tool use.');
  }

  // messages
  const msgs = body.messages;
  if (!Array.isArray(msgs)) {
    errors.push('messages: Field required');
  } else if (msgs.length === 0) {
    errors.push('messages: at least one message is required');
  } else {
    validateMessages(msgs, errors, countCache, thinkingOn);
  }
  if (breakpoints > 4) errors.push(`A maximum of 4 blocks with cache_control may be provided. Found ${breakpoints}.`);
  return errors;
}

function validateOutputConfig(oc: unknown, errors: string[]): void {
  if (!isRec(oc)) return void errors.push('output_config: Input should be a valid dictionary');
  for (const k of Object.keys(oc)) if (k !== 'effort' && k !== 'format') errors.push(`output_config.${k}: Extra inputs are not permitted`);
  if (oc.effort !== undefined && oc.effort !== null && !['low', 'medium', 'high', 'xhigh', 'max'].includes(String(oc.effort))) {
    errors.push("output_config.effort: Input should be 'low', 'medium', 'high', 'xhigh' or 'max'");
  }
  if (oc.format !== undefined && oc.format !== null && (!isRec(oc.format) || oc.format.type !== 'json_schema' || !isRec(oc.format.schema))) {
    errors.push('output_config.format: Input should be {"type": "json_schema", "schema": {...}}');
  }
}

function validateMessages(msgs: unknown[], errors: string[], countCache: (v: Rec, path: string) => void, thinkingOn: boolean): void {
  const roles: string[] = [];
  const toolUses: string[][] = [];
  msgs.forEach((m: unknown, i) => {
    const path = `messages.${i}`;
    roles.push('');
    toolUses.push([]);
    if (!isRec(m)) return void errors.push(`${path}: Input should be a valid dictionary`);
    for (const k of Object.keys(m)) if (k !== 'role' && k !== 'content') errors.push(`${path}.${k}: Extra inputs are not permitted`);
    if (m.role !== 'user' && m.role !== 'assistant') return void errors.push(`${path}.role: Input should be 'user' or 'assistant'`);
    roles[i] = m.role;
    if (i === 0 && m.role !== 'user') errors.push('messages: first message must use the "user" role');
    if (i > 0 && roles[i - 1] === m.role) {
      errors.push(`messages: roles must alternate between "user" and "assistant", but found multiple "${m.role}" roles in a row`);
    }
    const content = m.content;
    if (typeof content === 'string') {
      if (content === '' && !(m.role === 'assistant' && i === msgs.length - 1)) errors.push(`${path}: text content blocks must be non-empty`);
      return;
    }
    if (!Array.isArray(content)) return void errors.push(`${path}.content: Input should be a valid string or list`);
    if (content.length === 0 && !(m.role === 'assistant' && i === msgs.length - 1)) {
      errors.push(`${path}: all messages must have non-empty content except for the optional final assistant message`);
    }
    const allowed = m.role === 'user' ? USER_BLOCKS : ASSISTANT_BLOCKS;
    content.forEach((b: unknown, j) => {
      const bpath = `${path}.content.${j}`;
      if (!isRec(b) || typeof b.type !== 'string') return void errors.push(`${bpath}: Input should be a content block`);
      if (!allowed.has(b.type)) return void errors.push(`${bpath}.type: '${b.type}' blocks are not allowed in ${m.role} messages`);
      countCache(b, bpath);
      validateBlock(b, bpath, errors, countCache);
      if (b.type === 'tool_use' && typeof b.id === 'string') toolUses[i].push(b.id);
    });
  });

  // tool_use / tool_result pairing
  msgs.forEach((m: unknown, i) => {
    if (!isRec(m) || m.role !== 'user') return;
    const expected = i > 0 && roles[i - 1] === 'assistant' ? toolUses[i - 1] : [];
    if (!Array.isArray(m.content)) {
      if (expected.length > 0) {
        errors.push(
          `messages.${i - 1}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${expected.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`,
        );
      }
      return;
    }
    const content = m.content as unknown[];
    const leading: string[] = [];
    let sawOther = false;
    content.forEach((b: unknown, j) => {
      if (!isRec(b)) return;
      if (b.type === 'tool_result') {
        const id = String(b.tool_use_id);
        if (!expected.includes(id)) {
          errors.push(
            `messages.${i}.content.${j}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${id}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`,
          );
        }
        if (!sawOther) leading.push(id);
      } else {
        sawOther = true;
      }
    });
    const missing = expected.filter((id) => !leading.includes(id));
    if (missing.length > 0) {
      errors.push(
        content.some((b) => isRec(b) && b.type === 'tool_result')
          ? `messages.${i}: Did not find ${expected.length} \`tool_result\` block(s) at the beginning of this message. Messages following \`tool_use\` blocks must begin with a matching number of \`tool_result\` blocks.`
          : `messages.${i - 1}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`,
      );
    }
  });
  // An assistant turn with tool_use must be followed by the user's results (unless it is last).
  msgs.forEach((m: unknown, i) => {
    if (toolUses[i].length > 0 && i + 1 < msgs.length && roles[i + 1] !== 'user') {
      errors.push(`messages.${i}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${toolUses[i].join(', ')}.`);
    }
  });

  if (thinkingOn) {
    // The current tool loop: assistant turns after the last user turn that is not only tool results.
    let start = 0;
    for (let i = msgs.length - 1; i >= 0; i--) {
      const m = msgs[i];
      if (isRec(m) && m.role === 'user' && !(Array.isArray(m.content) && m.content.some((b) => isRec(b) && b.type === 'tool_result'))) {
        start = i + 1;
        break;
      }
    }
    for (let i = start; i < msgs.length; i++) {
      const m = msgs[i];
      if (!isRec(m) || m.role !== 'assistant') continue;
      if (toolUses[i].length === 0 && i !== msgs.length - 1) continue;
      const first = Array.isArray(m.content) ? m.content[0] : undefined;
      const ok =
        isRec(first) && ((first.type === 'thinking' && typeof first.signature === 'string' && first.signature !== '') || first.type === 'redacted_thinking');
      if (!ok) {
        errors.push(
          `messages.${i}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`${isRec(first) ? String(first.type) : 'nothing'}\`. When \`thinking\` is enabled, a final \`assistant\` message must start with a thinking block (preceeding the lastmost set of \`tool_use\` and \`tool_result\` blocks). We recommend you include thinking blocks from previous turns. To avoid this requirement, disable \`thinking\`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking`,
        );
      }
    }
  }
}

function validateSource(s: unknown, path: string, kind: 'image' | 'document', errors: string[]): void {
  if (!isRec(s)) return void errors.push(`${path}: Field required`);
  switch (s.type) {
    case 'base64':
      if (typeof s.data !== 'string' || s.data === '') errors.push(`${path}.data: Field required`);
      if (kind === 'image' && !IMAGE_TYPES.has(String(s.media_type))) {
        errors.push(`${path}.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'`);
      }
      if (kind === 'document' && s.media_type !== 'application/pdf') errors.push(`${path}.media_type: Input should be 'application/pdf'`);
      return;
    case 'url':
      if (typeof s.url !== 'string' || !/^https?:\/\//.test(s.url)) errors.push(`${path}.url: Input should be a valid URL`);
      return;
    case 'file':
      if (typeof s.file_id !== 'string') errors.push(`${path}.file_id: Field required`);
      return;
    case 'text':
      if (kind !== 'document') break;
      if (s.media_type !== 'text/plain' || typeof s.data !== 'string') errors.push(`${path}: text sources need media_type 'text/plain' and data`);
      return;
    case 'content':
      if (kind !== 'document') break;
      if (!Array.isArray(s.content)) errors.push(`${path}.content: Field required`);
      return;
  }
  errors.push(`${path}.type: Input tag '${String(s.type)}' does not match any of the expected tags`);
}

function validateText(b: Rec, path: string, errors: string[]): void {
  if (typeof b.text !== 'string') errors.push(`${path}.text: Field required`);
  else if (b.text === '') errors.push(`${path}: text content blocks must be non-empty`);
  else if (b.text.trim() === '') errors.push(`${path}: text content blocks must contain non-whitespace text`);
}

function validateBlock(b: Rec, path: string, errors: string[], countCache: (v: Rec, path: string) => void): void {
  switch (b.type) {
    case 'text':
      return validateText(b, path, errors);
    case 'image':
      return validateSource(b.source, `${path}.source`, 'image', errors);
    case 'document':
      return validateSource(b.source, `${path}.source`, 'document', errors);
    case 'tool_use':
      if (typeof b.id !== 'string' || !TOOL_ID.test(b.id)) errors.push(`${path}.id: String should match pattern '^[a-zA-Z0-9_-]+$'`);
      if (typeof b.name !== 'string' || b.name === '') errors.push(`${path}.name: Field required`);
      if (!isRec(b.input)) errors.push(`${path}.input: Input should be a valid dictionary`);
      return;
    case 'tool_result':
      if (typeof b.tool_use_id !== 'string' || !TOOL_ID.test(b.tool_use_id)) errors.push(`${path}.tool_use_id: String should match pattern '^[a-zA-Z0-9_-]+$'`);
      if (b.is_error !== undefined && typeof b.is_error !== 'boolean') errors.push(`${path}.is_error: Input should be a valid boolean`);
      if (Array.isArray(b.content)) {
        b.content.forEach((c: unknown, k) => {
          const cpath = `${path}.content.${k}`;
          if (!isRec(c)) return void errors.push(`${cpath}: Input should be a content block`);
          countCache(c, cpath);
          if (c.type === 'text') validateText(c, cpath, errors);
          else if (c.type === 'image') validateSource(c.source, `${cpath}.source`, 'image', errors);
          else if (c.type === 'document') validateSource(c.source, `${cpath}.source`, 'document', errors);
          else if (c.type !== 'search_result' && c.type !== 'tool_reference')
            errors.push(`${cpath}.type: '${String(c.type)}' is not allowed in tool_result content`);
        });
      } else if (b.content !== undefined && typeof b.content !== 'string') {
        errors.push(`${path}.content: Input should be a valid string or list`);
      }
      return;
    case 'thinking':
      if (typeof b.thinking !== 'string') errors.push(`${path}.thinking: Field required`);
      if (typeof b.signature !== 'string' || b.signature === '') errors.push(`${path}.signature: Invalid \`signature\` in \`thinking\` block`);
      return;
    case 'redacted_thinking':
      if (typeof b.data !== 'string' || b.data === '') errors.push(`${path}.data: Field required`);
      return;
  }
}

// ---------------------------------------------------------------- rendering

let counter = 0;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** Ids of the real shape (`msg_01` + 22 base62), deterministic per process. */
function mockId(prefix: string): string {
  let n = ++counter * 7919 + 104729;
  let s = '';
  while (s.length < 22) {
    s += BASE62[n % 62];
    n = Math.floor(n / 62) + s.length * 31;
  }
  return prefix + s;
}

function stopReason(reply: MockReply): string {
  switch (reply.finish) {
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
      return 'tool_use';
    case 'content_filter':
      return 'refusal';
    case 'stop':
      return 'end_turn';
    default:
      return reply.toolCalls?.length ? 'tool_use' : 'end_turn';
  }
}

function wireUsage(reply: MockReply): { input: number; output: number; cacheRead: number; cacheCreation: number; reasoning?: number } {
  const u = reply.usage;
  const words = (reply.text ?? '').split(/\s+/).filter(Boolean).length;
  const cacheRead = u?.cacheRead ?? 0;
  const cacheCreation = u?.cacheCreation ?? 0;
  return {
    input: Math.max(0, (u?.input ?? 12) - cacheRead - cacheCreation),
    output: u?.output ?? words + 1,
    cacheRead,
    cacheCreation,
    reasoning: u?.reasoning,
  };
}

function splitText(text: string, chunks: number | undefined): string[] {
  if (text === '') return [];
  if (chunks && chunks > 0) {
    const size = Math.ceil(text.length / chunks);
    const out: string[] = [];
    for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
    return out;
  }
  return text.match(/\S+\s*|\s+/g) ?? [text];
}

function splitJson(json: string): string[] {
  if (json.length < 8) return [json];
  const a = Math.floor(json.length / 3);
  const b = Math.floor((2 * json.length) / 3);
  return [json.slice(0, a), json.slice(a, b), json.slice(b)];
}

function frame(payload: Rec): string {
  return `event: ${String(payload.type)}\ndata: ${JSON.stringify(payload)}\n\n`;
}

function requestId(): string {
  return mockId('req_011C');
}

function renderReply(reply: MockReply, stream: boolean): RenderedReply {
  const u = wireUsage(reply);
  const stop = stopReason(reply);
  const usageFull: Rec = {
    input_tokens: u.input,
    cache_creation_input_tokens: u.cacheCreation,
    cache_read_input_tokens: u.cacheRead,
    cache_creation: { ephemeral_5m_input_tokens: u.cacheCreation, ephemeral_1h_input_tokens: 0 },
    output_tokens: u.output,
  };
  if (u.reasoning !== undefined) usageFull.output_tokens_details = { thinking_tokens: u.reasoning };
  usageFull.service_tier = 'standard';
  const id = mockId('msg_01');

  if (!stream) {
    const content: Rec[] = [];
    if (reply.reasoning !== undefined) content.push({ type: 'thinking', thinking: reply.reasoning, signature: `sig-${reply.reasoning.length}` });
    if (reply.text) content.push({ type: 'text', text: reply.text });
    for (const tc of reply.toolCalls ?? []) content.push({ type: 'tool_use', id: tc.id, name: tc.name, input: tc.arguments });
    const body = { model: reply.model, id, type: 'message', role: 'assistant', content, stop_reason: stop, stop_sequence: null, usage: usageFull };
    return { status: 200, headers: { 'content-type': 'application/json', 'request-id': requestId() }, body: JSON.stringify(body) };
  }

  const frames: string[] = [];
  let contentEvents = 0;
  let cut: 'break' | 'error' | undefined;
  const limitHit = (): boolean => {
    contentEvents++;
    if (reply.breakAfter !== undefined && contentEvents >= reply.breakAfter) cut = 'break';
    else if (reply.errorAfter !== undefined && contentEvents >= reply.errorAfter) cut = 'error';
    return cut !== undefined;
  };
  frames.push(
    frame({
      type: 'message_start',
      message: {
        model: reply.model,
        id,
        type: 'message',
        role: 'assistant',
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...usageFull, output_tokens: 1 },
      },
    }),
  );
  let index = 0;
  let pinged = false;
  const startBlock = (block: Rec) => {
    frames.push(frame({ type: 'content_block_start', index, content_block: block }));
    if (!pinged) {
      frames.push(frame({ type: 'ping' }));
      pinged = true;
    }
  };
  const delta = (d: Rec): boolean => {
    frames.push(frame({ type: 'content_block_delta', index, delta: d }));
    return limitHit();
  };
  const stopBlock = () => frames.push(frame({ type: 'content_block_stop', index: index++ }));

  run: {
    if (reply.reasoning !== undefined) {
      startBlock({ type: 'thinking', thinking: '', signature: '' });
      for (const piece of splitText(reply.reasoning, reply.chunks)) if (delta({ type: 'thinking_delta', thinking: piece })) break run;
      frames.push(frame({ type: 'content_block_delta', index, delta: { type: 'signature_delta', signature: `sig-${reply.reasoning.length}` } }));
      stopBlock();
    }
    if (reply.text) {
      startBlock({ type: 'text', text: '' });
      for (const piece of splitText(reply.text, reply.chunks)) if (delta({ type: 'text_delta', text: piece })) break run;
      stopBlock();
    }
    for (const tc of reply.toolCalls ?? []) {
      startBlock({ type: 'tool_use', id: tc.id, name: tc.name, input: {} });
      frames.push(frame({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: '' } }));
      const json = Object.keys(tc.arguments).length === 0 ? '' : JSON.stringify(tc.arguments);
      for (const piece of json ? splitJson(json) : []) if (delta({ type: 'input_json_delta', partial_json: piece })) break run;
      stopBlock();
    }
    const endUsage: Rec = {
      input_tokens: u.input,
      cache_creation_input_tokens: u.cacheCreation,
      cache_read_input_tokens: u.cacheRead,
      output_tokens: u.output,
    };
    if (u.reasoning !== undefined) endUsage.output_tokens_details = { thinking_tokens: u.reasoning };
    frames.push(frame({ type: 'message_delta', delta: { stop_reason: stop, stop_sequence: null }, usage: endUsage }));
    frames.push(frame({ type: 'message_stop' }));
  }
  if (cut === 'error') {
    frames.push(frame({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }));
  }
  return {
    status: 200,
    headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'request-id': requestId() },
    body: frames,
    ...(cut === 'break' ? { destroy: true } : {}),
  };
}

function errorType(status: number): string {
  switch (status) {
    case 400:
      return 'invalid_request_error';
    case 401:
      return 'authentication_error';
    case 402:
      return 'billing_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 504:
      return 'timeout_error';
    case 503:
    case 529:
      return 'overloaded_error';
    default:
      return status >= 500 ? 'api_error' : 'invalid_request_error';
  }
}

function renderError(err: MockErrorReply): RenderedReply {
  const rid = requestId();
  const headers: Record<string, string> = { 'content-type': 'application/json', 'request-id': rid };
  if (err.retryAfter !== undefined) headers['retry-after'] = err.retryAfter;
  if (err.status === 429 || err.status >= 500) headers['x-should-retry'] = 'true';
  const body = { type: 'error', error: { type: err.type ?? errorType(err.status), message: err.message }, request_id: rid };
  return { status: err.status, headers, body: JSON.stringify(body) };
}

export const anthropicMock: StrictMockFormat = {
  validateRequest: validate,
  renderReply,
  renderError,
};
