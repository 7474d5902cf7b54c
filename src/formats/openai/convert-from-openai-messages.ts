import type { AssistantPart, CacheControl, Message, SystemBlock, ToolResultContent, ToolResultPart } from '../../ir/types.js';
import { badRequest } from '../../util/errors.js';
import { mediaSourceFromUrl, mediaTypeForFilename, parseDataUrl } from '../../util/media.js';
import { syntheticCallId } from './ids.js';
import { argumentsText, isRecord, str, type JsonRecord } from './wire.js';

const MESSAGE_ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool', 'function']);

/**
 * Chat Completions `messages` → hub system blocks and messages.
 *
 * System and developer messages go to the hub's system prompt in order (their position among
 * the turns is not kept: the hub has one system prompt). Consecutive tool messages become one
 * hub tool message; assistant turns with nothing in them are dropped, so that formats which
 * require non-empty turns are not handed one.
 */
export function convertFromOpenAIMessages(raw: unknown): { system: SystemBlock[]; messages: Message[] } {
  if (!Array.isArray(raw)) throw badRequest("'messages' must be an array", 'messages');
  if (raw.length === 0) throw badRequest("'messages' must contain at least one message", 'messages');
  const system: SystemBlock[] = [];
  const messages: Message[] = [];
  // Tool results carry no function name on the wire; Gemini needs it, so recover it from the call.
  const callNames = new Map<string, string>();
  // Legacy `function` messages answer the latest unanswered function_call of that name.
  const legacyIds = new Map<string, string>();

  for (let i = 0; i < raw.length; i++) {
    const m: unknown = raw[i];
    const path = `messages[${i}]`;
    if (!isRecord(m)) throw badRequest(`'${path}' must be an object`, path);
    const role = m.role;
    if (typeof role !== 'string' || !MESSAGE_ROLES.has(role)) {
      throw badRequest(`'${path}.role' must be one of system, developer, user, assistant, tool, function (got ${JSON.stringify(role)})`, `${path}.role`);
    }
    const name = str(m.name);
    switch (role) {
      case 'system':
      case 'developer':
        for (const block of systemBlocks(m.content, `${path}.content`)) {
          block.role = role;
          system.push(block);
        }
        break;
      case 'user': {
        const msg: Message = { role: 'user', parts: userParts(m.content, `${path}.content`) };
        if (name) msg.name = name;
        messages.push(msg);
        break;
      }
      case 'assistant': {
        const parts = assistantParts(m, path, callNames, legacyIds);
        if (parts.length === 0) break;
        const msg: Message = { role: 'assistant', parts };
        if (name) msg.name = name;
        messages.push(msg);
        break;
      }
      case 'tool': {
        const id = m.tool_call_id;
        if (typeof id !== 'string' || id === '') {
          throw badRequest(`'${path}.tool_call_id' must be a non-empty string`, `${path}.tool_call_id`);
        }
        pushToolResult(messages, {
          type: 'tool_result',
          toolCallId: id,
          ...nameField(callNames.get(id) ?? name),
          content: toolResultContent(m.content, `${path}.content`),
        });
        break;
      }
      case 'function': {
        if (!name) throw badRequest(`'${path}.name' is required for role 'function'`, `${path}.name`);
        const id = legacyIds.get(name) ?? syntheticCallId();
        legacyIds.delete(name);
        pushToolResult(messages, {
          type: 'tool_result',
          toolCallId: id,
          name,
          content: toolResultContent(m.content, `${path}.content`),
        });
        break;
      }
    }
  }
  return { system, messages };
}

function nameField(name: string | undefined): { name?: string } {
  return name ? { name } : {};
}

function pushToolResult(messages: Message[], part: ToolResultPart): void {
  const last = messages[messages.length - 1];
  if (last && last.role === 'tool') last.parts.push(part);
  else messages.push({ role: 'tool', parts: [part] });
}

