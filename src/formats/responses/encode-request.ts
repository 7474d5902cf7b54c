import type { UpstreamRequestContext } from '../types.js';
import type { DocumentPart, ImagePart, Message, ReasoningConfig, ReasoningEffort, ReasoningPart, Request, ToolResultPart } from '../../ir/types.js';
import type { ReasoningStore } from '../../ir/reasoning-store.js';
import { badRequest } from '../../util/errors.js';
import { isMintedId } from './ids.js';
import { isPrivateExtrasKey, RAW_ITEMS_KEY, type RawItemAnchor } from './raw-items.js';
import { encodeResponsesToolChoice, encodeResponsesTools, encodeTextFormat } from './tools.js';
import { defaultFilename, isRecord, toDataUrl, type Json } from './wire.js';

/** The API rejects max_output_tokens below 16. */
const MIN_OUTPUT_TOKENS = 16;

/**
 * How a failed tool call is told apart: Responses tool outputs have no error flag. Same marker
 * as the Chat Completions module, never doubled.
 */
export function markToolError(text: string): string {
  return text === '' ? 'Error' : text.startsWith('Error') ? text : `Error: ${text}`;
}

/**
 * Hub request → POST /v1/responses body.
 *
 * Dropped because the API has no such parameter (it would answer 400): stop sequences, seed,
 * top_k, presence/frequency penalties. n > 1 cannot be served: 400.
 *
 * Reasoning continuity for clients of other formats: when reasoning is requested the request
 * asks for `include: ['reasoning.encrypted_content']` with `store: false`, so every response
 * carries its reasoning as an opaque token that needs no server-side state; the stream/response
 * decoders keep it in the ReasoningStore by tool-call id and this encoder puts it back in front
 * of the function calls when the client returns them (clients of other formats never carry it).
 */
export function encodeResponsesRequest(req: Request, ctx: UpstreamRequestContext): Json {
  if (req.n !== undefined && req.n > 1) {
    throw badRequest('The Responses API generates one answer per request: n > 1 is not supported.', 'n');
  }
  const sameFormat = req.sourceFormat === 'openai_responses';
  const reasoningOn = req.reasoning?.enabled === true;
  const out: Json = { model: ctx.model };

  let instructions = '';
  for (const block of req.system) instructions = instructions ? `${instructions}\n\n${block.text}` : block.text;

  const input = encodeInput(req, ctx.reasoningStore, sameFormat);

  if (!sameFormat && req.responseFormat?.type === 'json_object' && !mentionsJson(instructions, req.messages)) {
    // JSON mode demands the word "json" in the input; Gemini's JSON mime type has no such rule.
    instructions = instructions ? `${instructions}\n\nRespond in JSON.` : 'Respond in JSON.';
  }
  if (instructions) out.instructions = instructions;
  out.input = input;

  if (req.maxTokens !== undefined) out.max_output_tokens = Math.max(MIN_OUTPUT_TOKENS, Math.floor(req.maxTokens));
  // OpenAI reasoning models reject sampling parameters; a client of another format asking for
  // reasoning is talking to one.
  if (sameFormat || !reasoningOn) {
    if (req.temperature !== undefined) out.temperature = req.temperature;
    if (req.topP !== undefined) out.top_p = req.topP;
  }

  const tools = encodeResponsesTools(req.tools, sameFormat);
  if (tools.length > 0) out.tools = tools;
  if (req.toolChoice) out.tool_choice = encodeResponsesToolChoice(req.toolChoice);
  if (req.parallelToolCalls !== undefined) out.parallel_tool_calls = req.parallelToolCalls;

  const extras = sameFormat ? req.extras : undefined;
  const extraText = extras && isRecord(extras.text) ? extras.text : undefined;
  if (req.responseFormat || extraText) {
    out.text = req.responseFormat ? { ...extraText, format: encodeTextFormat(req.responseFormat) } : { ...extraText };
  }

  const reasoning = encodeReasoning(req.reasoning, sameFormat);
  if (reasoning) out.reasoning = reasoning;
  if (reasoningOn && !sameFormat) {
    out.include = ['reasoning.encrypted_content'];
    out.store = false;
  }
  if (req.previousResponseId) out.previous_response_id = req.previousResponseId;
  if (req.user) out.user = req.user;
  if (req.stream) out.stream = true;

  if (extras) {
    for (const key in extras) {
      if (key === 'text' || isPrivateExtrasKey(key) || key in out) continue;
      out[key] = extras[key];
    }
  }
  return out;
}

