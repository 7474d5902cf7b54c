import type { StreamDecoder, UpstreamResponseContext } from '../types.js';
import type { AssistantPart, ErrorInfo, ReasoningPart, StreamEvent } from '../../ir/types.js';
import type { SseEvent } from '../../util/sse.js';
import { rememberReasoning } from './decode-response.js';
import { errorFromPayload } from './errors.js';
import { mapResponsesFinishReason } from './finish-reason.js';
import { usageFromResponses } from './usage.js';
import { isRecord, num, str, type Json } from './wire.js';

/** What the decoder knows about one output item, keyed by output_index. */
interface ItemState {
  index: number;
  type: string;
  /** The id from output_item.added: some servers (GitHub Copilot) send a new item_id on every event. */
  id: string | undefined;
  /** message: text so far per content_index; reasoning: per summary_index (raw reasoning text per content_index in `raw`). */
  texts: string[];
  raw: string[];
  /** output_item.done was handled (the final Response repeats every item). */
  done: boolean;
  /** function_call */
  toolIndex: number;
  callId: string;
  name: string;
  args: string;
}

/**
 * Responses SSE → hub events, as they arrive. Items are tracked by output_index; the
 * `.done` events and the final Response are compared with what the deltas said and only the
 * missing remainder is emitted, so servers that skip deltas (or recordings cut down) still
 * give the whole answer. Hosted tool calls (web_search_call...) and annotations are skipped.
 */
export class ResponsesStreamDecoder implements StreamDecoder {
  private started = false;
  private ended = false;
  private readonly items = new Map<number, ItemState>();
  private readonly byId = new Map<string, ItemState>();
  private toolCount = 0;
  private hasRefusal = false;
  /** The reasoning part (output index + summary/content index) that emitted text last. */
  private lastReasoning: string | undefined;
  private readonly reasoningParts: ReasoningPart[] = [];
  private readonly calls: AssistantPart[] = [];

  constructor(private readonly ctx: UpstreamResponseContext) {}

  push(sse: SseEvent): StreamEvent[] {
    if (this.ended) return [];
    let ev: unknown;
    try {
      ev = JSON.parse(sse.data);
    } catch {
      return []; // not an event ([DONE] from lenient servers, stray text)
    }
    if (!isRecord(ev)) return [];
    const type = str(ev.type) ?? sse.event;
    const out: StreamEvent[] = [];
    switch (type) {
      case 'response.created':
      case 'response.in_progress':
      case 'response.queued':
        this.start(ev.response, out);
        break;
      case 'response.output_item.added':
        if (isRecord(ev.item)) this.itemAdded(this.indexOf(ev), ev.item, out);
        break;
      case 'response.output_text.delta':
      case 'response.refusal.delta': {
        if (type === 'response.refusal.delta') this.hasRefusal = true;
        const delta = str(ev.delta);
        if (delta) this.messageText(this.indexOf(ev), num(ev.content_index) ?? 0, delta, out);
        break;
      }
      case 'response.output_text.done':
        this.reconcileMessage(this.indexOf(ev), num(ev.content_index) ?? 0, str(ev.text), out);
        break;
      case 'response.refusal.done':
        this.hasRefusal = true;
        this.reconcileMessage(this.indexOf(ev), num(ev.content_index) ?? 0, str(ev.refusal), out);
        break;
      case 'response.reasoning_summary_text.delta': {
        const delta = str(ev.delta);
        if (delta) this.reasoningText(this.indexOf(ev), 's', num(ev.summary_index) ?? 0, delta, out);
        break;
      }
      case 'response.reasoning_summary_text.done':
        this.reconcileReasoning(this.indexOf(ev), 's', num(ev.summary_index) ?? 0, str(ev.text), out);
        break;
      case 'response.reasoning_text.delta': {
        const delta = str(ev.delta);
        if (delta) this.reasoningText(this.indexOf(ev), 'c', num(ev.content_index) ?? 0, delta, out);
        break;
      }
      case 'response.reasoning_text.done':
        this.reconcileReasoning(this.indexOf(ev), 'c', num(ev.content_index) ?? 0, str(ev.text), out);
        break;
      case 'response.function_call_arguments.delta': {
        const delta = str(ev.delta);
        const st = this.items.get(this.indexOf(ev));
        if (delta && st?.type === 'function_call') {
          st.args += delta;
          out.push({ type: 'tool_call', index: st.toolIndex, argumentsDelta: delta });
        }
        break;
      }
      case 'response.function_call_arguments.done':
        this.reconcileArgs(this.items.get(this.indexOf(ev)), str(ev.arguments), out);
        break;
      case 'response.output_item.done':
        if (isRecord(ev.item)) this.itemDone(this.indexOf(ev), ev.item, out);
        break;
      case 'response.completed':
      case 'response.incomplete':
        this.complete(ev.response, out);
        break;
      case 'response.failed':
        this.failed(ev.response, out);
        break;
      case 'error':
        // Recorded shape: {type:'error', error:{type,code,message,param}}; the SDK types a flat one.
        this.error(errorFromPayload(isRecord(ev.error) ? ev.error : { code: ev.code, message: ev.message, param: ev.param }, 500), out);
        break;
      default:
        break;
    }
    return out;
  }

