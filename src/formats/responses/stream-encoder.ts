import type { ClientResponseContext, StreamEncoder } from '../types.js';
import type { ErrorInfo, FinishReason, StreamEvent, Usage } from '../../ir/types.js';
import { buildEcho, responseObject, type Echo } from './envelope.js';
import { encodeResponsesError, failedResponseError } from './errors.js';
import { statusForFinishReason } from './finish-reason.js';
import { IdMinter } from './ids.js';
import { usageToResponses } from './usage.js';
import type { Json } from './wire.js';

interface MessageItem {
  kind: 'message';
  index: number;
  id: string;
  /** The downstream's own item id, when it was a Responses API (decides when a new item starts). */
  sourceId: string | undefined;
  text: string;
  /** `"item_id":"…","output_index":N` — shared by every event of the item. */
  ref: string;
}

interface ReasoningItem {
  kind: 'reasoning';
  index: number;
  id: string;
  sourceId: string | undefined;
  text: string;
  summaryOpen: boolean;
  encrypted: string | undefined;
  ref: string;
}

interface ToolItem {
  kind: 'tool';
  index: number;
  id: string;
  callId: string;
  name: string;
  args: string;
  ref: string;
}

type OpenItem = MessageItem | ReasoningItem | ToolItem;

/**
 * Hub events → the Responses API's typed SSE sequence, exactly as the official SDK's
 * ResponseStream accumulates it: response.created, response.in_progress, then per output item
 * output_item.added … output_item.done, and one terminal response.completed /
 * response.incomplete / response.failed that carries the whole Response object. Every event has
 * an increasing sequence_number; frames are `event: <type>` + `data: <json>`, no [DONE].
 */
export class ResponsesStreamEncoder implements StreamEncoder {
  private seq = 0;
  private started = false;
  private finished = false;
  private readonly minter = new IdMinter();
  private id = '';
  private createdAt = 0;
  private echo: Echo | undefined;
  /** Closed items by output index (the open one is put in place when it closes). */
  private readonly output: (Json | undefined)[] = [];
  private cur: OpenItem | undefined;
  private readonly tools = new Map<number, ToolItem>();
  private usage: Partial<Usage> = {};

  constructor(private readonly ctx: ClientResponseContext) {}

  push(ev: StreamEvent): string {
    if (this.finished) return '';
    switch (ev.type) {
      case 'start':
        if (ev.usage) this.mergeUsage(ev.usage);
        return this.started ? '' : this.start(ev.id);
      case 'text':
        return ev.text ? this.text(ev.text, ev.itemId) : '';
      case 'reasoning':
        return this.reasoning(ev);
      case 'tool_call':
        return this.toolCall(ev);
      case 'usage':
        this.mergeUsage(ev.usage);
        return '';
      case 'finish':
        if (ev.usage) this.mergeUsage(ev.usage);
        return this.finish(ev.finishReason);
      case 'error':
        return this.fail(ev.error);
      default:
        return '';
    }
  }

  private frame(type: string, fields: Json): string {
    return `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: this.seq++, ...fields })}\n\n`;
  }

  /** Hot path: deltas are framed by hand, only the delta text itself goes through JSON.stringify. */
  private deltaFrame(type: string, ref: string, extra: string, delta: string, tail: string): string {
    return `event: ${type}\ndata: {"type":"${type}","sequence_number":${this.seq++},${ref}${extra},"delta":${JSON.stringify(delta)}${tail}}\n\n`;
  }

  private start(upstreamId: string | undefined): string {
    this.started = true;
    this.id = upstreamId && upstreamId.startsWith('resp_') ? upstreamId : this.minter.next('resp');
    this.createdAt = Math.floor(Date.now() / 1000);
    this.echo = buildEcho(this.ctx);
    const response = this.snapshot('in_progress', null, null, null);
    return this.frame('response.created', { response }) + this.frame('response.in_progress', { response });
  }

  private ensureStarted(): string {
    return this.started ? '' : this.start(undefined);
  }

