import type { StreamEvent, Usage } from '../../ir/types.js';
import type { StreamDecoder } from '../types.js';
import type { SseEvent } from '../../util/sse.js';
import { errorInfoFromPayload } from './errors.js';
import { mapOpenAIFinishReason } from './finish-reason.js';
import { syntheticCallId } from './ids.js';
import { decodeOpenAIUsage } from './usage.js';
import { isRecord, str, type JsonRecord } from './wire.js';

interface CallState {
  ordinal: number;
  id?: string;
  name?: string;
  /** The hub event carrying id + name went out. */
  opened: boolean;
  /** Argument text that arrived before the name did. */
  pending: string;
}

/**
 * Chat Completions SSE (downstream) → hub events, chunk by chunk.
 *
 * Providers differ (see the recorded fixtures): OpenAI sends the id and name on the first
 * fragment of a call and the usage in a trailing `choices: []` chunk; xAI and Groq send a
 * whole call in one delta; Alibaba repeats `id: ""` on later fragments; DeepSeek and Groq put
 * usage on the finish chunk. The finish_reason is held until `[DONE]` (or the end of the
 * stream, for servers that never send it) so the usage chunk after it is included.
 */
export class OpenAIStreamDecoder implements StreamDecoder {
  private started = false;
  private done = false;
  private finishReason: string | undefined;
  private usage: Usage | undefined;
  /** every call in order of appearance (position = hub ordinal) */
  private readonly calls: CallState[] = [];
  /** provider's tool_calls[].index → the call currently using it */
  private readonly byIndex = new Map<number, CallState>();
  private lastCall: CallState | undefined;
  private refused = false;

  push(ev: SseEvent): StreamEvent[] {
    if (this.done) return [];
    const data = ev.data;
    if (data === '[DONE]' || data.trimEnd() === '[DONE]') return this.finish();
    let chunk: unknown;
    try {
      chunk = JSON.parse(data);
    } catch {
      return []; // keep-alive noise; a real truncation is caught by end()
    }
    if (!isRecord(chunk)) return [];
    if (chunk.error !== undefined && chunk.error !== null) return this.fail(chunk.error);
    if (ev.event === 'error') return this.fail(chunk);

    const out: StreamEvent[] = [];
    if (!this.started) {
      this.started = true;
      out.push({ type: 'start', id: str(chunk.id) ?? '', model: str(chunk.model) ?? '' });
    }
    const choices = chunk.choices;
    if (Array.isArray(choices)) {
      for (const choice of choices) {
        // Only the first choice maps to the hub (n > 1 is not streamed through the hub).
        if (!isRecord(choice) || (choice.index ?? 0) !== 0) continue;
        if (isRecord(choice.delta)) this.delta(choice.delta, out);
        const fr = str(choice.finish_reason);
        if (fr) this.finishReason = fr;
      }
    }
    const usage = isRecord(chunk.usage) ? chunk.usage : isRecord(chunk.x_groq) && isRecord(chunk.x_groq.usage) ? chunk.x_groq.usage : undefined;
    if (usage) {
      this.usage = decodeOpenAIUsage(usage);
      out.push({ type: 'usage', usage: this.usage });
    }
    return out;
  }

  end(): StreamEvent[] {
    if (this.done) return [];
    if (this.finishReason !== undefined) return this.finish();
    this.done = true;
    return [
      {
        type: 'error',
        error: { status: 502, kind: 'upstream', message: 'Downstream stream ended before the response was complete' },
      },
    ];
  }

  private delta(d: JsonRecord, out: StreamEvent[]): void {
    const reasoning = str(d.reasoning_content) ?? str(d.reasoning);
    if (reasoning) out.push({ type: 'reasoning', text: reasoning, family: 'openai' });
    const content = str(d.content);
    if (content) out.push({ type: 'text', text: content });
    const refusal = str(d.refusal);
    if (refusal) {
      this.refused = true;
      out.push({ type: 'text', text: refusal });
    }
    if (Array.isArray(d.tool_calls)) {
      for (const tc of d.tool_calls) if (isRecord(tc)) this.toolCallDelta(tc, out);
    }
    const fc = d.function_call;
    if (isRecord(fc)) this.toolCallDelta({ index: 0, function: fc }, out);
  }

  private toolCallDelta(tc: JsonRecord, out: StreamEvent[]): void {
    const id = str(tc.id) || undefined; // Alibaba repeats id: "" on later fragments
    const fn = isRecord(tc.function) ? tc.function : undefined;
    const name = str(fn?.name) || undefined;
    const args = str(fn?.arguments) ?? '';
    const index = typeof tc.index === 'number' ? tc.index : undefined;

    let call = index !== undefined ? this.byIndex.get(index) : id === undefined ? this.lastCall : this.callById(id);
    // A different id under a known index is a new call (some servers reuse index 0).
    if (call && id !== undefined && call.id !== undefined && call.id !== id) call = undefined;
    if (!call) {
      call = { ordinal: this.calls.length, opened: false, pending: '' };
      this.calls.push(call);
      if (index !== undefined) this.byIndex.set(index, call);
    }
    this.lastCall = call;
    if (id !== undefined && call.id === undefined) call.id = id;
    if (name !== undefined && call.name === undefined) call.name = name;

    if (!call.opened) {
      if (call.name === undefined) {
        call.pending += args;
        return;
      }
      call.opened = true;
      const argumentsDelta = call.pending + args;
      call.pending = '';
      out.push({
        type: 'tool_call',
        index: call.ordinal,
        id: call.id ?? (call.id = syntheticCallId()),
        name: call.name,
        ...(argumentsDelta ? { argumentsDelta } : {}),
      });
    } else if (args) {
      out.push({ type: 'tool_call', index: call.ordinal, argumentsDelta: args });
    }
  }

  private callById(id: string): CallState | undefined {
    return this.calls.find((c) => c.id === id);
  }

  private finish(): StreamEvent[] {
    this.done = true;
    const out: StreamEvent[] = [];
    if (!this.started) {
      this.started = true;
      out.push({ type: 'start', id: '', model: '' });
    }
    const raw = this.finishReason;
    const finish: StreamEvent = {
      type: 'finish',
      finishReason: this.refused && raw !== 'length' ? 'content_filter' : mapOpenAIFinishReason(raw, this.calls.length > 0),
    };
    if (raw) finish.rawFinishReason = raw;
    if (this.usage) finish.usage = this.usage;
    out.push(finish);
    return out;
  }

  private fail(payload: unknown): StreamEvent[] {
    this.done = true;
    return [{ type: 'error', error: errorInfoFromPayload(payload, 500) }];
  }
}
