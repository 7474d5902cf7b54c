import type { ClientRequestContext } from '../types.js';
import type {
  DocumentPart,
  ImagePart,
  Message,
  Part,
  ReasoningConfig,
  ReasoningEffort,
  ReasoningPart,
  Request,
  SystemBlock,
  TextPart,
  ToolResultContent,
} from '../../ir/types.js';
import { badRequest } from '../../util/errors.js';
import { isMintedId } from './ids.js';
import { RAW_ITEMS_KEY, type RawItemAnchor } from './raw-items.js';
import { decodeResponsesToolChoice, decodeResponsesTools, decodeTextFormat } from './tools.js';
import { isRecord, mediaTypeForFilename, optBoolean, optNumber, optString, parseDataUrl, str, type Json } from './wire.js';

/** Top-level fields this decoder turns into hub fields; everything else is kept as extras. */
const CONSUMED = new Set([
  'model',
  'instructions',
  'input',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'max_output_tokens',
  'temperature',
  'top_p',
  'text',
  'reasoning',
  'stream',
  'previous_response_id',
  'user',
]);

const EFFORTS = new Set<string>(['none', 'minimal', 'low', 'medium', 'high', 'xhigh']);
const SUMMARIES = new Set<string>(['auto', 'concise', 'detailed']);

/** A Responses API request body (POST /v1/responses) → hub request. */
export function decodeResponsesRequest(body: unknown, _ctx: ClientRequestContext): Request {
  if (!isRecord(body)) throw badRequest('Request body must be a JSON object.');
  const model = body.model;
  if (typeof model !== 'string' || !model) throw badRequest("Missing required parameter: 'model'.", 'model');

  const system: SystemBlock[] = [];
  const instructions = optString(body, 'instructions');
  if (instructions) system.push({ text: instructions });

  const { messages, rawItems } = convertResponsesInput(body.input, system, body);

  const req: Request = { model, system, messages, stream: optBoolean(body, 'stream') ?? false, sourceFormat: 'openai_responses' };

  const tools = decodeResponsesTools(body.tools);
  if (tools) req.tools = tools;
  const toolChoice = decodeResponsesToolChoice(body.tool_choice);
  if (toolChoice) req.toolChoice = toolChoice;
  const parallel = optBoolean(body, 'parallel_tool_calls');
  if (parallel !== undefined) req.parallelToolCalls = parallel;
  const maxTokens = optNumber(body, 'max_output_tokens');
  if (maxTokens !== undefined) req.maxTokens = maxTokens;
  const temperature = optNumber(body, 'temperature');
  if (temperature !== undefined) req.temperature = temperature;
  const topP = optNumber(body, 'top_p');
  if (topP !== undefined) req.topP = topP;
  const previous = optString(body, 'previous_response_id');
  if (previous) req.previousResponseId = previous;
  const user = optString(body, 'user');
  if (user) req.user = user;
  const reasoning = decodeReasoningConfig(body.reasoning);
  if (reasoning) req.reasoning = reasoning;

  let extras: Json | undefined;
  const text = body.text;
  if (text !== undefined && text !== null) {
    if (!isRecord(text)) throw badRequest("Invalid 'text': expected an object.", 'text');
    const rf = decodeTextFormat(text.format);
    if (rf) req.responseFormat = rf;
    // verbosity and future text options: Responses-only.
    for (const key in text) {
      if (key === 'format') continue;
      extras ??= {};
      const rest = (extras.text ??= {}) as Json;
      rest[key] = text[key];
    }
  }
  if (body.tool_choice !== undefined && body.tool_choice !== null && !toolChoice) {
    // Hosted-tool and allowed_tools choices: only the Responses API understands them.
    (extras ??= {}).tool_choice = body.tool_choice;
  }
  for (const key in body) {
    if (CONSUMED.has(key)) continue;
    (extras ??= {})[key] = body[key];
  }
  if (rawItems.length > 0) (extras ??= {})[RAW_ITEMS_KEY] = rawItems;
  if (extras) req.extras = extras;
  return req;
}