/** OpenRouter-style `cache_control` on content parts survives into the hub (Anthropic downstreams use it). */
function cacheControlOf(p: JsonRecord): CacheControl | undefined {
  const cc = p.cache_control;
  if (!isRecord(cc) || cc.type !== 'ephemeral') return undefined;
  return cc.ttl === '5m' || cc.ttl === '1h' ? { type: 'ephemeral', ttl: cc.ttl } : { type: 'ephemeral' };
}

function systemBlocks(content: unknown, path: string): SystemBlock[] {
  if (typeof content === 'string') return [{ text: content }];
  if (!Array.isArray(content)) throw badRequest(`'${path}' must be a string or an array of text parts`, path);
  const out: SystemBlock[] = [];
  for (let j = 0; j < content.length; j++) {
    const p: unknown = content[j];
    const pp = `${path}[${j}]`;
    if (!isRecord(p) || p.type !== 'text' || typeof p.text !== 'string') {
      throw badRequest(`'${pp}' must be a text part ({type:'text', text})`, pp);
    }
    const block: SystemBlock = { text: p.text };
    const cc = cacheControlOf(p);
    if (cc) block.cacheControl = cc;
    out.push(block);
  }
  return out;
}

function userParts(content: unknown, path: string): ToolResultContent[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (!Array.isArray(content)) throw badRequest(`'${path}' must be a string or an array of content parts`, path);
  const out: ToolResultContent[] = [];
  for (let j = 0; j < content.length; j++) out.push(contentPart(content[j], `${path}[${j}]`, false));
  return out;
}

/** One user (or tool) content part: text, image_url, file. */
function contentPart(p: unknown, path: string, inTool: boolean): ToolResultContent {
  if (!isRecord(p)) throw badRequest(`'${path}' must be an object`, path);
  const cc = cacheControlOf(p);
  switch (p.type) {
    case 'text': {
      if (typeof p.text !== 'string') throw badRequest(`'${path}.text' must be a string`, `${path}.text`);
      return cc ? { type: 'text', text: p.text, cacheControl: cc } : { type: 'text', text: p.text };
    }
    case 'image_url': {
      // Some clients send the URL as a bare string instead of {url, detail}.
      const img = p.image_url;
      const url = typeof img === 'string' ? img : isRecord(img) ? img.url : undefined;
      if (typeof url !== 'string' || url === '') {
        throw badRequest(`'${path}.image_url.url' must be a non-empty string`, `${path}.image_url.url`);
      }
      const source = mediaSourceFromUrl(url);
      if (!source) {
        throw badRequest(`'${path}.image_url.url' must be an http(s) URL or a base64 data URL`, `${path}.image_url.url`);
      }
      const part: ToolResultContent = { type: 'image', source };
      const detail = isRecord(img) ? img.detail : undefined;
      if (detail === 'auto' || detail === 'low' || detail === 'high') part.detail = detail;
      if (cc) part.cacheControl = cc;
      return part;
    }
    case 'file': {
      const f = p.file;
      if (!isRecord(f)) throw badRequest(`'${path}.file' must be an object`, `${path}.file`);
      const filename = str(f.filename);
      const data = str(f.file_data);
      const fileId = str(f.file_id);
      let part: ToolResultContent;
      if (data) {
        const parsed = parseDataUrl(data);
        part = {
          type: 'document',
          source: parsed
            ? { kind: 'base64', mediaType: parsed.mediaType, data: parsed.data }
            : { kind: 'base64', mediaType: mediaTypeForFilename(filename), data },
        };
      } else if (fileId) {
        part = { type: 'document', source: { kind: 'file_id', fileId } };
      } else {
        throw badRequest(`'${path}.file' needs file_data or file_id`, `${path}.file`);
      }
      if (filename) part.filename = filename;
      if (cc) part.cacheControl = cc;
      return part;
    }
    case 'input_audio':
      // The hub has no audio part and no other format could carry it: say so rather than drop it.
      throw badRequest(`'${path}': input_audio content is not supported by this gateway`, `${path}.type`);
    default:
      throw badRequest(`'${path}.type' must be ${inTool ? "'text'" : "'text', 'image_url' or 'file'"} (got ${JSON.stringify(p.type)})`, `${path}.type`);
  }
}