function encodeReasoning(cfg: ReasoningConfig | undefined, sameFormat: boolean): Json | undefined {
  if (!cfg) return undefined;
  if (!cfg.enabled) {
    // Turning reasoning off is only expressible as effort 'none' (newer models); without an
    // explicit effort the model default is the one value every model accepts.
    return cfg.effort ? { effort: cfg.effort } : undefined;
  }
  const effort = cfg.effort ?? (cfg.budgetTokens !== undefined ? effortForBudget(cfg.budgetTokens) : undefined);
  const wire: Json = {};
  if (effort) wire.effort = effort;
  const summary = cfg.summary ?? (sameFormat ? undefined : 'auto');
  if (summary) wire.summary = summary;
  return wire;
}

/** Anthropic/Gemini thinking budgets → the closest effort. */
function effortForBudget(budget: number): ReasoningEffort {
  if (budget <= 0) return 'minimal';
  if (budget <= 2048) return 'low';
  if (budget <= 12000) return 'medium';
  return 'high';
}

const JSON_WORD = /json/i;

function mentionsJson(instructions: string, messages: Message[]): boolean {
  if (JSON_WORD.test(instructions)) return true;
  for (const m of messages) {
    for (const p of m.parts) if (p.type === 'text' && JSON_WORD.test(p.text)) return true;
  }
  return false;
}

/** Hub messages → input items, putting Responses-only raw items back where they were. */
function encodeInput(req: Request, store: ReasoningStore, sameFormat: boolean): Json[] {
  const items: Json[] = [];
  const raw = sameFormat ? rawAnchors(req.extras) : undefined;
  let r = 0;
  /** Emits raw items anchored at or before (m, p); true when something was emitted. */
  const flush = (m: number, p: number): boolean => {
    if (!raw) return false;
    const before = r;
    while (r < raw.length && (raw[r].m < m || (raw[r].m === m && raw[r].p <= p))) items.push(raw[r++].item);
    return r !== before;
  };
  const messages = req.messages;
  for (let m = 0; m < messages.length; m++) {
    const msg = messages[m];
    if (msg.role === 'assistant') {
      encodeAssistantTurn(msg, m, items, flush, sameFormat, store);
      continue;
    }
    if (msg.role === 'tool') {
      for (let p = 0; p < msg.parts.length; p++) {
        flush(m, p);
        const part = msg.parts[p];
        if (part.type === 'tool_result') items.push(encodeFunctionCallOutput(part));
      }
      continue;
    }
    flush(m, 0);
    const content: Json[] = [];
    for (const part of msg.parts) {
      if (part.type === 'text') content.push({ type: 'input_text', text: part.text });
      else if (part.type === 'image') content.push(encodeImage(part));
      else if (part.type === 'document') content.push(encodeDocument(part));
      else if (part.type === 'tool_result') items.push(encodeFunctionCallOutput(part));
    }
    if (content.length > 0) items.push({ type: 'message', role: 'user', content });
  }
  flush(Number.MAX_SAFE_INTEGER, 0);
  return items;
}

function rawAnchors(extras: Record<string, unknown> | undefined): RawItemAnchor[] | undefined {
  const v = extras?.[RAW_ITEMS_KEY];
  return Array.isArray(v) && v.length > 0 ? (v as RawItemAnchor[]) : undefined;
}

/**
 * One assistant turn → reasoning / message / function_call items, in order. Output item ids
 * (msg_, fc_) matter only to pair items with the reasoning item before them, and an unknown id
 * makes the API fail the request, so they are sent only after a reasoning item was sent in
 * the same turn and never when the gateway minted them.
 */
function encodeAssistantTurn(
  msg: Message,
  m: number,
  items: Json[],
  flush: (m: number, p: number) => boolean,
  sameFormat: boolean,
  store: ReasoningStore,
): void {
  let reasoningSent = false;
  if (!sameFormat) reasoningSent = restoreReasoning(msg, items, store);
  let message: { itemId: string | undefined; content: Json[] } | undefined;
  for (let p = 0; p < msg.parts.length; p++) {
    if (flush(m, p)) message = undefined;
    const part = msg.parts[p];
    switch (part.type) {
      case 'text': {
        if (message && message.itemId === part.itemId) {
          message.content.push({ type: 'output_text', text: part.text });
          break;
        }
        message = { itemId: part.itemId, content: [{ type: 'output_text', text: part.text }] };
        const item: Json = { type: 'message', role: 'assistant', content: message.content };
        if (reasoningSent && usableItemId(part.itemId)) item.id = part.itemId;
        items.push(item);
        break;
      }
      case 'reasoning': {
        message = undefined;
        if (!sendableReasoning(part, sameFormat)) break;
        items.push(encodeReasoningItem(part));
        reasoningSent = true;
        break;
      }
      case 'tool_call': {
        message = undefined;
        const item: Json = { type: 'function_call', call_id: part.id, name: part.name, arguments: part.arguments || '{}' };
        const itemId = part.itemId ?? (reasoningSent && !sameFormat ? store.get(part.id, 'openai')?.itemId : undefined);
        if (reasoningSent && usableItemId(itemId)) item.id = itemId;
        items.push(item);
        break;
      }
      default:
        break;
    }
  }
  flush(m, msg.parts.length);
}

