import type {
  CacheControl,
  DocumentPart,
  FunctionTool,
  ImagePart,
  MediaSource,
  Message,
  Part,
  ProviderPart,
  ReasoningConfig,
  ReasoningEffort,
  Request,
  SystemBlock,
  TextPart,
  Tool,
  ToolChoice,
  ToolResultContent,
  ToolResultPart,
} from '../../ir/types.js';
import { badRequest } from '../../util/errors.js';
import { isRecord, num, str, type JsonRecord } from './wire.js';

/**
 * Messages API request (client side) → hub Request.
 *
 * A user turn is split at its tool_result blocks: the results become a hub `tool` message
 * and the rest a `user` message, in their original order. Server-tool blocks
 * (server_tool_use, web_search_tool_result, ...) have no hub part; they ride along as
 * `providerParts` so an Anthropic-to-Anthropic trip keeps them and other targets drop them.
 * Top-level fields with no hub equivalent go to `extras`; `thinking` and `output_config`
 * are decoded for other targets and also kept raw in `extras` when the hub cannot express
 * them exactly (adaptive thinking, effort `max`, native structured output).
 */
export function decodeAnthropicRequest(body: unknown): Request {
  if (!isRecord(body)) throw badRequest('Request body must be a JSON object');
  const model = body.model;
  if (typeof model !== 'string' || model === '') throw badRequest('model: Field required (a non-empty string)', 'model');
  if (!Array.isArray(body.messages)) throw badRequest('messages: Field required (an array of messages)', 'messages');

  const req: Request = {
    model,
    system: decodeSystem(body.system),
    messages: decodeMessages(body.messages),
    stream: false,
    sourceFormat: 'anthropic',
  };
  let extras: JsonRecord | undefined;
  let effort: ReasoningEffort | undefined;

  for (const key of Object.keys(body)) {
    const v = body[key];
    if (v === undefined || v === null) continue;
    switch (key) {
      case 'model':
      case 'messages':
      case 'system':
        break;
      case 'max_tokens':
        req.maxTokens = integerAtLeast(v, key, 0);
        break;
      case 'stream':
        if (typeof v !== 'boolean') throw badRequest('stream: Input should be a valid boolean', key);
        req.stream = v;
        break;
      case 'temperature':
        req.temperature = numberIn(v, key, 0, 1);
        break;
      case 'top_p':
        req.topP = numberIn(v, key, 0, 1);
        break;
      case 'top_k':
        req.topK = integerAtLeast(v, key, 0);
        break;
      case 'stop_sequences':
        if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) {
          throw badRequest('stop_sequences: Input should be a list of strings', key);
        }
        req.stop = v as string[];
        break;
      case 'tools':
        req.tools = decodeTools(v);
        break;
      case 'tool_choice': {
        const { choice, parallel } = decodeToolChoice(v);
        req.toolChoice = choice;
        if (parallel === false) req.parallelToolCalls = false;
        break;
      }
      case 'thinking': {
        const { reasoning, keepRaw } = decodeThinking(v);
        req.reasoning = reasoning;
        if (keepRaw) (extras ??= {}).thinking = v;
        break;
      }
      case 'metadata': {
        if (!isRecord(v)) throw badRequest('metadata: Input should be an object', key);
        const user = v.user_id;
        if (user !== undefined && user !== null) {
          if (typeof user !== 'string') throw badRequest('metadata.user_id: Input should be a valid string', 'metadata.user_id');
          req.user = user;
        }
        break;
      }
      case 'output_config': {
        if (!isRecord(v)) throw badRequest('output_config: Input should be an object', key);
        effort = decodeEffort(v.effort);
        const format = decodeOutputFormat(v.format, 'output_config.format');
        if (format) req.responseFormat = format;
        (extras ??= {}).output_config = v;
        break;
      }
      case 'output_format': {
        // The structured-outputs beta spelling, still accepted by the API during its transition.
        const format = decodeOutputFormat(v, 'output_format');
        if (format && !req.responseFormat) req.responseFormat = format;
        (extras ??= {}).output_format = v;
        break;
      }
      default:
        (extras ??= {})[key] = v;
    }
  }

  if (effort !== undefined) {
    req.reasoning = req.reasoning ? { ...req.reasoning, effort } : { enabled: true, effort };
  }
  if (extras) req.extras = extras;
  return req;
}

