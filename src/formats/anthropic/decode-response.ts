import type { AssistantPart, ProviderPart, ReasoningPart, Response } from '../../ir/types.js';
import type { ReasoningStore } from '../../ir/reasoning-store.js';
import { mapAnthropicStopReason } from './finish-reason.js';
import { usageFromAnthropic } from './usage.js';
import { isRecord, str, type JsonRecord } from './wire.js';

/** Fields of a Message the hub models; the rest (container, stop_details...) go to extras. */
const MESSAGE_FIELDS = new Set(['id', 'type', 'role', 'model', 'content', 'stop_reason', 'stop_sequence', 'usage']);

/**
 * Messages API response (downstream) → hub Response. Lenient: whatever the provider sent is
 * judged by the client, never turned into a 400. Server-tool blocks become providerParts.
 * Signed thinking is put in the reasoning store under each tool_use id of the response.
 */
export function decodeAnthropicResponse(body: unknown, store: ReasoningStore): Response {
  const b = isRecord(body) ? body : {};
  const parts: AssistantPart[] = [];
  let providerParts: ProviderPart[] | undefined;
  const signed: ReasoningPart[] = [];
  const toolIds: string[] = [];
  for (const block of Array.isArray(b.content) ? b.content : []) {
    if (!isRecord(block)) continue;
    switch (block.type) {
      case 'text':
        parts.push({ type: 'text', text: str(block.text) ?? '' });
        break;
      case 'thinking': {
        const part: ReasoningPart = { type: 'reasoning', text: str(block.thinking) ?? '', family: 'anthropic' };
        const signature = str(block.signature);
        if (signature) {
          part.signature = signature;
          signed.push(part);
        }
        parts.push(part);
        break;
      }
      case 'redacted_thinking': {
        const part: ReasoningPart = { type: 'reasoning', text: '', redactedData: str(block.data) ?? '', family: 'anthropic' };
        signed.push(part);
        parts.push(part);
        break;
      }
      case 'tool_use': {
        const id = str(block.id) ?? '';
        toolIds.push(id);
        parts.push({ type: 'tool_call', id, name: str(block.name) ?? '', arguments: inputJson(block.input) });
        break;
      }
      default:
        (providerParts ??= []).push({ format: 'anthropic', index: parts.length, raw: block });
    }
  }
  if (signed.length > 0) {
    for (const id of toolIds) store.put(id, { family: 'anthropic', parts: signed });
  }

  const stopReason = str(b.stop_reason);
  const res: Response = {
    id: str(b.id) ?? '',
    model: str(b.model) ?? '',
    parts,
    finishReason: mapAnthropicStopReason(stopReason),
    sourceFormat: 'anthropic',
  };
  if (stopReason) res.rawFinishReason = stopReason;
  const stopSequence = str(b.stop_sequence);
  if (stopSequence) res.stopSequence = stopSequence;
  if (isRecord(b.usage)) {
    const u = usageFromAnthropic(b.usage);
    res.usage = { ...u, inputTokens: u.inputTokens ?? 0, outputTokens: u.outputTokens ?? 0 };
  }
  if (providerParts) res.providerParts = providerParts;
  let extras: JsonRecord | undefined;
  for (const key of Object.keys(b)) {
    if (!MESSAGE_FIELDS.has(key) && b[key] !== undefined) (extras ??= {})[key] = b[key];
  }
  if (extras) res.extras = extras;
  return res;
}

/** tool_use `input` → hub arguments JSON text ("{}" for none). */
export function inputJson(input: unknown): string {
  return isRecord(input) ? JSON.stringify(input) : '{}';
}
