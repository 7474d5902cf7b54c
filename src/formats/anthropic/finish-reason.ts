import type { FinishReason } from '../../ir/types.js';

/** Anthropic `stop_reason` → hub finish reason. */
export function mapAnthropicStopReason(reason: string | null | undefined): FinishReason {
  switch (reason) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    // end_turn, stop_sequence, pause_turn (a server tool loop paused: the turn is over for now)
    default:
      return 'stop';
  }
}

const KNOWN_STOP_REASONS = new Set(['end_turn', 'max_tokens', 'stop_sequence', 'tool_use', 'pause_turn', 'refusal', 'model_context_window_exceeded']);

/**
 * Hub finish reason → Anthropic `stop_reason`. The provider's own reason wins when it came
 * from Anthropic (pause_turn, model_context_window_exceeded survive a same-format trip).
 * A response that carries tool calls ends with `tool_use` whatever the source said, because
 * Anthropic agent loops run tools only on that reason (Gemini says STOP after function calls).
 */
export function toAnthropicStopReason(finish: FinishReason, opts: { raw?: string; sameFormat: boolean; hasToolCalls: boolean; stopSequence?: string }): string {
  if (opts.sameFormat && opts.raw && KNOWN_STOP_REASONS.has(opts.raw)) return opts.raw;
  if (opts.hasToolCalls && (finish === 'stop' || finish === 'tool_calls')) return 'tool_use';
  switch (finish) {
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
      return 'tool_use';
    case 'content_filter':
      return 'refusal';
    default:
      return opts.stopSequence ? 'stop_sequence' : 'end_turn';
  }
}