function decodeSystem(v: unknown): SystemBlock[] {
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') return v === '' ? [] : [{ text: v }];
  if (!Array.isArray(v)) throw badRequest('system: Input should be a string or a list of text blocks', 'system');
  const out: SystemBlock[] = [];
  for (let i = 0; i < v.length; i++) {
    const b: unknown = v[i];
    const path = `system.${i}`;
    if (!isRecord(b) || b.type !== 'text' || typeof b.text !== 'string') {
      throw badRequest(`${path}: Input should be a text block {type: "text", text}`, path);
    }
    const block: SystemBlock = { text: b.text };
    const cc = decodeCacheControl(b.cache_control, path);
    if (cc) block.cacheControl = cc;
    out.push(block);
  }
  return out;
}

function decodeMessages(list: unknown[]): Message[] {
  const out: Message[] = [];
  for (let i = 0; i < list.length; i++) {
    const m: unknown = list[i];
    const path = `messages.${i}`;
    if (!isRecord(m)) throw badRequest(`${path}: Input should be an object`, path);
    const role = m.role;
    if (role !== 'user' && role !== 'assistant') {
      throw badRequest(`${path}.role: Input should be 'user' or 'assistant'`, `${path}.role`);
    }
    const content = m.content;
    if (typeof content === 'string') {
      out.push({ role, parts: [{ type: 'text', text: content }] });
      continue;
    }
    if (!Array.isArray(content)) {
      throw badRequest(`${path}.content: Input should be a string or a list of content blocks`, `${path}.content`);
    }
    if (role === 'assistant') out.push(decodeAssistantTurn(content, path));
    else decodeUserTurn(content, path, out);
  }
  return out;
}

/** One user turn → alternating hub user/tool messages, keeping block order. */
function decodeUserTurn(content: unknown[], path: string, out: Message[]): void {
  let current: Message | undefined;
  const messageFor = (role: 'user' | 'tool'): Message => {
    if (!current || current.role !== role) {
      current = { role, parts: [] };
      out.push(current);
    }
    return current;
  };
  for (let j = 0; j < content.length; j++) {
    const b: unknown = content[j];
    const bpath = `${path}.content.${j}`;
    const type = blockType(b, bpath);
    const block = b as JsonRecord;
    switch (type) {
      case 'tool_result':
        messageFor('tool').parts.push(decodeToolResult(block, bpath));
        break;
      case 'text':
      case 'image':
      case 'document':
        messageFor('user').parts.push(decodeMediaOrText(type, block, bpath));
        break;
      default: {
        const msg = messageFor('user');
        addProviderPart(msg, block);
      }
    }
  }
  // An empty content list still is a turn the client sent; keep it so positions line up.
  if (content.length === 0) out.push({ role: 'user', parts: [] });
}