  private snapshot(
    status: 'in_progress' | 'completed' | 'incomplete' | 'failed',
    incompleteDetails: { reason: string } | null,
    error: { code: string; message: string } | null,
    usage: Json | null,
  ): Json {
    return responseObject(
      {
        id: this.id,
        createdAt: this.createdAt,
        status,
        completedAt: status === 'completed' ? Math.floor(Date.now() / 1000) : null,
        error,
        incompleteDetails,
        output: status === 'in_progress' ? [] : this.output.filter((x): x is Json => x !== undefined),
        usage,
      },
      this.echo ?? buildEcho(this.ctx),
    );
  }

  private ref(id: string, index: number): string {
    return `"item_id":${JSON.stringify(id)},"output_index":${index}`;
  }

  private text(text: string, sourceId: string | undefined): string {
    let out = this.ensureStarted();
    let item = this.cur;
    if (item?.kind !== 'message' || (sourceId !== undefined && item.sourceId !== undefined && sourceId !== item.sourceId)) {
      out += this.close('completed');
      const index = this.output.length;
      const id = sourceId ?? this.minter.next('msg');
      item = { kind: 'message', index, id, sourceId, text: '', ref: this.ref(id, index) };
      this.cur = item;
      this.output.push(undefined);
      out += this.frame('response.output_item.added', {
        output_index: index,
        item: { id, type: 'message', status: 'in_progress', content: [], role: 'assistant' },
      });
      out += this.frame('response.content_part.added', {
        item_id: id,
        output_index: index,
        content_index: 0,
        part: { type: 'output_text', annotations: [], logprobs: [], text: '' },
      });
    }
    item.text += text;
    return out + this.deltaFrame('response.output_text.delta', item.ref, ',"content_index":0', text, ',"logprobs":[]');
  }

  private reasoning(ev: Extract<StreamEvent, { type: 'reasoning' }>): string {
    const own = ev.family === 'openai';
    const encrypted = own ? ev.encrypted : undefined;
    if (!ev.text && !encrypted) return ''; // signatures and redacted data belong to other families
    let out = this.ensureStarted();
    const sourceId = own ? ev.itemId : undefined;
    let text = ev.text;
    let item = this.cur;
    if (item?.kind !== 'reasoning' || (sourceId !== undefined && item.sourceId !== undefined && sourceId !== item.sourceId)) {
      // The hub separates reasoning items by a blank line; a new item starts without it.
      if (text?.startsWith('\n\n')) text = text.slice(2);
      out += this.close('completed');
      const index = this.output.length;
      const id = sourceId ?? this.minter.next('rs');
      item = { kind: 'reasoning', index, id, sourceId, text: '', summaryOpen: false, encrypted: undefined, ref: this.ref(id, index) };
      this.cur = item;
      this.output.push(undefined);
      out += this.frame('response.output_item.added', { output_index: index, item: { id, type: 'reasoning', summary: [] } });
    }
    if (encrypted) item.encrypted = encrypted;
    if (text) {
      if (!item.summaryOpen) {
        item.summaryOpen = true;
        out += this.frame('response.reasoning_summary_part.added', {
          item_id: item.id,
          output_index: item.index,
          summary_index: 0,
          part: { type: 'summary_text', text: '' },
        });
      }
      item.text += text;
      out += this.deltaFrame('response.reasoning_summary_text.delta', item.ref, ',"summary_index":0', text, '');
    }
    return out;
  }

  private toolCall(ev: Extract<StreamEvent, { type: 'tool_call' }>): string {
    let out = this.ensureStarted();
    let item = this.tools.get(ev.index);
    if (!item) {
      out += this.close('completed');
      const index = this.output.length;
      const id = ev.itemId ?? this.minter.next('fc');
      const callId = ev.id ?? this.minter.next('call');
      const name = ev.name ?? '';
      item = { kind: 'tool', index, id, callId, name, args: '', ref: this.ref(id, index) };
      this.tools.set(ev.index, item);
      this.cur = item;
      this.output.push(undefined);
      out += this.frame('response.output_item.added', {
        output_index: index,
        item: { id, type: 'function_call', status: 'in_progress', arguments: '', call_id: callId, name },
      });
    }
    if (ev.argumentsDelta) {
      item.args += ev.argumentsDelta;
      out += this.deltaFrame('response.function_call_arguments.delta', item.ref, '', ev.argumentsDelta, '');
    }
    return out;
  }

