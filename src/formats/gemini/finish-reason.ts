import type { FinishReason } from '../../ir/types.js';

const CONTENT_FILTER_REASONS = new Set([
  'SAFETY',
  'RECITATION',
  'BLOCKLIST',
  'PROHIBITED_CONTENT',
  'SPII',
  'IMAGE_SAFETY',
  'IMAGE_PROHIBITED_CONTENT',
  'IMAGE_RECITATION',
]);

/**
 * Gemini finishReason → hub. Gemini says STOP after function calls too, so the presence of
 * calls decides `tool_calls`. The reasons that mean "the model tried to call a tool and the
 * call is unusable" (MALFORMED_FUNCTION_CALL, UNEXPECTED_TOOL_CALL, TOO_MANY_TOOL_CALLS,
 * MISSING_THOUGHT_SIGNATURE, MALFORMED_RESPONSE) map to `error`: reporting a clean stop would
 * hide that the answer is missing. LANGUAGE, OTHER, NO_IMAGE and unknown values are a plain stop.
 */
export function mapGeminiFinishReason(reason: string | undefined, hasToolCalls: boolean): FinishReason {
  switch (reason) {
    case 'MAX_TOKENS':
      return 'length';
    case 'MALFORMED_FUNCTION_CALL':
    case 'UNEXPECTED_TOOL_CALL':
    case 'TOO_MANY_TOOL_CALLS':
    case 'MISSING_THOUGHT_SIGNATURE':
    case 'MALFORMED_RESPONSE':
      return 'error';
    default:
      if (reason !== undefined && CONTENT_FILTER_REASONS.has(reason)) return 'content_filter';
      return hasToolCalls ? 'tool_calls' : 'stop';
  }
}

const KNOWN_REASONS = new Set([
  'STOP',
  'MAX_TOKENS',
  'LANGUAGE',
  'OTHER',
  'MALFORMED_FUNCTION_CALL',
  'UNEXPECTED_TOOL_CALL',
  'TOO_MANY_TOOL_CALLS',
  'MISSING_THOUGHT_SIGNATURE',
  'MALFORMED_RESPONSE',
  'NO_IMAGE',
  'IMAGE_OTHER',
  ...CONTENT_FILTER_REASONS,
]);

/** Hub → Gemini finishReason; the raw Gemini value wins when the response came from Gemini. */
export function toGeminiFinishReason(reason: FinishReason, raw: string | undefined, fromGemini: boolean): string {
  if (fromGemini && raw !== undefined && KNOWN_REASONS.has(raw)) return raw;
  switch (reason) {
    case 'length':
      return 'MAX_TOKENS';
    case 'content_filter':
      return 'SAFETY';
    case 'error':
      return 'OTHER';
    default:
      return 'STOP';
  }
}
