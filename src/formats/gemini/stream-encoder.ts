import type { StreamEvent, Usage } from '../../ir/types.js';
import type { ClientResponseContext, StreamEncoder } from '../types.js';
import { functionCallPart } from './encode-parts.js';
import { encodeGeminiError } from './errors.js';
import { toGeminiFinishReason } from './finish-reason.js';
import { newResponseId } from './ids.js';
import { toGeminiUsage } from './usage.js';
import type { GeminiPart, JsonObject } from './wire.js';

/**
 * How chunks go on the wire. `sse` is streamGenerateContent?alt=sse (`data: {...}\r\n\r\n`,
 * what @google/genai uses); `json-array` is streamGenerateContent without alt=sse, where
 * Google streams one JSON array progressively (`[{...}\r\n,{...}\r\n]`).
 */
export type GeminiStreamFraming = 'sse' | 'json-array';

/** The Content-Type Google answers a stream with, per framing. */
export function geminiStreamContentType(framing: GeminiStreamFraming): string {
  return framing === 'sse' ? 'text/event-stream' : 'application/json; charset=UTF-8';
}

interface PendingCall {
  id?: string;
  name: string;
  args: string;
  signature?: string;
}

/**
 * Hub events → Gemini stream chunks, each a GenerateContentResponse. Text and thoughts go
 * out as they arrive; a function call is buffered until it is complete (Gemini clients get
 * whole functionCall parts), i.e. until another call or content kind starts, or the finish.
 * The finish chunk carries finishReason and usageMetadata; an error ends the stream with
 * Google's error chunk and nothing after it.
 */
export class GeminiStreamEncoder implements StreamEncoder {
  private responseId: string | undefined;
  private usage: Partial<Usage> | undefined;
  private readonly calls = new Map<number, PendingCall>();
  private chunks = 0;
  private done = false;

  constructor(
    private readonly model: string,
    private readonly framing: GeminiStreamFraming = 'sse',
  ) {}

  push(event: StreamEvent): string {
    if (this.done) return '';
    switch (event.type) {
      case 'start':
        if (event.id) this.responseId ??= event.id;
        if (event.usage) this.mergeUsage(event.usage);
        return '';
      case 'usage':
        this.mergeUsage(event.usage);
        return '';
      case 'text':
        if (!event.text) return '';
        return this.flushCalls() + this.chunk([{ text: event.text }]);
      case 'reasoning': {
        const signature = event.family === 'gemini' ? event.signature : undefined;
        if (!event.text && !signature) return '';
        const part: GeminiPart = { text: event.text ?? '', thought: true };
        if (signature) part.thoughtSignature = signature;
        return this.flushCalls() + this.chunk([part]);
      }
      case 'tool_call':
        return this.onToolCall(event);
      case 'finish': {
        if (event.usage) this.mergeUsage(event.usage);
        this.done = true;
        const parts = this.takeCalls();
        const reason = toGeminiFinishReason(event.finishReason, event.rawFinishReason, true);
        return this.chunk(parts.length > 0 ? parts : [{ text: '' }], reason) + this.close();
      }
      case 'error': {
        this.done = true;
        this.calls.clear();
        return this.frame(JSON.stringify(encodeGeminiError(event.error))) + this.close();
      }
      default:
        return '';
    }
  }

  private onToolCall(event: Extract<StreamEvent, { type: 'tool_call' }>): string {
    let out = '';
    let call = this.calls.get(event.index);
    if (!call) {
      // A new call completes every call before it.
      if (this.calls.size > 0) out = this.flushCalls();
      call = { name: event.name ?? '', args: '' };
      this.calls.set(event.index, call);
    }
    if (event.id) call.id = event.id;
    if (event.name) call.name = event.name;
    if (event.argumentsDelta) call.args += event.argumentsDelta;
    if (event.thoughtSignature) call.signature = event.thoughtSignature;
    return out;
  }

  private takeCalls(): GeminiPart[] {
    const parts: GeminiPart[] = [];
    for (const call of this.calls.values()) parts.push(functionCallPart(call.id, call.name, call.args, call.signature));
    this.calls.clear();
    return parts;
  }

  private flushCalls(): string {
    if (this.calls.size === 0) return '';
    return this.chunk(this.takeCalls());
  }

  private chunk(parts: GeminiPart[], finishReason?: string): string {
    const candidate: JsonObject = { content: { parts, role: 'model' } };
    if (finishReason) candidate.finishReason = finishReason;
    candidate.index = 0;
    const body: JsonObject = { candidates: [candidate] };
    if (this.usage || finishReason) body.usageMetadata = toGeminiUsage(this.usage ?? {});
    body.modelVersion = this.model;
    body.responseId = this.responseId ??= newResponseId();
    return this.frame(JSON.stringify(body));
  }

  private frame(json: string): string {
    const n = this.chunks++;
    if (this.framing === 'sse') return `data: ${json}\r\n\r\n`;
    return n === 0 ? `[${json}` : `\r\n,${json}`;
  }

  private close(): string {
    if (this.framing === 'sse') return '';
    return this.chunks === 0 ? '[]' : '\r\n]';
  }

  private mergeUsage(u: Partial<Usage>): void {
    this.usage = Object.assign({}, this.usage, u);
  }
}

export function createGeminiStreamEncoder(ctx: ClientResponseContext, framing: GeminiStreamFraming = 'sse'): GeminiStreamEncoder {
  return new GeminiStreamEncoder(ctx.model, framing);
}
