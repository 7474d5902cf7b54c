import type { StreamEvent, Usage } from '../../ir/types.js';
import type { ClientResponseContext, StreamEncoder } from '../types.js';
import { encodeOpenAIError } from './errors.js';
import { toOpenAIFinishReason } from './finish-reason.js';
import { chatCompletionId, syntheticCallId } from './ids.js';
import { encodeOpenAIUsage } from './usage.js';

const DONE = 'data: [DONE]\n\n';

/**
 * Hub events → `chat.completion.chunk` SSE for the client, in OpenAI's own sequence: a
 * role chunk, content / reasoning_content / tool-call fragments by index, a finish chunk
 * with an empty delta, the usage chunk (`choices: []`) when the client asked for
 * `stream_options.include_usage` (earlier chunks then carry `usage: null`), and `[DONE]`.
 * An error becomes `data: {"error":…}` with no `[DONE]`, which the SDK raises as an APIError.
 */
export class OpenAIStreamEncoder implements StreamEncoder {
  private prefix = '';
  private suffix: string;
  private started = false;
  private done = false;
  private readonly includeUsage: boolean;
  private readonly created = Math.floor(Date.now() / 1000);
  private usage: Partial<Usage> = {};
  /** hub tool-call index → OpenAI index (ordinal of first appearance) */
  private readonly toolIndex = new Map<number, number>();

  constructor(private readonly ctx: ClientResponseContext) {
    this.includeUsage = ctx.request.includeUsage === true;
    this.suffix = this.includeUsage ? ',"usage":null}' : '}';
  }

  push(ev: StreamEvent): string {
    if (this.done) return '';
    switch (ev.type) {
      case 'start':
        return this.head(ev.id);
      case 'text':
        return ev.text ? this.head() + this.chunk({ content: ev.text }) : '';
      case 'reasoning':
        // Signatures and encrypted reasoning have no Chat Completions field.
        return ev.text ? this.head() + this.chunk({ reasoning_content: ev.text }) : '';
      case 'tool_call':
        return this.toolCall(ev);
      case 'usage':
        Object.assign(this.usage, ev.usage);
        return '';
      case 'finish': {
        if (ev.usage) Object.assign(this.usage, ev.usage);
        let out = this.head();
        const reason = toOpenAIFinishReason(ev.finishReason, this.toolIndex.size > 0);
        out += this.chunk({}, reason);
        if (this.includeUsage) {
          out += `data: ${this.prefix}"choices":[],"usage":${JSON.stringify(encodeOpenAIUsage(this.usage))}}\n\n`;
        }
        this.done = true;
        return out + DONE;
      }
      case 'error':
        this.done = true;
        return `data: ${JSON.stringify(encodeOpenAIError(ev.error))}\n\n`;
    }
  }

  /** The first chunk (role), opened on 'start' or on whatever arrives first. */
  private head(id?: string): string {
    if (this.started) return '';
    this.started = true;
    // Every chunk repeats these fields: serialise them once.
    this.prefix =
      `{"id":${JSON.stringify(chatCompletionId(id))},"object":"chat.completion.chunk",` +
      `"created":${this.created},"model":${JSON.stringify(this.ctx.model)},`;
    return this.chunk({ role: 'assistant', content: '', refusal: null });
  }

  private chunk(delta: Record<string, unknown>, finishReason: string | null = null): string {
    return (
      `data: ${this.prefix}"choices":[{"index":0,"delta":${JSON.stringify(delta)},` +
      `"logprobs":null,"finish_reason":${finishReason === null ? 'null' : JSON.stringify(finishReason)}}]` +
      this.suffix +
      '\n\n'
    );
  }

  private toolCall(ev: Extract<StreamEvent, { type: 'tool_call' }>): string {
    let out = this.head();
    let index = this.toolIndex.get(ev.index);
    if (index === undefined) {
      index = this.toolIndex.size;
      this.toolIndex.set(ev.index, index);
      // The SDK's accumulator needs id, type and name on the first fragment of an index.
      out += this.chunk({
        tool_calls: [{ index, id: ev.id || syntheticCallId(), type: 'function', function: { name: ev.name ?? '', arguments: '' } }],
      });
    }
    if (ev.argumentsDelta) {
      out += this.chunk({ tool_calls: [{ index, function: { arguments: ev.argumentsDelta } }] });
    }
    return out;
  }
}