function decodeAssistantTurn(content: unknown[], path: string): Message {
  const msg: Message = { role: 'assistant', parts: [] };
  for (let j = 0; j < content.length; j++) {
    const b: unknown = content[j];
    const bpath = `${path}.content.${j}`;
    const type = blockType(b, bpath);
    const block = b as JsonRecord;
    switch (type) {
      case 'text':
        msg.parts.push(decodeText(block, bpath));
        break;
      case 'tool_use': {
        const id = block.id;
        const name = block.name;
        if (typeof id !== 'string') throw badRequest(`${bpath}.id: Field required`, `${bpath}.id`);
        if (typeof name !== 'string') throw badRequest(`${bpath}.name: Field required`, `${bpath}.name`);
        const input = block.input ?? {};
        if (!isRecord(input)) throw badRequest(`${bpath}.input: Input should be an object`, `${bpath}.input`);
        const part: Part = { type: 'tool_call', id, name, arguments: JSON.stringify(input) };
        const cc = decodeCacheControl(block.cache_control, bpath);
        if (cc) part.cacheControl = cc;
        msg.parts.push(part);
        break;
      }
      case 'thinking': {
        const text = block.thinking;
        const signature = block.signature;
        if (typeof text !== 'string') throw badRequest(`${bpath}.thinking: Field required`, `${bpath}.thinking`);
        if (typeof signature !== 'string') throw badRequest(`${bpath}.signature: Field required`, `${bpath}.signature`);
        msg.parts.push({ type: 'reasoning', text, signature, family: 'anthropic' });
        break;
      }
      case 'redacted_thinking': {
        const data = block.data;
        if (typeof data !== 'string') throw badRequest(`${bpath}.data: Field required`, `${bpath}.data`);
        msg.parts.push({ type: 'reasoning', text: '', redactedData: data, family: 'anthropic' });
        break;
      }
      default:
        // Images, documents and tool results have no place in an assistant turn; the API
        // judges them, so they travel as-is with the server-tool blocks.
        addProviderPart(msg, block);
    }
  }
  return msg;
}

function addProviderPart(msg: Message, raw: JsonRecord): void {
  const p: ProviderPart = { format: 'anthropic', index: msg.parts.length, raw };
  (msg.providerParts ??= []).push(p);
}

function blockType(b: unknown, path: string): string {
  if (!isRecord(b) || typeof b.type !== 'string') {
    throw badRequest(`${path}: Input should be a content block with a "type"`, path);
  }
  return b.type;
}

function decodeText(b: JsonRecord, path: string): TextPart {
  if (typeof b.text !== 'string') throw badRequest(`${path}.text: Field required`, `${path}.text`);
  const part: TextPart = { type: 'text', text: b.text };
  const cc = decodeCacheControl(b.cache_control, path);
  if (cc) part.cacheControl = cc;
  return part;
}

function decodeMediaOrText(type: 'text' | 'image' | 'document', b: JsonRecord, path: string): ToolResultContent {
  if (type === 'text') return decodeText(b, path);
  const cc = decodeCacheControl(b.cache_control, path);
  if (type === 'image') {
    const part: ImagePart = { type: 'image', source: decodeSource(b.source, `${path}.source`, 'image') };
    if (cc) part.cacheControl = cc;
    return part;
  }
  const part: DocumentPart = { type: 'document', source: decodeSource(b.source, `${path}.source`, 'document') };
  const title = str(b.title);
  if (title) part.filename = title;
  if (cc) part.cacheControl = cc;
  return part;
}

function decodeSource(v: unknown, path: string, kind: 'image' | 'document'): MediaSource {
  if (!isRecord(v)) throw badRequest(`${path}: Field required`, path);
  switch (v.type) {
    case 'base64': {
      const mediaType = v.media_type;
      const data = v.data;
      if (typeof mediaType !== 'string') throw badRequest(`${path}.media_type: Field required`, `${path}.media_type`);
      if (typeof data !== 'string') throw badRequest(`${path}.data: Field required`, `${path}.data`);
      return { kind: 'base64', mediaType, data };
    }
    case 'url': {
      if (typeof v.url !== 'string') throw badRequest(`${path}.url: Field required`, `${path}.url`);
      return kind === 'document' ? { kind: 'url', url: v.url, mediaType: 'application/pdf' } : { kind: 'url', url: v.url };
    }
    case 'file': {
      if (typeof v.file_id !== 'string') throw badRequest(`${path}.file_id: Field required`, `${path}.file_id`);
      return { kind: 'file_id', fileId: v.file_id };
    }
    case 'text':
      if (kind === 'document' && typeof v.data === 'string') {
        // Plain-text documents travel as base64 text/plain: every hub consumer knows that shape.
        return { kind: 'base64', mediaType: 'text/plain', data: Buffer.from(v.data, 'utf8').toString('base64') };
      }
      break;
    case 'content':
      if (kind === 'document' && Array.isArray(v.content)) {
        const text = v.content
          .map((c: unknown) => (isRecord(c) && typeof c.text === 'string' ? c.text : ''))
          .filter((t) => t !== '')
          .join('\n\n');
        return { kind: 'base64', mediaType: 'text/plain', data: Buffer.from(text, 'utf8').toString('base64') };
      }
      break;
  }
  throw badRequest(`${path}.type: Unsupported ${kind} source type ${JSON.stringify(v.type)}`, `${path}.type`);
}

