import type { AssistantPart, ReasoningPart, Response, ToolCallPart } from '../../ir/types.js';
import type { UpstreamResponseContext } from '../types.js';
import { GatewayError } from '../../util/errors.js';
import { codeExecutionText } from './code-execution.js';
import { decodeGeminiError } from './errors.js';
import { mapGeminiFinishReason } from './finish-reason.js';
import { newCallId, newResponseId } from './ids.js';
import { fromGeminiUsage } from './usage.js';
import { isObject, type JsonObject } from './wire.js';

/** Response fields the hub models; the rest are kept as extras for Gemini clients. */
const HUB_RESPONSE_FIELDS = new Set(['candidates', 'usageMetadata', 'modelVersion', 'responseId']);
const HUB_CANDIDATE_FIELDS = new Set(['content', 'finishReason', 'index']);

/** A downstream generateContent response → hub response. */
export function decodeGeminiResponse(body: unknown, ctx: UpstreamResponseContext): Response {
  if (Array.isArray(body) && body.length > 0 && body.every(isObject)) body = mergeJsonArrayStream(body);
  if (!isObject(body)) throw new GatewayError(502, 'upstream', 'Gemini returned a response that is not a JSON object.');
  if (isObject(body.error)) {
    const info = decodeGeminiError(typeof body.error.code === 'number' ? body.error.code : 502, JSON.stringify(body));
    throw new GatewayError(info.status, info.kind, info.message, info);
  }

  const candidate = Array.isArray(body.candidates) && isObject(body.candidates[0]) ? body.candidates[0] : undefined;
  const content = candidate && isObject(candidate.content) ? candidate.content : undefined;
  const parts = collectParts(content && Array.isArray(content.parts) ? content.parts : []);

  const toolCalls = parts.filter((p): p is ToolCallPart => p.type === 'tool_call');
  if (toolCalls.length > 0) {
    const reasoning = parts.filter((p): p is ReasoningPart => p.type === 'reasoning');
    for (const call of toolCalls) {
      if (call.thoughtSignature || reasoning.length > 0) {
        ctx.reasoningStore.put(call.id, { family: 'gemini', parts: reasoning, thoughtSignature: call.thoughtSignature });
      }
    }
  }

  let rawFinish = candidate && typeof candidate.finishReason === 'string' ? candidate.finishReason : undefined;
  let finishReason = mapGeminiFinishReason(rawFinish, toolCalls.length > 0);
  const feedback = isObject(body.promptFeedback) ? body.promptFeedback : undefined;
  if (!candidate && feedback && typeof feedback.blockReason === 'string') {
    // The prompt itself was blocked: no candidates at all.
    rawFinish = feedback.blockReason;
    finishReason = 'content_filter';
  }

  const res: Response = {
    id: typeof body.responseId === 'string' && body.responseId ? body.responseId : newResponseId(),
    model: typeof body.modelVersion === 'string' ? body.modelVersion : '',
    parts,
    finishReason,
    sourceFormat: 'gemini',
  };
  if (rawFinish !== undefined) res.rawFinishReason = rawFinish;
  const usage = fromGeminiUsage(body.usageMetadata);
  if (usage) res.usage = usage;
  const extras = responseExtras(body, candidate);
  if (extras) res.extras = extras;
  return res;
}

/**
 * Gemini parts → hub parts: adjacent text parts join, adjacent thought parts join, each
 * functionCall gets an id (Gemini's own when it sent one). A thoughtSignature on a plain
 * text part is dropped: Google documents it as optional to send back, and no other family
 * could carry it. Inline media output (image generation) has no hub assistant part.
 */
export function collectParts(parts: unknown[]): AssistantPart[] {
  const out: AssistantPart[] = [];
  for (const raw of parts) {
    if (!isObject(raw)) continue;
    const signature = typeof raw.thoughtSignature === 'string' && raw.thoughtSignature ? raw.thoughtSignature : undefined;
    const last = out[out.length - 1];
    if (isObject(raw.functionCall)) {
      const fc = raw.functionCall;
      const call: ToolCallPart = {
        type: 'tool_call',
        id: typeof fc.id === 'string' && fc.id ? fc.id : newCallId(),
        name: typeof fc.name === 'string' ? fc.name : '',
        arguments: isObject(fc.args) ? JSON.stringify(fc.args) : '{}',
      };
      if (signature) call.thoughtSignature = signature;
      out.push(call);
    } else if (typeof raw.text === 'string') {
      if (raw.thought === true) {
        if (last?.type === 'reasoning' && !last.signature) {
          last.text += raw.text;
          if (signature) last.signature = signature;
        } else {
          out.push({ type: 'reasoning', text: raw.text, family: 'gemini', ...(signature ? { signature } : {}) });
        }
      } else if (raw.text) {
        appendText(out, raw.text);
      }
    } else {
      const code = codeExecutionText(raw);
      if (code !== undefined) appendText(out, `\n${code}\n`);
    }
  }
  return out;
}

function appendText(out: AssistantPart[], text: string): void {
  const last = out[out.length - 1];
  if (last?.type === 'text') last.text += text;
  else out.push({ type: 'text', text });
}

function responseExtras(body: JsonObject, candidate: JsonObject | undefined): JsonObject | undefined {
  const extras: JsonObject = {};
  for (const key in body) if (!HUB_RESPONSE_FIELDS.has(key)) extras[key] = body[key];
  if (candidate) {
    const c: JsonObject = {};
    let any = false;
    for (const key in candidate) {
      if (!HUB_CANDIDATE_FIELDS.has(key)) {
        c[key] = candidate[key];
        any = true;
      }
    }
    if (any) extras.candidate = c;
  }
  return Object.keys(extras).length > 0 ? extras : undefined;
}

/**
 * streamGenerateContent without alt=sse answers a JSON array of partial responses; folded
 * here into one response so a gateway that buffered such a body can still decode it.
 */
function mergeJsonArrayStream(chunks: JsonObject[]): JsonObject {
  const parts: unknown[] = [];
  let last: JsonObject = {};
  let candidate: JsonObject = {};
  for (const chunk of chunks) {
    if (isObject(chunk.error)) return chunk;
    last = chunk;
    const c = Array.isArray(chunk.candidates) && isObject(chunk.candidates[0]) ? chunk.candidates[0] : undefined;
    if (!c) continue;
    candidate = { ...candidate, ...c };
    if (isObject(c.content) && Array.isArray(c.content.parts)) parts.push(...c.content.parts);
  }
  return { ...last, candidates: [{ ...candidate, content: { role: 'model', parts } }] };
}