function decodeReasoningConfig(v: unknown): ReasoningConfig | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isRecord(v)) throw badRequest("Invalid 'reasoning': expected an object.", 'reasoning');
  const cfg: ReasoningConfig = { enabled: true };
  const effort = v.effort;
  if (effort !== undefined && effort !== null) {
    if (typeof effort !== 'string' || !EFFORTS.has(effort)) {
      throw badRequest(`Invalid 'reasoning.effort': ${JSON.stringify(effort)}.`, 'reasoning.effort');
    }
    cfg.effort = effort as ReasoningEffort;
    if (effort === 'none') cfg.enabled = false;
  }
  const summary = v.summary ?? v.generate_summary;
  if (typeof summary === 'string' && SUMMARIES.has(summary)) cfg.summary = summary as ReasoningConfig['summary'];
  return cfg;
}

interface InputState {
  messages: Message[];
  rawItems: RawItemAnchor[];
  /** The hub message the current run of assistant items (or tool outputs) goes into. */
  open: Message | undefined;
  /** call_id → function name, so tool results know their function (Gemini needs it). */
  callNames: Map<string, string>;
}

/**
 * `input` → hub messages. Consecutive assistant-side items (reasoning, assistant message,
 * function_call) form one assistant turn, consecutive function_call_output items one tool
 * turn; system/developer messages become system blocks, in order.
 */
function convertResponsesInput(input: unknown, system: SystemBlock[], body: Json): { messages: Message[]; rawItems: RawItemAnchor[] } {
  if (input === undefined || input === null) {
    // A stored prompt, a conversation or a previous response can stand in for input.
    if (body.prompt !== undefined || body.conversation !== undefined || typeof body.previous_response_id === 'string') {
      return { messages: [], rawItems: [] };
    }
    throw badRequest("Missing required parameter: 'input'.", 'input');
  }
  if (typeof input === 'string') return { messages: [{ role: 'user', parts: [{ type: 'text', text: input }] }], rawItems: [] };
  if (!Array.isArray(input)) throw badRequest("Invalid 'input': expected a string or an array of items.", 'input');

  const st: InputState = { messages: [], rawItems: [], open: undefined, callNames: new Map() };
  for (let i = 0; i < input.length; i++) {
    const item: unknown = input[i];
    if (!isRecord(item)) throw badRequest(`Invalid 'input[${i}]': expected an object.`, `input[${i}]`);
    const type = item.type ?? (item.role !== undefined ? 'message' : undefined);
    switch (type) {
      case 'message':
        decodeMessageItem(item, i, st, system);
        break;
      case 'function_call':
        assistantTurn(st).parts.push(decodeFunctionCall(item, i, st));
        break;
      case 'function_call_output':
        toolTurn(st).parts.push(decodeFunctionCallOutput(item, i, st));
        break;
      case 'reasoning':
        assistantTurn(st).parts.push(decodeReasoningItem(item, i));
        break;
      default:
        if (typeof type !== 'string') {
          throw badRequest(`Invalid 'input[${i}]': expected an item with a 'type' or a message with a 'role'.`, `input[${i}]`);
        }
        keepRawItem(item, st);
    }
  }
  return { messages: st.messages, rawItems: st.rawItems };
}

function assistantTurn(st: InputState): Message {
  if (st.open?.role === 'assistant') return st.open;
  const m: Message = { role: 'assistant', parts: [] };
  st.messages.push(m);
  st.open = m;
  return m;
}

function toolTurn(st: InputState): Message {
  if (st.open?.role === 'tool') return st.open;
  const m: Message = { role: 'tool', parts: [] };
  st.messages.push(m);
  st.open = m;
  return m;
}

function keepRawItem(item: Json, st: InputState): void {
  if (st.open?.role === 'assistant') {
    st.rawItems.push({ m: st.messages.length - 1, p: st.open.parts.length, item });
  } else {
    st.rawItems.push({ m: st.messages.length, p: 0, item });
  }
}