  end(): StreamEvent[] {
    if (this.ended) return [];
    this.ended = true;
    return [
      {
        type: 'error',
        error: {
          status: 502,
          kind: 'upstream',
          message: 'The downstream Responses stream ended before response.completed: the answer is truncated.',
        },
      },
    ];
  }

  private indexOf(ev: Json): number {
    return num(ev.output_index) ?? 0;
  }

  private start(response: unknown, out: StreamEvent[]): void {
    if (this.started) return;
    this.started = true;
    const r = isRecord(response) ? response : {};
    out.push({ type: 'start', id: str(r.id) ?? '', model: str(r.model) ?? '' });
  }

  private state(index: number, type: string, id: string | undefined): ItemState {
    let st = this.items.get(index);
    if (!st) {
      st = { index, type, id, texts: [], raw: [], done: false, toolIndex: -1, callId: '', name: '', args: '' };
      this.items.set(index, st);
      if (id) this.byId.set(id, st);
    }
    return st;
  }

  private itemAdded(index: number, item: Json, out: StreamEvent[]): ItemState {
    const existing = this.items.get(index);
    if (existing) return existing;
    const type = str(item.type) ?? 'unknown';
    const st = this.state(index, type, str(item.id));
    if (type === 'function_call') {
      st.toolIndex = this.toolCount++;
      st.callId = str(item.call_id) ?? st.id ?? '';
      st.name = str(item.name) ?? '';
      st.args = str(item.arguments) ?? '';
      const ev: StreamEvent = { type: 'tool_call', index: st.toolIndex, id: st.callId, name: st.name };
      if (st.id) ev.itemId = st.id;
      if (st.args) ev.argumentsDelta = st.args;
      out.push(ev);
      this.calls.push(
        st.id
          ? { type: 'tool_call', id: st.callId, name: st.name, arguments: '', itemId: st.id }
          : { type: 'tool_call', id: st.callId, name: st.name, arguments: '' },
      );
    }
    return st;
  }

  private messageText(index: number, contentIndex: number, delta: string, out: StreamEvent[]): void {
    const st = this.state(index, 'message', undefined);
    st.texts[contentIndex] = (st.texts[contentIndex] ?? '') + delta;
    out.push(st.id ? { type: 'text', text: delta, itemId: st.id } : { type: 'text', text: delta });
  }

  private reconcileMessage(index: number, contentIndex: number, full: string | undefined, out: StreamEvent[]): void {
    if (full === undefined) return;
    const st = this.state(index, 'message', undefined);
    const have = st.texts[contentIndex] ?? '';
    if (full.length > have.length && full.startsWith(have)) this.messageText(index, contentIndex, full.slice(have.length), out);
  }

  /** kind 's': summary part, 'c': raw reasoning content part. */
  private reasoningText(index: number, kind: 's' | 'c', partIndex: number, delta: string, out: StreamEvent[]): void {
    const st = this.state(index, 'reasoning', undefined);
    const bucket = kind === 's' ? st.texts : st.raw;
    bucket[partIndex] = (bucket[partIndex] ?? '') + delta;
    const key = `${index}${kind}${partIndex}`;
    // Summary parts (and reasoning items) are separate paragraphs; the hub carries one text.
    const text = this.lastReasoning !== undefined && this.lastReasoning !== key ? `\n\n${delta}` : delta;
    this.lastReasoning = key;
    const ev: StreamEvent = { type: 'reasoning', text, family: 'openai' };
    if (st.id) ev.itemId = st.id;
    out.push(ev);
  }

  private reconcileReasoning(index: number, kind: 's' | 'c', partIndex: number, full: string | undefined, out: StreamEvent[]): void {
    if (full === undefined) return;
    const st = this.state(index, 'reasoning', undefined);
    const have = (kind === 's' ? st.texts : st.raw)[partIndex] ?? '';
    if (full.length > have.length && full.startsWith(have)) this.reasoningText(index, kind, partIndex, full.slice(have.length), out);
  }

