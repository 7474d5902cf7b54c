import type { Response } from '../../ir/types.js';
import type { ClientResponseContext } from '../types.js';
import { toResponseParts } from './encode-parts.js';
import { toGeminiFinishReason } from './finish-reason.js';
import { newResponseId } from './ids.js';
import { toGeminiUsage } from './usage.js';
import { isObject, type JsonObject } from './wire.js';

/** Hub response → the GenerateContentResponse a Gemini client expects. */
export function encodeGeminiResponse(res: Response, ctx: ClientResponseContext): JsonObject {
  const fromGemini = res.sourceFormat === 'gemini';
  const candidate: JsonObject = {
    content: { parts: toResponseParts(res.parts), role: 'model' },
    finishReason: toGeminiFinishReason(res.finishReason, res.rawFinishReason, fromGemini),
    index: 0,
  };
  const body: JsonObject = {
    candidates: [candidate],
    usageMetadata: toGeminiUsage(res.usage ?? { inputTokens: 0, outputTokens: 0 }),
    modelVersion: ctx.model,
    responseId: res.id || newResponseId(),
  };
  if (fromGemini && res.extras) {
    for (const key in res.extras) {
      if (key === 'candidate') {
        const extra = res.extras.candidate;
        if (isObject(extra)) for (const k in extra) if (candidate[k] === undefined) candidate[k] = extra[k];
      } else if (body[key] === undefined) {
        body[key] = res.extras[key];
      }
    }
  }
  return body;
}