function decodeMessageItem(item: Json, i: number, st: InputState, system: SystemBlock[]): void {
  const role = item.role;
  const content = item.content;
  if (typeof content !== 'string' && !Array.isArray(content)) {
    throw badRequest(`Invalid 'input[${i}].content': expected a string or an array.`, `input[${i}].content`);
  }
  switch (role) {
    case 'system':
    case 'developer': {
      system.push({ text: systemText(content, i), role });
      return;
    }
    case 'user': {
      st.open = undefined;
      const parts: Part[] =
        typeof content === 'string' ? [{ type: 'text', text: content }] : content.map((c, j) => decodeInputContent(c, `input[${i}].content[${j}]`));
      st.messages.push({ role: 'user', parts });
      return;
    }
    case 'assistant': {
      const turn = assistantTurn(st);
      const itemId = str(item.id);
      if (typeof content === 'string') {
        turn.parts.push(textPart(content, itemId));
        return;
      }
      for (let j = 0; j < content.length; j++) turn.parts.push(decodeAssistantContent(content[j], i, j, itemId));
      return;
    }
    default:
      throw badRequest(`Invalid 'input[${i}].role': ${JSON.stringify(role)}. Expected 'user', 'assistant', 'system' or 'developer'.`, `input[${i}].role`);
  }
}

function textPart(text: string, itemId: string | undefined): TextPart {
  return itemId ? { type: 'text', text, itemId } : { type: 'text', text };
}

function systemText(content: string | unknown[], i: number): string {
  if (typeof content === 'string') return content;
  let text = '';
  for (let j = 0; j < content.length; j++) {
    const c = content[j];
    if (!isRecord(c) || typeof c.text !== 'string') {
      throw badRequest(`Invalid 'input[${i}].content[${j}]': system and developer messages take text only.`, `input[${i}].content[${j}]`);
    }
    text = j === 0 ? c.text : `${text}\n${c.text}`;
  }
  return text;
}

function decodeInputContent(c: unknown, path: string): TextPart | ImagePart | DocumentPart {
  if (!isRecord(c)) throw badRequest(`Invalid '${path}': expected an object.`, path);
  switch (c.type) {
    case 'input_text':
    case 'output_text':
      if (typeof c.text !== 'string') throw badRequest(`Missing required parameter: '${path}.text'.`, `${path}.text`);
      return { type: 'text', text: c.text };
    case 'input_image':
      return decodeInputImage(c, path);
    case 'input_file':
      return decodeInputFile(c, path);
    default:
      throw badRequest(`Invalid '${path}.type': ${JSON.stringify(c.type)}. Expected 'input_text', 'input_image' or 'input_file'.`, `${path}.type`);
  }
}

function decodeAssistantContent(c: unknown, i: number, j: number, itemId: string | undefined): TextPart {
  const path = `input[${i}].content[${j}]`;
  if (!isRecord(c)) throw badRequest(`Invalid '${path}': expected an object.`, path);
  if ((c.type === 'output_text' || c.type === 'input_text') && typeof c.text === 'string') return textPart(c.text, itemId);
  if (c.type === 'refusal' && typeof c.refusal === 'string') return textPart(c.refusal, itemId);
  throw badRequest(`Invalid '${path}': assistant content must be output_text or refusal.`, path);
}

const DETAILS = new Set(['auto', 'low', 'high']);

function decodeInputImage(c: Json, path: string): ImagePart {
  let part: ImagePart;
  const url = str(c.image_url);
  const fileId = str(c.file_id);
  if (url) {
    if (url.startsWith('data:')) {
      const parsed = parseDataUrl(url);
      if (!parsed) throw badRequest(`Invalid '${path}.image_url': expected a base64 data URL.`, `${path}.image_url`);
      part = { type: 'image', source: { kind: 'base64', mediaType: parsed.mediaType, data: parsed.data } };
    } else {
      part = { type: 'image', source: { kind: 'url', url } };
    }
  } else if (fileId) {
    part = { type: 'image', source: { kind: 'file_id', fileId } };
  } else {
    throw badRequest(`Invalid '${path}': input_image needs 'image_url' or 'file_id'.`, path);
  }
  const detail = c.detail;
  if (typeof detail === 'string') {
    if (DETAILS.has(detail)) part.detail = detail as ImagePart['detail'];
    else if (detail === 'original') part.detail = 'high';
  }
  return part;
}