  private reconcileArgs(st: ItemState | undefined, full: string | undefined, out: StreamEvent[]): void {
    if (!st || st.type !== 'function_call' || full === undefined) return;
    if (full.length > st.args.length && full.startsWith(st.args)) {
      const rest = full.slice(st.args.length);
      st.args = full;
      out.push({ type: 'tool_call', index: st.toolIndex, argumentsDelta: rest });
    }
  }

  private itemDone(index: number, item: Json, out: StreamEvent[]): void {
    const st = this.itemAdded(index, item, out);
    if (st.done) return;
    st.done = true;
    if (st.type === 'message' && Array.isArray(item.content)) {
      for (let j = 0; j < item.content.length; j++) {
        const c: unknown = item.content[j];
        if (!isRecord(c)) continue;
        if (c.type === 'refusal') this.hasRefusal = true;
        this.reconcileMessage(index, j, c.type === 'refusal' ? str(c.refusal) : str(c.text), out);
      }
    } else if (st.type === 'function_call') {
      this.reconcileArgs(st, str(item.arguments), out);
    } else if (st.type === 'reasoning') {
      this.reasoningDone(index, st, item, out);
    }
  }

  private reasoningDone(index: number, st: ItemState, item: Json, out: StreamEvent[]): void {
    if (Array.isArray(item.summary)) {
      for (let i = 0; i < item.summary.length; i++) {
        const s: unknown = item.summary[i];
        if (isRecord(s)) this.reconcileReasoning(index, 's', i, str(s.text), out);
      }
    }
    if (Array.isArray(item.content)) {
      for (let i = 0; i < item.content.length; i++) {
        const c: unknown = item.content[i];
        if (isRecord(c)) this.reconcileReasoning(index, 'c', i, str(c.text), out);
      }
    }
    const encrypted = str(item.encrypted_content);
    if (encrypted) {
      const ev: StreamEvent = { type: 'reasoning', encrypted, family: 'openai' };
      if (st.id) ev.itemId = st.id;
      out.push(ev);
    }
    const summary = st.texts.filter((t) => t !== undefined);
    const text = summary.length > 0 ? summary.join('\n\n') : st.raw.filter((t) => t !== undefined).join('\n\n');
    if (!text && !encrypted) return;
    const part: ReasoningPart = { type: 'reasoning', text, family: 'openai', summary };
    if (st.id) part.itemId = st.id;
    if (encrypted) part.encrypted = encrypted;
    this.reasoningParts.push(part);
  }

  private complete(response: unknown, out: StreamEvent[]): void {
    const r = isRecord(response) ? response : {};
    this.start(r, out);
    // Items the stream never showed (servers that only send the final object): emit them now.
    if (Array.isArray(r.output)) {
      for (let i = 0; i < r.output.length; i++) {
        const item: unknown = r.output[i];
        if (isRecord(item)) this.finalItem(i, item, out);
      }
    }
    this.ended = true;
    const incomplete = isRecord(r.incomplete_details) ? str(r.incomplete_details.reason) : undefined;
    const status = str(r.status);
    const finish: StreamEvent = {
      type: 'finish',
      finishReason: mapResponsesFinishReason(status, incomplete, this.toolCount > 0, this.hasRefusal),
    };
    const raw = incomplete ?? status;
    if (raw) finish.rawFinishReason = raw;
    const usage = usageFromResponses(r.usage);
    if (usage) finish.usage = usage;
    out.push(finish);
    if (this.calls.length > 0 && this.reasoningParts.length > 0) {
      rememberReasoning([...this.reasoningParts, ...this.calls], this.ctx.reasoningStore);
    }
  }

  /**
   * An item of the final Response: matched to what was streamed by id (output indexes of a
   * cut-down stream may not line up), else by index (ids that change per event); an item of
   * another type at that index is left alone rather than risk showing text twice.
   */
  private finalItem(i: number, item: Json, out: StreamEvent[]): void {
    const id = str(item.id);
    const st = (id ? this.byId.get(id) : undefined) ?? this.items.get(i);
    if (!st) {
      this.itemDone(i, item, out);
      return;
    }
    if (st.type === item.type) this.itemDone(st.index, item, out);
  }

  private failed(response: unknown, out: StreamEvent[]): void {
    const r = isRecord(response) ? response : {};
    this.start(r, out);
    const info: ErrorInfo = isRecord(r.error) ? errorFromPayload(r.error, 500) : { status: 500, kind: 'server', message: 'The downstream response failed.' };
    this.error(info, out);
  }

  private error(info: ErrorInfo, out: StreamEvent[]): void {
    this.ended = true;
    out.push({ type: 'error', error: info });
  }
}
