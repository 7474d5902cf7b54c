import type { ReasoningPart, StreamEvent, Usage } from '../../ir/types.js';
import type { ReasoningStore } from '../../ir/reasoning-store.js';
import type { SseEvent } from '../../util/sse.js';
import type { StreamDecoder, UpstreamResponseContext } from '../types.js';
import { codeExecutionText } from './code-execution.js';
import { decodeGeminiError } from './errors.js';
import { mapGeminiFinishReason } from './finish-reason.js';
import { newCallId, newResponseId } from './ids.js';
import { PartialArgsBuilder } from './partial-args.js';
import { fromGeminiUsage } from './usage.js';
import { isObject, type JsonObject } from './wire.js';

/** A Vertex call whose arguments are still streaming in as partialArgs. */
interface OpenCall {
  index: number;
  id: string;
  signature?: string;
  args: PartialArgsBuilder;
}

/**
 * streamGenerateContent?alt=sse → hub events. Every `data:` chunk is a partial
 * GenerateContentResponse; text and thought parts are deltas, a functionCall part is a
 * whole call (Gemini API) or the opening / continuation / closing of a Vertex partialArgs
 * call. The chunk with finishReason ends the response; the connection then just closes.
 */
export class GeminiStreamDecoder implements StreamDecoder {
  private started = false;
  private done = false;
  private toolCount = 0;
  private open: OpenCall | undefined;
  /** Thoughts seen so far, kept for the reasoning store (events are not delayed by it). */
  private readonly reasoning: ReasoningPart[] = [];
  private lastUsageKey = '';

  constructor(private readonly store: ReasoningStore) {}

  push(event: SseEvent): StreamEvent[] {
    if (this.done) return [];
    const data = event.data.trim();
    if (!data || data === '[DONE]') return [];
    let chunk: unknown;
    try {
      chunk = JSON.parse(data);
    } catch {
      this.done = true;
      return [streamError(`Gemini stream sent a chunk that is not JSON: ${data.slice(0, 200)}`)];
    }
    if (Array.isArray(chunk)) chunk = chunk[0];
    if (!isObject(chunk)) return [];

    if (isObject(chunk.error)) {
      this.done = true;
      const code = typeof chunk.error.code === 'number' && chunk.error.code >= 400 ? chunk.error.code : 500;
      return [{ type: 'error', error: decodeGeminiError(code, data) }];
    }

    const out: StreamEvent[] = [];
    if (!this.started) {
      this.started = true;
      out.push({
        type: 'start',
        id: typeof chunk.responseId === 'string' && chunk.responseId ? chunk.responseId : newResponseId(),
        model: typeof chunk.modelVersion === 'string' ? chunk.modelVersion : '',
      });
    }

    const candidate = firstCandidate(chunk.candidates);
    const content = candidate && isObject(candidate.content) ? candidate.content : undefined;
    if (content && Array.isArray(content.parts)) {
      for (const part of content.parts) if (isObject(part)) this.onPart(part, out);
    }

    const usage = fromGeminiUsage(chunk.usageMetadata);
    const finishReason = candidate && typeof candidate.finishReason === 'string' ? candidate.finishReason : undefined;
    const feedback = isObject(chunk.promptFeedback) ? chunk.promptFeedback : undefined;
    const blocked = !candidate && feedback && typeof feedback.blockReason === 'string' ? feedback.blockReason : undefined;

    if (finishReason !== undefined || blocked !== undefined) {
      this.closeOpenCall(out);
      this.done = true;
      const finish: StreamEvent = {
        type: 'finish',
        finishReason: blocked !== undefined ? 'content_filter' : mapGeminiFinishReason(finishReason, this.toolCount > 0),
        rawFinishReason: blocked ?? finishReason,
      };
      if (usage) finish.usage = usage;
      out.push(finish);
    } else if (usage) {
      const key = usageKey(usage);
      if (key !== this.lastUsageKey) {
        this.lastUsageKey = key;
        out.push({ type: 'usage', usage });
      }
    }
    return out;
  }

  end(): StreamEvent[] {
    if (this.done) return [];
    this.done = true;
    return [streamError('Gemini stream ended before its final chunk (no finishReason): the response is incomplete.')];
  }