  /** Close the open item: its done events, and its final form into the output list. */
  private close(status: 'completed' | 'incomplete'): string {
    const item = this.cur;
    if (!item) return '';
    this.cur = undefined;
    let out = '';
    if (item.kind === 'message') {
      const part = { type: 'output_text', annotations: [], logprobs: [], text: item.text };
      out += this.frame('response.output_text.done', {
        item_id: item.id,
        output_index: item.index,
        content_index: 0,
        text: item.text,
        logprobs: [],
      });
      out += this.frame('response.content_part.done', { item_id: item.id, output_index: item.index, content_index: 0, part });
      this.output[item.index] = { id: item.id, type: 'message', status, content: [part], role: 'assistant' };
    } else if (item.kind === 'reasoning') {
      const summary = item.summaryOpen ? [{ type: 'summary_text', text: item.text }] : [];
      if (item.summaryOpen) {
        out += this.frame('response.reasoning_summary_text.done', {
          item_id: item.id,
          output_index: item.index,
          summary_index: 0,
          text: item.text,
        });
        out += this.frame('response.reasoning_summary_part.done', {
          item_id: item.id,
          output_index: item.index,
          summary_index: 0,
          part: summary[0],
        });
      }
      const done: Json = { id: item.id, type: 'reasoning' };
      if (item.encrypted) done.encrypted_content = item.encrypted;
      done.summary = summary;
      this.output[item.index] = done;
    } else {
      if (!item.args) {
        // A call without arguments still has an (empty) JSON object of them.
        item.args = '{}';
        out += this.deltaFrame('response.function_call_arguments.delta', item.ref, '', '{}', '');
      }
      out += this.frame('response.function_call_arguments.done', {
        item_id: item.id,
        output_index: item.index,
        arguments: item.args,
        name: item.name,
      });
      this.output[item.index] = {
        id: item.id,
        type: 'function_call',
        status: 'completed',
        arguments: item.args,
        call_id: item.callId,
        name: item.name,
      };
    }
    return out + this.frame('response.output_item.done', { output_index: item.index, item: this.output[item.index] });
  }

  private finish(reason: FinishReason): string {
    let out = this.ensureStarted();
    const { status, incompleteDetails } = statusForFinishReason(reason);
    if (status === 'failed') {
      return out + this.fail({ status: 500, kind: 'server', message: 'The model failed to generate a response.' });
    }
    out += this.close(status === 'incomplete' ? 'incomplete' : 'completed');
    this.finished = true;
    // Tool calls whose arguments trickled in after their item closed: their final form.
    for (const t of this.tools.values()) {
      const done = this.output[t.index];
      if (done && done.arguments !== t.args) done.arguments = t.args;
    }
    const response = this.snapshot(status, incompleteDetails, null, usageToResponses(this.usage) as unknown as Json);
    return out + this.frame(status === 'incomplete' ? 'response.incomplete' : 'response.completed', { response });
  }

  /**
   * What the API sends when a response fails mid-stream (recorded): an `error` event, then
   * response.failed; nothing after it. The official SDK throws an APIError on the `error` event.
   */
  private fail(err: ErrorInfo): string {
    let out = this.ensureStarted();
    this.finished = true;
    const open = this.cur;
    if (open) {
      // Left unfinished, as the API leaves it: the item is in the failed response, incomplete.
      this.output[open.index] = openItemSnapshot(open);
      this.cur = undefined;
    }
    out += this.frame('error', { error: encodeResponsesError(err).error });
    const response = this.snapshot('failed', null, failedResponseError(err), null);
    return out + this.frame('response.failed', { response });
  }

  private mergeUsage(u: Partial<Usage>): void {
    const into = this.usage as Record<string, number | undefined>;
    for (const [k, v] of Object.entries(u)) if (v !== undefined) into[k] = v;
  }
}

function openItemSnapshot(item: OpenItem): Json {
  if (item.kind === 'message') {
    return {
      id: item.id,
      type: 'message',
      status: 'incomplete',
      content: [{ type: 'output_text', annotations: [], logprobs: [], text: item.text }],
      role: 'assistant',
    };
  }
  if (item.kind === 'reasoning') {
    return { id: item.id, type: 'reasoning', summary: item.text ? [{ type: 'summary_text', text: item.text }] : [] };
  }
  return { id: item.id, type: 'function_call', status: 'incomplete', arguments: item.args, call_id: item.callId, name: item.name };
}
