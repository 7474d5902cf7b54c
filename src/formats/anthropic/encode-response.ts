import type { Response } from '../../ir/types.js';
import type { ClientResponseContext } from '../types.js';
import { toAnthropicStopReason } from './finish-reason.js';
import { messageId, syntheticToolUseId } from './ids.js';
import { usageToAnthropic } from './usage.js';
import { isRecord, type JsonRecord, type WireUsage } from './wire.js';

export interface WireResponse {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: JsonRecord[];
  stop_reason: string;
  stop_sequence: string | null;
  usage: WireUsage;
  [key: string]: unknown;
}

/**
 * Hub Response → Messages API response for an Anthropic client. Reasoning from another
 * provider family comes out as a thinking block with an empty signature (its native reasoning
 * shape; the client cannot send it back to Anthropic as signed thinking, and the encoder of
 * the next request drops it). The model is the one the client asked for.
 */
export function encodeAnthropicResponse(res: Response, ctx: ClientResponseContext): WireResponse {
  const sameFormat = res.sourceFormat === 'anthropic';
  const content: JsonRecord[] = [];
  const provider = sameFormat ? res.providerParts : undefined;
  let nextProvider = 0;
  let hasToolCalls = false;
  for (let k = 0; k <= res.parts.length; k++) {
    while (provider && nextProvider < provider.length && provider[nextProvider].index <= k) {
      content.push(provider[nextProvider++].raw);
    }
    if (k === res.parts.length) break;
    const part = res.parts[k];
    switch (part.type) {
      case 'text':
        if (part.text !== '') content.push({ type: 'text', text: part.text });
        break;
      case 'reasoning':
        if (part.family === 'anthropic' && part.redactedData) {
          content.push({ type: 'redacted_thinking', data: part.redactedData });
        } else if (part.family === 'anthropic' && part.signature) {
          content.push({ type: 'thinking', thinking: part.text, signature: part.signature });
        } else if (part.text !== '') {
          content.push({ type: 'thinking', thinking: part.text, signature: '' });
        }
        break;
      case 'tool_call':
        hasToolCalls = true;
        content.push({ type: 'tool_use', id: part.id || syntheticToolUseId(), name: part.name, input: parseInput(part.arguments) });
        break;
    }
  }
  const out: WireResponse = {
    id: messageId(res.id),
    type: 'message',
    role: 'assistant',
    model: ctx.model,
    content,
    stop_reason: toAnthropicStopReason(res.finishReason, {
      raw: res.rawFinishReason,
      sameFormat,
      hasToolCalls,
      stopSequence: res.stopSequence,
    }),
    stop_sequence: res.stopSequence ?? null,
    usage: usageToAnthropic(res.usage),
  };
  if (sameFormat && res.extras) {
    for (const key of Object.keys(res.extras)) if (!(key in out)) out[key] = res.extras[key];
  }
  return out;
}

/** Hub arguments JSON → tool_use `input` (an object; a malformed string from upstream → {}). */
export function parseInput(args: string): JsonRecord {
  if (args.trim() === '') return {};
  try {
    const v: unknown = JSON.parse(args);
    return isRecord(v) ? v : {};
  } catch {
    return {};
  }
}
