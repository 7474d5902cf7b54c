import type { AssistantPart } from '../../ir/types.js';
import type { GeminiPart, JsonObject } from './wire.js';
import { isObject } from './wire.js';

/**
 * Hub assistant parts → Gemini response parts. Reasoning of any family becomes a thought part
 * (the client's native reasoning); a thoughtSignature goes out only when it is Gemini's own.
 * Function calls carry the hub id, so a client that echoes `id` back keeps ids stable.
 */
export function toResponseParts(parts: readonly AssistantPart[]): GeminiPart[] {
  const out: GeminiPart[] = [];
  for (const p of parts) {
    if (p.type === 'text') {
      if (p.text) out.push({ text: p.text });
    } else if (p.type === 'reasoning') {
      const signature = p.family === 'gemini' ? p.signature : undefined;
      if (p.text) {
        const part: GeminiPart = { text: p.text, thought: true };
        if (signature) part.thoughtSignature = signature;
        out.push(part);
      } else if (signature) {
        const prev = out[out.length - 1];
        if (prev && prev.thoughtSignature === undefined && prev.functionCall === undefined) prev.thoughtSignature = signature;
        else out.push({ text: '', thoughtSignature: signature });
      }
    } else {
      out.push(functionCallPart(p.id, p.name, p.arguments, p.thoughtSignature));
    }
  }
  return out;
}

export function functionCallPart(id: string | undefined, name: string, args: string, signature: string | undefined): GeminiPart {
  const call: GeminiPart['functionCall'] = { name, args: parseObject(args) };
  const part: GeminiPart = { functionCall: id ? { id, ...call } : call };
  if (signature) part.thoughtSignature = signature;
  return part;
}

function parseObject(text: string): JsonObject {
  if (!text) return {};
  try {
    const v: unknown = JSON.parse(text);
    return isObject(v) ? v : {};
  } catch {
    return {};
  }
}