function toolResultContent(content: unknown, path: string): ToolResultContent[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (content === null || content === undefined) return [];
  if (!Array.isArray(content)) throw badRequest(`'${path}' must be a string or an array of text parts`, path);
  const out: ToolResultContent[] = [];
  for (let j = 0; j < content.length; j++) out.push(contentPart(content[j], `${path}[${j}]`, true));
  return out;
}

function assistantParts(m: JsonRecord, path: string, callNames: Map<string, string>, legacyIds: Map<string, string>): AssistantPart[] {
  const parts: AssistantPart[] = [];
  // DeepSeek/xAI spell it reasoning_content; OpenRouter, vLLM and Groq spell it reasoning.
  const reasoning = str(m.reasoning_content) ?? str(m.reasoning);
  if (reasoning) parts.push({ type: 'reasoning', text: reasoning, family: 'openai' });

  const content = m.content;
  if (typeof content === 'string') {
    if (content !== '') parts.push({ type: 'text', text: content });
  } else if (Array.isArray(content)) {
    for (let j = 0; j < content.length; j++) {
      const p: unknown = content[j];
      const pp = `${path}.content[${j}]`;
      if (isRecord(p) && p.type === 'text' && typeof p.text === 'string') {
        const cc = cacheControlOf(p);
        parts.push(cc ? { type: 'text', text: p.text, cacheControl: cc } : { type: 'text', text: p.text });
      } else if (isRecord(p) && p.type === 'refusal' && typeof p.refusal === 'string') {
        parts.push({ type: 'text', text: p.refusal });
      } else {
        throw badRequest(`'${pp}' must be a text or refusal part`, pp);
      }
    }
  } else if (content !== null && content !== undefined) {
    throw badRequest(`'${path}.content' must be a string, an array of parts or null`, `${path}.content`);
  }
  const refusal = str(m.refusal);
  if (refusal) parts.push({ type: 'text', text: refusal });

  const toolCalls = m.tool_calls;
  if (Array.isArray(toolCalls)) {
    for (let j = 0; j < toolCalls.length; j++) {
      const tc: unknown = toolCalls[j];
      const tp = `${path}.tool_calls[${j}]`;
      if (!isRecord(tc)) throw badRequest(`'${tp}' must be an object`, tp);
      if (tc.type !== undefined && tc.type !== 'function') {
        throw badRequest(`'${tp}.type' must be 'function' (got ${JSON.stringify(tc.type)})`, `${tp}.type`);
      }
      const fn = tc.function;
      if (!isRecord(fn) || typeof fn.name !== 'string' || fn.name === '') {
        throw badRequest(`'${tp}.function.name' must be a non-empty string`, `${tp}.function.name`);
      }
      const id = typeof tc.id === 'string' && tc.id !== '' ? tc.id : syntheticCallId();
      callNames.set(id, fn.name);
      parts.push({ type: 'tool_call', id, name: fn.name, arguments: argumentsText(fn.arguments) });
    }
  } else if (toolCalls !== undefined && toolCalls !== null) {
    throw badRequest(`'${path}.tool_calls' must be an array`, `${path}.tool_calls`);
  }

  const fc = m.function_call;
  if (isRecord(fc) && typeof fc.name === 'string' && fc.name !== '') {
    const id = syntheticCallId();
    legacyIds.set(fc.name, id);
    callNames.set(id, fc.name);
    parts.push({ type: 'tool_call', id, name: fc.name, arguments: argumentsText(fc.arguments) });
  }
  return parts;
}
