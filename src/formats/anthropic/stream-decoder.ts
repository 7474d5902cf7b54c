import type { ReasoningPart, StreamEvent, Usage } from '../../ir/types.js';
import type { ReasoningStore } from '../../ir/reasoning-store.js';
import type { StreamDecoder } from '../types.js';
import type { SseEvent } from '../../util/sse.js';
import { errorFromStreamEvent } from './errors.js';
import { mapAnthropicStopReason } from './finish-reason.js';
import { usageFromAnthropic } from './usage.js';
import { isRecord, str, type JsonRecord } from './wire.js';

type BlockKind = 'text' | 'thinking' | 'redacted' | 'tool' | 'other';

interface OpenBlock {
  kind: BlockKind;
  /** Hub tool-call ordinal (tool blocks only). */
  toolIndex: number;
  /** Whether any argument text was emitted (tool blocks only). */
  sawArguments: boolean;
  /** Input object of the start event, for a tool_use whose input arrives whole. */
  startInput?: JsonRecord;
  /** Thinking text and signature (thinking blocks only), for the reasoning store. */
  reasoning?: ReasoningPart;
}

/**
 * Messages API SSE stream (downstream) → hub stream events, one downstream event at a time.
 *
 * Server-tool blocks (server_tool_use, *_tool_result) and citations have no hub event and
 * are skipped. A tool_use whose only input_json_delta is "" is a call without arguments and
 * gets "{}". Signed thinking is put in the reasoning store under each tool_use id when the
 * message completes.
 */
export function createAnthropicStreamDecoder(store: ReasoningStore): StreamDecoder {
  const blocks = new Map<number, OpenBlock>();
  let toolCount = 0;
  let usage: Partial<Usage> = {};
  let stopReason: string | undefined;
  let stopSequence: string | undefined;
  let done = false;
  const signed: ReasoningPart[] = [];
  const toolIds: string[] = [];

  function fail(message: string): StreamEvent[] {
    done = true;
    return [{ type: 'error', error: { status: 502, kind: 'upstream', message } }];
  }

  function push(ev: SseEvent): StreamEvent[] {
    if (done) return [];
    let data: unknown;
    try {
      data = JSON.parse(ev.data);
    } catch {
      return fail(`Anthropic sent a stream event that is not JSON: ${ev.data.slice(0, 200)}`);
    }
    if (!isRecord(data)) return [];
    const type = str(data.type) ?? ev.event;
    switch (type) {
      case 'message_start': {
        const msg = isRecord(data.message) ? data.message : {};
        usage = usageFromAnthropic(msg.usage);
        return [{ type: 'start', id: str(msg.id) ?? '', model: str(msg.model) ?? '', usage: { ...usage } }];
      }
      case 'content_block_start':
        return blockStart(data);
      case 'content_block_delta':
        return blockDelta(data);
      case 'content_block_stop':
        return blockStop(data);
      case 'message_delta': {
        const delta = isRecord(data.delta) ? data.delta : {};
        stopReason = str(delta.stop_reason) ?? stopReason;
        stopSequence = str(delta.stop_sequence) ?? stopSequence;
        if (!isRecord(data.usage)) return [];
        usage = Object.assign({}, usage, usageFromAnthropic(data.usage, usage));
        return [{ type: 'usage', usage: { ...usage } }];
      }
      case 'message_stop': {
        done = true;
        if (signed.length > 0) for (const id of toolIds) store.put(id, { family: 'anthropic', parts: signed });
        const finish: StreamEvent = {
          type: 'finish',
          finishReason: mapAnthropicStopReason(stopReason),
          usage: { ...usage },
        };
        if (stopReason) finish.rawFinishReason = stopReason;
        if (stopSequence) finish.stopSequence = stopSequence;
        return [finish];
      }
      case 'error':
        done = true;
        return [{ type: 'error', error: errorFromStreamEvent(data) }];
      default:
        // ping, and event types added after this was written
        return [];
    }
  }

  function blockStart(data: JsonRecord): StreamEvent[] {
    const index = typeof data.index === 'number' ? data.index : blocks.size;
    const cb = isRecord(data.content_block) ? data.content_block : {};
    switch (cb.type) {
      case 'text': {
        blocks.set(index, { kind: 'text', toolIndex: -1, sawArguments: false });
        const text = str(cb.text);
        return text ? [{ type: 'text', text }] : [];
      }
      case 'thinking': {
        const part: ReasoningPart = { type: 'reasoning', text: str(cb.thinking) ?? '', family: 'anthropic' };
        blocks.set(index, { kind: 'thinking', toolIndex: -1, sawArguments: false, reasoning: part });
        return part.text ? [{ type: 'reasoning', text: part.text, family: 'anthropic' }] : [];
      }
      case 'redacted_thinking': {
        const data = str(cb.data) ?? '';
        blocks.set(index, { kind: 'redacted', toolIndex: -1, sawArguments: false });
        signed.push({ type: 'reasoning', text: '', redactedData: data, family: 'anthropic' });
        return [{ type: 'reasoning', redactedData: data, family: 'anthropic' }];
      }
      case 'tool_use': {
        const id = str(cb.id) ?? '';
        const block: OpenBlock = { kind: 'tool', toolIndex: toolCount++, sawArguments: false };
        if (isRecord(cb.input) && Object.keys(cb.input).length > 0) block.startInput = cb.input;
        blocks.set(index, block);
        toolIds.push(id);
        return [{ type: 'tool_call', index: block.toolIndex, id, name: str(cb.name) ?? '' }];
      }
      default:
        blocks.set(index, { kind: 'other', toolIndex: -1, sawArguments: false });
        return [];
    }
  }

  function blockDelta(data: JsonRecord): StreamEvent[] {
    const block = typeof data.index === 'number' ? blocks.get(data.index) : undefined;
    const delta = isRecord(data.delta) ? data.delta : {};
    switch (delta.type) {
      case 'text_delta': {
        const text = str(delta.text);
        return text && block?.kind !== 'other' ? [{ type: 'text', text }] : [];
      }
      case 'thinking_delta': {
        const text = str(delta.thinking);
        if (!text) return [];
        if (block?.reasoning) block.reasoning.text += text;
        return [{ type: 'reasoning', text, family: 'anthropic' }];
      }
      case 'signature_delta': {
        const signature = str(delta.signature);
        if (!signature) return [];
        if (block?.reasoning) {
          block.reasoning.signature = (block.reasoning.signature ?? '') + signature;
        }
        return [{ type: 'reasoning', signature, family: 'anthropic' }];
      }
      case 'input_json_delta': {
        const partial = str(delta.partial_json);
        if (!partial || block?.kind !== 'tool') return [];
        block.sawArguments = true;
        return [{ type: 'tool_call', index: block.toolIndex, argumentsDelta: partial }];
      }
      default:
        // citations_delta and anything newer
        return [];
    }
  }

  function blockStop(data: JsonRecord): StreamEvent[] {
    const index = typeof data.index === 'number' ? data.index : -1;
    const block = blocks.get(index);
    if (!block) return [];
    if (block.kind === 'thinking' && block.reasoning?.signature) signed.push(block.reasoning);
    if (block.kind === 'tool' && !block.sawArguments) {
      block.sawArguments = true;
      const args = block.startInput ? JSON.stringify(block.startInput) : '{}';
      return [{ type: 'tool_call', index: block.toolIndex, argumentsDelta: args }];
    }
    return [];
  }

  return {
    push,
    end(): StreamEvent[] {
      if (done) return [];
      return fail('Anthropic stream ended before message_stop (connection closed early)');
    },
  };
}