function decodeInputFile(c: Json, path: string): DocumentPart {
  const filename = str(c.filename);
  const data = str(c.file_data);
  const url = str(c.file_url);
  const fileId = str(c.file_id);
  let part: DocumentPart;
  if (data) {
    const parsed = parseDataUrl(data);
    part = parsed
      ? { type: 'document', source: { kind: 'base64', mediaType: parsed.mediaType, data: parsed.data } }
      : { type: 'document', source: { kind: 'base64', mediaType: mediaTypeForFilename(filename), data } };
  } else if (url) {
    part = { type: 'document', source: { kind: 'url', url } };
  } else if (fileId) {
    part = { type: 'document', source: { kind: 'file_id', fileId } };
  } else {
    throw badRequest(`Invalid '${path}': input_file needs 'file_data', 'file_url' or 'file_id'.`, path);
  }
  if (filename) part.filename = filename;
  return part;
}

function decodeFunctionCall(item: Json, i: number, st: InputState): Part {
  const callId = str(item.call_id);
  if (!callId) throw badRequest(`Missing required parameter: 'input[${i}].call_id'.`, `input[${i}].call_id`);
  const name = str(item.name);
  if (!name) throw badRequest(`Missing required parameter: 'input[${i}].name'.`, `input[${i}].name`);
  const args = item.arguments;
  let argumentsText: string;
  if (typeof args === 'string') argumentsText = args || '{}';
  else if (isRecord(args)) argumentsText = JSON.stringify(args);
  else if (args === undefined || args === null) argumentsText = '{}';
  else throw badRequest(`Invalid 'input[${i}].arguments': expected a JSON string.`, `input[${i}].arguments`);
  st.callNames.set(callId, name);
  const id = str(item.id);
  return id ? { type: 'tool_call', id: callId, name, arguments: argumentsText, itemId: id } : { type: 'tool_call', id: callId, name, arguments: argumentsText };
}

function decodeFunctionCallOutput(item: Json, i: number, st: InputState): Part {
  const callId = str(item.call_id);
  if (!callId) throw badRequest(`Missing required parameter: 'input[${i}].call_id'.`, `input[${i}].call_id`);
  const output = item.output;
  let content: ToolResultContent[];
  if (typeof output === 'string') {
    content = [{ type: 'text', text: output }];
  } else if (Array.isArray(output)) {
    content = output.map((c, j) => decodeInputContent(c, `input[${i}].output[${j}]`));
  } else if (output === undefined || output === null) {
    content = [];
  } else {
    // Some clients send the tool's JSON result as an object; the model reads it as text.
    content = [{ type: 'text', text: JSON.stringify(output) }];
  }
  const name = st.callNames.get(callId);
  return name ? { type: 'tool_result', toolCallId: callId, name, content } : { type: 'tool_result', toolCallId: callId, content };
}

function decodeReasoningItem(item: Json, i: number): ReasoningPart {
  const id = str(item.id);
  const summary: string[] = [];
  if (Array.isArray(item.summary)) {
    for (const s of item.summary) if (isRecord(s) && typeof s.text === 'string') summary.push(s.text);
  } else if (item.summary !== undefined && item.summary !== null) {
    throw badRequest(`Invalid 'input[${i}].summary': expected an array.`, `input[${i}].summary`);
  }
  let text = summary.join('\n\n');
  if (!text && Array.isArray(item.content)) {
    // Raw reasoning text (open-weight models served through a Responses-compatible API).
    const raw: string[] = [];
    for (const c of item.content) if (isRecord(c) && typeof c.text === 'string') raw.push(c.text);
    text = raw.join('\n\n');
  }
  const part: ReasoningPart = { type: 'reasoning', text, summary };
  // A gateway-minted id means the reasoning came from another provider family through us.
  if (!id || !isMintedId(id)) part.family = 'openai';
  if (id) part.itemId = id;
  const encrypted = str(item.encrypted_content);
  if (encrypted) part.encrypted = encrypted;
  return part;
}