function usableItemId(id: string | undefined): id is string {
  return id !== undefined && !isMintedId(id);
}

/**
 * Encrypted reasoning from this family goes back as is. Without encrypted content an item
 * can only be resolved by id from the API's own store, which only a Responses client (that
 * got the id from a Responses downstream) can rely on.
 */
function sendableReasoning(part: ReasoningPart, sameFormat: boolean): boolean {
  if (part.family !== 'openai' || !part.itemId || isMintedId(part.itemId)) return false;
  return part.encrypted !== undefined || sameFormat;
}

function encodeReasoningItem(part: ReasoningPart): Json {
  const texts = part.summary ?? (part.text ? [part.text] : []);
  const item: Json = { type: 'reasoning', id: part.itemId, summary: texts.map((text) => ({ type: 'summary_text', text })) };
  if (part.encrypted) item.encrypted_content = part.encrypted;
  return item;
}

/**
 * Reasoning continuity: a client of another format sends back a tool-calling turn without the
 * encrypted reasoning that produced it; put the stored reasoning items first. Only for turns
 * that start with their function calls (the reasoning item must directly precede the item it
 * produced) and carry no reasoning of this family already.
 */
function restoreReasoning(msg: Message, items: Json[], store: ReasoningStore): boolean {
  const first = msg.parts.find((p) => p.type !== 'reasoning');
  if (!first || first.type !== 'tool_call') return false;
  for (const p of msg.parts) if (p.type === 'reasoning' && sendableReasoning(p, false)) return false;
  const stored = store.get(first.id, 'openai');
  if (!stored) return false;
  let restored = false;
  for (const part of stored.parts) {
    if (!sendableReasoning(part, false)) continue;
    items.push(encodeReasoningItem(part));
    restored = true;
  }
  return restored;
}

function encodeImage(part: ImagePart): Json {
  const wire: Json = { type: 'input_image' };
  const src = part.source;
  if (src.kind === 'base64') wire.image_url = toDataUrl(src.mediaType, src.data);
  else if (src.kind === 'url') wire.image_url = src.url;
  else wire.file_id = src.fileId;
  wire.detail = part.detail ?? 'auto';
  return wire;
}

function encodeDocument(part: DocumentPart): Json {
  const src = part.source;
  if (src.kind === 'base64') {
    return { type: 'input_file', filename: part.filename ?? defaultFilename(src.mediaType), file_data: toDataUrl(src.mediaType, src.data) };
  }
  const wire: Json = { type: 'input_file' };
  if (src.kind === 'url') wire.file_url = src.url;
  else wire.file_id = src.fileId;
  if (part.filename) wire.filename = part.filename;
  return wire;
}

/**
 * Tool result → function_call_output. Text-only results are a string; results with images or
 * files use the content-part list. A failed call (isError) is marked in its (first) text, the
 * only place Responses has for it.
 */
function encodeFunctionCallOutput(part: ToolResultPart): Json {
  let textOnly = true;
  for (const c of part.content) if (c.type !== 'text') textOnly = false;
  if (textOnly) {
    let text = '';
    for (const c of part.content) if (c.type === 'text') text = text ? `${text}\n${c.text}` : c.text;
    if (part.isError) text = markToolError(text);
    return { type: 'function_call_output', call_id: part.toolCallId, output: text };
  }
  const output: Json[] = [];
  let marked = !part.isError;
  for (const c of part.content) {
    if (!marked && c.type === 'text') {
      output.push({ type: 'input_text', text: markToolError(c.text) });
      marked = true;
    } else if (c.type === 'text') output.push({ type: 'input_text', text: c.text });
    else if (c.type === 'image') output.push(encodeImage(c));
    else output.push(encodeDocument(c));
  }
  if (!marked) output.unshift({ type: 'input_text', text: 'Error' });
  return { type: 'function_call_output', call_id: part.toolCallId, output };
}