function decodeToolResult(b: JsonRecord, path: string): ToolResultPart {
  const id = b.tool_use_id;
  if (typeof id !== 'string') throw badRequest(`${path}.tool_use_id: Field required`, `${path}.tool_use_id`);
  const part: ToolResultPart = { type: 'tool_result', toolCallId: id, content: [] };
  const c = b.content;
  if (typeof c === 'string') {
    part.content.push({ type: 'text', text: c });
  } else if (Array.isArray(c)) {
    for (let k = 0; k < c.length; k++) {
      const inner: unknown = c[k];
      const ipath = `${path}.content.${k}`;
      const type = blockType(inner, ipath);
      // search_result / tool_reference blocks have no hub shape: dropped.
      if (type === 'text' || type === 'image' || type === 'document') {
        part.content.push(decodeMediaOrText(type, inner as JsonRecord, ipath));
      }
    }
  } else if (c !== undefined && c !== null) {
    throw badRequest(`${path}.content: Input should be a string or a list of content blocks`, `${path}.content`);
  }
  if (b.is_error === true) part.isError = true;
  const cc = decodeCacheControl(b.cache_control, path);
  if (cc) part.cacheControl = cc;
  return part;
}

function decodeCacheControl(v: unknown, path: string): CacheControl | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isRecord(v) || v.type !== 'ephemeral') {
    throw badRequest(`${path}.cache_control: Input should be {type: "ephemeral"}`, `${path}.cache_control`);
  }
  const ttl = v.ttl;
  if (ttl === undefined || ttl === null) return { type: 'ephemeral' };
  if (ttl !== '5m' && ttl !== '1h') {
    throw badRequest(`${path}.cache_control.ttl: Input should be '5m' or '1h'`, `${path}.cache_control.ttl`);
  }
  return { type: 'ephemeral', ttl };
}

/** Fields of a custom tool the hub models; the rest (defer_loading...) stay in `extras`. */
const HUB_TOOL_FIELDS = new Set(['type', 'name', 'description', 'input_schema', 'cache_control', 'strict']);

function decodeTools(v: unknown): Tool[] {
  if (!Array.isArray(v)) throw badRequest('tools: Input should be a list of tools', 'tools');
  const out: Tool[] = [];
  for (let i = 0; i < v.length; i++) {
    const t: unknown = v[i];
    const path = `tools.${i}`;
    if (!isRecord(t)) throw badRequest(`${path}: Input should be an object`, path);
    if (t.type !== undefined && t.type !== null && t.type !== 'custom') {
      // Server tools (web_search_20250305, bash_20250124, ...) only Anthropic can run.
      out.push({ type: 'provider', format: 'anthropic', raw: t });
      continue;
    }
    if (typeof t.name !== 'string' || t.name === '') throw badRequest(`${path}.name: Field required`, `${path}.name`);
    const schema = t.input_schema;
    if (!isRecord(schema)) throw badRequest(`${path}.input_schema: Field required (an object)`, `${path}.input_schema`);
    const tool: FunctionTool = { type: 'function', name: t.name, parameters: schema };
    const description = str(t.description);
    if (description !== undefined) tool.description = description;
    if (t.strict === true) tool.strict = true;
    const cc = decodeCacheControl(t.cache_control, path);
    if (cc) tool.cacheControl = cc;
    for (const key of Object.keys(t)) {
      if (!HUB_TOOL_FIELDS.has(key) && t[key] !== undefined) (tool.extras ??= {})[key] = t[key];
    }
    out.push(tool);
  }
  return out;
}

