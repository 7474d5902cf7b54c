import type { ReasoningEffort, Request } from '../../ir/types.js';
import { isRecord, num, type WireThinkingConfig } from './wire.js';

/**
 * `max_tokens` sent when the client gave none (Anthropic requires it). 4096 fits the output
 * limit of every Claude model, old ones included.
 */
export const DEFAULT_MAX_TOKENS = 4096;

/** Anthropic's floor for `thinking.budget_tokens`. */
export const MIN_THINKING_BUDGET = 1024;

/**
 * Thinking budgets for a reasoning effort when the client gave no explicit budget. Chosen so
 * that budget + DEFAULT_MAX_TOKENS stays under 32k, the smallest output limit of a
 * thinking-capable Claude model (Opus 4/4.1).
 */
export const THINKING_BUDGETS: Readonly<Record<Exclude<ReasoningEffort, 'none'>, number>> = {
  minimal: 1024,
  low: 2048,
  medium: 8192,
  high: 16384,
  xhigh: 24576,
};

/**
 * The `thinking` the request asks for, before the rules that may turn it off again
 * (forced tool choice, reasoning continuity). An Anthropic client's own `thinking` (kept raw
 * in extras when the hub could not express it: adaptive, display...) wins over the hub's.
 */
export function requestedThinking(req: Request, rawSameFormat: unknown): WireThinkingConfig | undefined {
  if (isRecord(rawSameFormat) && typeof rawSameFormat.type === 'string') {
    if (rawSameFormat.type === 'enabled') {
      const budget = Math.max(MIN_THINKING_BUDGET, num(rawSameFormat.budget_tokens) ?? MIN_THINKING_BUDGET);
      return { ...rawSameFormat, type: 'enabled', budget_tokens: budget };
    }
    return rawSameFormat as WireThinkingConfig;
  }
  const r = req.reasoning;
  if (!r) return undefined;
  if (!r.enabled || r.effort === 'none' || r.budgetTokens === 0) {
    // Only an Anthropic client said "disabled" in those words; others just get no thinking.
    return req.sourceFormat === 'anthropic' && !r.enabled ? { type: 'disabled' } : undefined;
  }
  const explicit = r.budgetTokens !== undefined && r.budgetTokens > 0 ? r.budgetTokens : undefined;
  const budget = explicit ?? THINKING_BUDGETS[r.effort ?? 'medium'];
  return { type: 'enabled', budget_tokens: Math.max(MIN_THINKING_BUDGET, budget) };
}

export function isThinkingOn(t: WireThinkingConfig | undefined): boolean {
  return t !== undefined && t.type !== 'disabled';
}

/**
 * `max_tokens` for the request. Thinking tokens count against it and the budget must stay
 * below it: when it would not, the client's limit (or the default) becomes the room left for
 * the visible answer on top of the budget.
 */
export function maxTokensFor(req: Request, thinking: WireThinkingConfig | undefined): number {
  const max = req.maxTokens ?? DEFAULT_MAX_TOKENS;
  if (thinking?.type === 'enabled' && max <= thinking.budget_tokens) return thinking.budget_tokens + max;
  return max;
}