  private onPart(part: JsonObject, out: StreamEvent[]): void {
    const signature = typeof part.thoughtSignature === 'string' && part.thoughtSignature ? part.thoughtSignature : undefined;
    if (isObject(part.functionCall)) {
      this.onFunctionCall(part.functionCall, signature, out);
      return;
    }
    this.closeOpenCall(out);
    if (typeof part.text === 'string') {
      if (part.thought === true) {
        if (!part.text && !signature) return;
        const ev: StreamEvent = { type: 'reasoning', family: 'gemini' };
        if (part.text) ev.text = part.text;
        if (signature) ev.signature = signature;
        out.push(ev);
        this.rememberThought(part.text, signature);
      } else if (part.text) {
        // A signature on a plain text part is optional to send back and has no hub slot.
        out.push({ type: 'text', text: part.text });
      }
      return;
    }
    const code = codeExecutionText(part);
    if (code !== undefined) out.push({ type: 'text', text: `\n${code}\n` });
  }

  private onFunctionCall(fc: JsonObject, signature: string | undefined, out: StreamEvent[]): void {
    const name = typeof fc.name === 'string' && fc.name ? fc.name : undefined;
    if (name === undefined) {
      // Continuation or close of the open Vertex call; a stray close is ignored.
      if (!this.open) return;
      this.open.args.apply(fc.partialArgs);
      if (fc.willContinue !== true) this.closeOpenCall(out);
      return;
    }
    this.closeOpenCall(out);
    const index = this.toolCount++;
    const id = typeof fc.id === 'string' && fc.id ? fc.id : newCallId();
    const first: StreamEvent = { type: 'tool_call', index, id, name };
    if (signature) first.thoughtSignature = signature;

    if (fc.willContinue === true || fc.partialArgs !== undefined) {
      const args = new PartialArgsBuilder();
      if (isObject(fc.args)) args.apply(objectAsPartialArgs(fc.args));
      args.apply(fc.partialArgs);
      this.open = { index, id, signature, args };
      out.push(first);
      if (fc.willContinue !== true) this.closeOpenCall(out);
      return;
    }
    first.argumentsDelta = isObject(fc.args) ? JSON.stringify(fc.args) : '{}';
    out.push(first);
    this.remember(id, signature);
  }

  private closeOpenCall(out: StreamEvent[]): void {
    const call = this.open;
    if (!call) return;
    this.open = undefined;
    out.push({ type: 'tool_call', index: call.index, argumentsDelta: call.args.json() });
    this.remember(call.id, call.signature);
  }

  private rememberThought(text: string, signature: string | undefined): void {
    const last = this.reasoning[this.reasoning.length - 1];
    if (last && !last.signature) {
      last.text += text;
      if (signature) last.signature = signature;
    } else {
      this.reasoning.push({ type: 'reasoning', text, family: 'gemini', ...(signature ? { signature } : {}) });
    }
  }

  /** Reasoning continuity: what a later request to Gemini needs to replay this call. */
  private remember(id: string, signature: string | undefined): void {
    if (!signature && this.reasoning.length === 0) return;
    this.store.put(id, { family: 'gemini', parts: this.reasoning.slice(), thoughtSignature: signature });
  }
}

export function createGeminiStreamDecoder(ctx: UpstreamResponseContext): GeminiStreamDecoder {
  return new GeminiStreamDecoder(ctx.reasoningStore);
}

function firstCandidate(candidates: unknown): JsonObject | undefined {
  if (!Array.isArray(candidates)) return undefined;
  for (const c of candidates) if (isObject(c) && (c.index === undefined || c.index === 0)) return c;
  return undefined;
}

/** Whole `args` sent alongside a streamed call, replayed as partial args so both merge. */
function objectAsPartialArgs(args: JsonObject): JsonObject[] {
  const out: JsonObject[] = [];
  const walk = (value: unknown, path: string): void => {
    if (typeof value === 'string') out.push({ jsonPath: path, stringValue: value });
    else if (typeof value === 'number') out.push({ jsonPath: path, numberValue: value });
    else if (typeof value === 'boolean') out.push({ jsonPath: path, boolValue: value });
    else if (value === null) out.push({ jsonPath: path, nullValue: 'NULL_VALUE' });
    else if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${path}[${i}]`));
    else if (isObject(value)) for (const k in value) walk(value[k], `${path}[${JSON.stringify(k)}]`);
  };
  walk(args, '$');
  return out;
}

function usageKey(u: Usage): string {
  return `${u.inputTokens}/${u.outputTokens}/${u.cacheReadTokens ?? ''}/${u.reasoningTokens ?? ''}`;
}

function streamError(message: string): StreamEvent {
  return { type: 'error', error: { status: 502, kind: 'upstream', message } };
}