function decodeToolChoice(v: unknown): { choice: ToolChoice; parallel?: boolean } {
  if (!isRecord(v)) throw badRequest('tool_choice: Input should be an object {type: ...}', 'tool_choice');
  const parallel = v.disable_parallel_tool_use === true ? false : undefined;
  switch (v.type) {
    case 'auto':
      return { choice: { type: 'auto' }, parallel };
    case 'any':
      return { choice: { type: 'required' }, parallel };
    case 'none':
      return { choice: { type: 'none' } };
    case 'tool':
      if (typeof v.name !== 'string' || v.name === '') throw badRequest('tool_choice.name: Field required', 'tool_choice.name');
      return { choice: { type: 'tool', name: v.name }, parallel };
    default:
      throw badRequest("tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'", 'tool_choice.type');
  }
}

function decodeThinking(v: unknown): { reasoning: ReasoningConfig; keepRaw: boolean } {
  if (!isRecord(v)) throw badRequest('thinking: Input should be an object {type: ...}', 'thinking');
  const exactKeys = Object.keys(v).length;
  switch (v.type) {
    case 'enabled': {
      const budget = integerAtLeast(v.budget_tokens, 'thinking.budget_tokens', 0);
      return { reasoning: { enabled: true, budgetTokens: budget }, keepRaw: exactKeys > 2 };
    }
    case 'disabled':
      return { reasoning: { enabled: false }, keepRaw: false };
    case 'adaptive':
      return { reasoning: { enabled: true }, keepRaw: true };
    default:
      if (typeof v.type !== 'string') throw badRequest('thinking.type: Field required', 'thinking.type');
      // Newer thinking modes (between_tools...) mean "think"; Anthropic gets them back verbatim.
      return { reasoning: { enabled: true }, keepRaw: true };
  }
}

const EFFORTS: Readonly<Record<string, ReasoningEffort>> = {
  low: 'low',
  medium: 'medium',
  high: 'high',
  xhigh: 'xhigh',
  // The hub's top effort; an Anthropic target gets the raw output_config back anyway.
  max: 'xhigh',
};

function decodeEffort(v: unknown): ReasoningEffort | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string' && Object.hasOwn(EFFORTS, v)) return EFFORTS[v];
  throw badRequest("output_config.effort: Input should be 'low', 'medium', 'high', 'xhigh' or 'max'", 'output_config.effort');
}

/** Hub json_schema names follow OpenAI's rule; a schema title that fits becomes the name. */
const SCHEMA_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

function decodeOutputFormat(v: unknown, path: string): Request['responseFormat'] {
  if (v === undefined || v === null) return undefined;
  if (!isRecord(v) || v.type !== 'json_schema' || !isRecord(v.schema)) {
    throw badRequest(`${path}: Input should be {type: "json_schema", schema: {...}}`, path);
  }
  const title = str(v.schema.title);
  return { type: 'json_schema', name: title && SCHEMA_NAME.test(title) ? title : 'response', schema: v.schema, strict: true };
}

function integerAtLeast(v: unknown, field: string, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw badRequest(`${field}: Input should be an integer greater than or equal to ${min}`, field);
  }
  return v;
}

function numberIn(v: unknown, field: string, min: number, max: number): number {
  const n = num(v);
  if (n === undefined || n < min || n > max) {
    throw badRequest(`${field}: Input should be a number between ${min} and ${max}`, field);
  }
  return n;
}
