import type { FinishReason, StreamEvent, Usage } from '../../ir/types.js';
import type { ClientResponseContext, StreamEncoder } from '../types.js';
import { sseFrame } from '../../util/sse.js';
import { encodeAnthropicError } from './errors.js';
import { toAnthropicStopReason } from './finish-reason.js';
import { messageId, syntheticToolUseId } from './ids.js';
import { usageToAnthropic } from './usage.js';

type OpenKind = 'text' | 'thinking' | 'tool';

function frame(type: string, payload: object): string {
  return sseFrame(JSON.stringify({ type, ...payload }), type);
}

/** The hot path (one frame per token batch): built as text, no intermediate objects. */
function deltaFrame(index: number, deltaType: string, field: string, value: string): string {
  return (
    'event: content_block_delta\ndata: {"type":"content_block_delta","index":' +
    index +
    ',"delta":{"type":"' +
    deltaType +
    '","' +
    field +
    '":' +
    JSON.stringify(value) +
    '}}\n\n'
  );
}

/**
 * Hub stream events → Messages API SSE for an Anthropic client: message_start,
 * content_block_start/delta/stop with consecutive indices (a block closes when the content
 * kind changes), message_delta with the stop reason and usage, message_stop. An error
 * becomes `event: error` and ends the stream. Tolerates content (or a finish) before
 * `start` by synthesizing the message_start.
 */
export function createAnthropicStreamEncoder(ctx: ClientResponseContext): StreamEncoder {
  let started = false;
  let ended = false;
  let nextIndex = 0;
  /** The block being written (undefined: none), its index, and whether its signature went out. */
  let openKind: OpenKind | undefined;
  let openIndex = -1;
  let openSigned = false;
  /** Block index of each hub tool-call ordinal, for argument fragments. */
  const toolBlocks = new Map<number, number>();
  let usage: Partial<Usage> = {};
  let hasToolCalls = false;

  function start(id?: string, u?: Partial<Usage>): string {
    started = true;
    if (u) usage = Object.assign({}, usage, u);
    const wireUsage = usageToAnthropic(usage);
    return frame('message_start', {
      message: {
        id: messageId(id),
        type: 'message',
        role: 'assistant',
        model: ctx.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: {
          input_tokens: wireUsage.input_tokens,
          cache_creation_input_tokens: wireUsage.cache_creation_input_tokens,
          cache_read_input_tokens: wireUsage.cache_read_input_tokens,
          output_tokens: wireUsage.output_tokens,
        },
      },
    });
  }

  function ensureStarted(): string {
    return started ? '' : start();
  }

  function close(): string {
    if (openKind === undefined) return '';
    openKind = undefined;
    return frame('content_block_stop', { index: openIndex });
  }

  function openBlock(kind: OpenKind, contentBlock: object): string {
    const out = close();
    openKind = kind;
    openIndex = nextIndex++;
    openSigned = false;
    return out + frame('content_block_start', { index: openIndex, content_block: contentBlock });
  }

  function finish(ev: Extract<StreamEvent, { type: 'finish' }>): string {
    let out = ensureStarted() + close();
    if (ev.usage) usage = Object.assign({}, usage, ev.usage);
    const wireUsage = usageToAnthropic(usage);
    const reason: FinishReason = ev.finishReason;
    out += frame('message_delta', {
      delta: {
        stop_reason: toAnthropicStopReason(reason, {
          raw: ev.rawFinishReason,
          // Only Anthropic's own reasons are recognised, so another provider's raw reason never leaks.
          sameFormat: true,
          hasToolCalls,
          stopSequence: ev.stopSequence,
        }),
        stop_sequence: ev.stopSequence ?? null,
      },
      usage: wireUsage,
    });
    ended = true;
    return out + frame('message_stop', {});
  }

  function push(ev: StreamEvent): string {
    if (ended) return '';
    switch (ev.type) {
      case 'start':
        return started ? '' : start(ev.id, ev.usage);
      case 'text': {
        if (ev.text === '') return '';
        let out = ensureStarted();
        if (openKind !== 'text') out += openBlock('text', { type: 'text', text: '' });
        return out + deltaFrame(openIndex, 'text_delta', 'text', ev.text);
      }
      case 'reasoning':
        return reasoning(ev);
      case 'tool_call':
        return toolCall(ev);
      case 'usage':
        usage = Object.assign({}, usage, ev.usage);
        return '';
      case 'finish':
        return finish(ev);
      case 'error': {
        ended = true;
        // Anthropic ends a failed stream with the error event alone: no block stops, no message_stop.
        return frame('error', { error: encodeAnthropicError(ev.error).error });
      }
    }
  }

  function reasoning(ev: Extract<StreamEvent, { type: 'reasoning' }>): string {
    const own = ev.family === 'anthropic';
    let out = ensureStarted();
    if (own && ev.redactedData) {
      out += openBlock('thinking', { type: 'redacted_thinking', data: ev.redactedData });
      return out + close();
    }
    const text = ev.text ?? '';
    const signature = own ? ev.signature : undefined;
    if (!text && !signature) return out;
    // A signature closes its thinking block: more thinking after it is a new block.
    if (openKind !== 'thinking' || (openSigned && text)) {
      out += openBlock('thinking', { type: 'thinking', thinking: '', signature: '' });
    }
    if (text) out += deltaFrame(openIndex, 'thinking_delta', 'thinking', text);
    if (signature) {
      openSigned = true;
      out += deltaFrame(openIndex, 'signature_delta', 'signature', signature);
    }
    return out;
  }

  function toolCall(ev: Extract<StreamEvent, { type: 'tool_call' }>): string {
    let out = ensureStarted();
    let blockIndex = toolBlocks.get(ev.index);
    if (blockIndex === undefined) {
      hasToolCalls = true;
      out += openBlock('tool', { type: 'tool_use', id: ev.id || syntheticToolUseId(), name: ev.name ?? '', input: {} });
      blockIndex = openIndex;
      toolBlocks.set(ev.index, blockIndex);
    }
    if (ev.argumentsDelta) {
      out += deltaFrame(blockIndex, 'input_json_delta', 'partial_json', ev.argumentsDelta);
    }
    return out;
  }

  return { push };
}
