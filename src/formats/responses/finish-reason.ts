import type { FinishReason } from '../../ir/types.js';

/**
 * Response status (+ incomplete reason) → hub finish reason. Responses has no "tool_calls"
 * status: a completed response that holds function_call items is a tool-call stop.
 */
export function mapResponsesFinishReason(
  status: string | undefined,
  incompleteReason: string | undefined,
  hasFunctionCalls: boolean,
  hasRefusal: boolean,
): FinishReason {
  if (status === 'incomplete') return incompleteReason === 'content_filter' ? 'content_filter' : 'length';
  if (status === 'failed') return 'error';
  if (hasFunctionCalls) return 'tool_calls';
  return hasRefusal ? 'content_filter' : 'stop';
}

/** Hub finish reason → the status and incomplete_details a Responses client reads. */
export function statusForFinishReason(reason: FinishReason): {
  status: 'completed' | 'incomplete' | 'failed';
  incompleteDetails: { reason: 'max_output_tokens' | 'content_filter' } | null;
} {
  switch (reason) {
    case 'length':
      return { status: 'incomplete', incompleteDetails: { reason: 'max_output_tokens' } };
    case 'content_filter':
      return { status: 'incomplete', incompleteDetails: { reason: 'content_filter' } };
    case 'error':
      return { status: 'failed', incompleteDetails: null };
    default:
      return { status: 'completed', incompleteDetails: null };
  }
}
