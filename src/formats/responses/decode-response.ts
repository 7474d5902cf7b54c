import type { UpstreamResponseContext } from '../types.js';
import type { AssistantPart, ReasoningPart, Response } from '../../ir/types.js';
import type { ReasoningStore } from '../../ir/reasoning-store.js';
import { GatewayError } from '../../util/errors.js';
import { errorFromPayload } from './errors.js';
import { mapResponsesFinishReason } from './finish-reason.js';
import { usageFromResponses } from './usage.js';
import { isRecord, num, str, type Json } from './wire.js';

/** Response fields with a hub equivalent; the rest (request echo, service_tier, Azure's content_filters...) are extras. */
const CONSUMED = new Set(['id', 'object', 'created_at', 'status', 'error', 'incomplete_details', 'model', 'output', 'usage', 'output_text']);

/**
 * A downstream Response object → hub response. Hosted tool calls (web_search_call,
 * file_search_call, ...) already ran on OpenAI's side: their results are in the message text,
 * the calls themselves have no hub form and are skipped. Citations (annotations) are dropped.
 */
export function decodeResponsesResponse(body: unknown, ctx: UpstreamResponseContext): Response {
  if (!isRecord(body)) throw new GatewayError(502, 'upstream', 'Downstream returned a response that is not a JSON object.');
  const status = str(body.status);
  if (status === 'failed') {
    const info = isRecord(body.error)
      ? errorFromPayload(body.error, 500)
      : { status: 500, kind: 'server' as const, message: 'The downstream response failed.' };
    throw new GatewayError(info.status, info.kind, info.message, info);
  }
  const parts: AssistantPart[] = [];
  let hasCalls = false;
  let hasRefusal = false;
  const output = Array.isArray(body.output) ? body.output : [];
  for (const item of output) {
    if (!isRecord(item)) continue;
    switch (item.type) {
      case 'message': {
        const itemId = str(item.id);
        if (!Array.isArray(item.content)) break;
        for (const c of item.content) {
          if (!isRecord(c)) continue;
          let text: string | undefined;
          if (c.type === 'output_text') text = str(c.text);
          else if (c.type === 'refusal') {
            text = str(c.refusal);
            hasRefusal = true;
          }
          if (text === undefined) continue;
          parts.push(itemId ? { type: 'text', text, itemId } : { type: 'text', text });
        }
        break;
      }
      case 'function_call': {
        const id = str(item.call_id) ?? str(item.id) ?? '';
        const part: AssistantPart = { type: 'tool_call', id, name: str(item.name) ?? '', arguments: str(item.arguments) || '{}' };
        const itemId = str(item.id);
        if (itemId) part.itemId = itemId;
        parts.push(part);
        hasCalls = true;
        break;
      }
      case 'reasoning': {
        const part = reasoningPartFromItem(item);
        if (part) parts.push(part);
        break;
      }
      default:
        break;
    }
  }
  const incomplete = isRecord(body.incomplete_details) ? str(body.incomplete_details.reason) : undefined;
  const res: Response = {
    id: str(body.id) ?? '',
    model: str(body.model) ?? '',
    parts,
    finishReason: mapResponsesFinishReason(status, incomplete, hasCalls, hasRefusal),
    sourceFormat: 'openai_responses',
  };
  const raw = incomplete ?? status;
  if (raw) res.rawFinishReason = raw;
  const usage = usageFromResponses(body.usage);
  if (usage) res.usage = usage;
  const created = num(body.created_at);
  if (created !== undefined) res.created = created;
  let extras: Json | undefined;
  for (const key in body) {
    if (CONSUMED.has(key)) continue;
    (extras ??= {})[key] = body[key];
  }
  if (extras) res.extras = extras;
  if (hasCalls) rememberReasoning(parts, ctx.reasoningStore);
  return res;
}

/**
 * A reasoning output item → hub part; undefined for an item with neither summary text nor
 * encrypted content (it carries nothing a client could show or send back).
 */
export function reasoningPartFromItem(item: Json): ReasoningPart | undefined {
  const summary: string[] = [];
  if (Array.isArray(item.summary)) {
    for (const s of item.summary) if (isRecord(s) && typeof s.text === 'string') summary.push(s.text);
  }
  let text = summary.join('\n\n');
  if (!text && Array.isArray(item.content)) {
    const raw: string[] = [];
    for (const c of item.content) if (isRecord(c) && typeof c.text === 'string') raw.push(c.text);
    text = raw.join('\n\n');
  }
  const encrypted = str(item.encrypted_content);
  if (!text && !encrypted) return undefined;
  const part: ReasoningPart = { type: 'reasoning', text, family: 'openai', summary };
  const id = str(item.id);
  if (id) part.itemId = id;
  if (encrypted) part.encrypted = encrypted;
  return part;
}

/**
 * Keep this response's encrypted reasoning by tool-call id, with each call's own item id, so a
 * client of another format that sends the calls back gets its reasoning restored upstream.
 */
export function rememberReasoning(parts: AssistantPart[], store: ReasoningStore): void {
  let reasoning: ReasoningPart[] | undefined;
  for (const p of parts) if (p.type === 'reasoning' && p.encrypted) (reasoning ??= []).push(p);
  if (!reasoning) return;
  for (const p of parts) {
    if (p.type !== 'tool_call' || !p.id) continue;
    store.put(p.id, p.itemId ? { family: 'openai', parts: reasoning, itemId: p.itemId } : { family: 'openai', parts: reasoning });
  }
}
