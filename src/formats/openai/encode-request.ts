import type { ReasoningConfig, ReasoningEffort, Request, ResponseFormat } from '../../ir/types.js';
import type { UpstreamRequestContext } from '../types.js';
import { badRequest } from '../../util/errors.js';
import { convertToOpenAIMessages } from './convert-to-openai-messages.js';
import { prepareTools, toOpenAIToolChoice } from './prepare-tools.js';
import { isRecord, type JsonRecord } from './wire.js';

/**
 * Hub Request → Chat Completions request for an OpenAI or OpenAI-compatible downstream.
 *
 * Same-format trips (`sourceFormat === 'openai'`) keep what only OpenAI understands:
 * developer roles, the client's max-tokens spelling, `reasoning_content` in history and the
 * request's extras. Everything else is written the way current OpenAI models accept it.
 */
export function encodeOpenAIRequest(req: Request, ctx: UpstreamRequestContext): JsonRecord {
  const same = req.sourceFormat === 'openai';
  if (req.previousResponseId) {
    throw badRequest('previous_response_id is only supported when the downstream speaks the Responses API', 'previous_response_id');
  }
  const body: JsonRecord = { model: ctx.model, messages: convertToOpenAIMessages(req, same) };

  if (req.maxTokens !== undefined) {
    // Reasoning models reject max_tokens; keep the legacy spelling only when the client used it.
    const legacy = same && req.extras !== undefined && 'max_tokens' in req.extras;
    body[legacy ? 'max_tokens' : 'max_completion_tokens'] = req.maxTokens;
  }
  if (req.temperature !== undefined) body.temperature = req.temperature;
  if (req.topP !== undefined) body.top_p = req.topP;
  if (req.stop && req.stop.length > 0) body.stop = req.stop;
  if (req.seed !== undefined) body.seed = req.seed;
  if (req.n !== undefined) body.n = req.n;
  if (req.presencePenalty !== undefined) body.presence_penalty = req.presencePenalty;
  if (req.frequencyPenalty !== undefined) body.frequency_penalty = req.frequencyPenalty;

  const tools = req.tools ? prepareTools(req.tools, req.sourceFormat) : [];
  if (tools.length > 0) {
    body.tools = tools;
    // OpenAI rejects tool_choice and parallel_tool_calls when no tools are given.
    if (req.toolChoice) body.tool_choice = toOpenAIToolChoice(req.toolChoice);
    if (req.parallelToolCalls !== undefined) body.parallel_tool_calls = req.parallelToolCalls;
  }
  if (req.responseFormat) body.response_format = toOpenAIResponseFormat(req.responseFormat);
  const effort = reasoningEffortFor(req.reasoning);
  if (effort) body.reasoning_effort = effort;
  if (req.user !== undefined) body.user = req.user;

  if (req.stream) {
    body.stream = true;
    // Always ask for the usage chunk: the gateway needs usage even when the client did not ask.
    body.stream_options = { include_usage: true };
  }

  if (same && req.extras) {
    for (const key of Object.keys(req.extras)) {
      const v = req.extras[key];
      if (key === 'max_tokens') continue; // a marker, the value is the hub's maxTokens
      if (key === 'stream_options') {
        if (req.stream && isRecord(v)) body.stream_options = { ...v, include_usage: true };
        continue;
      }
      if ((key === 'tool_choice' || key === 'parallel_tool_calls') && tools.length === 0) continue;
      body[key] = v;
    }
  }
  return body;
}

export function toOpenAIResponseFormat(rf: ResponseFormat): JsonRecord {
  if (rf.type !== 'json_schema') return { type: rf.type };
  const js: JsonRecord = { name: rf.name || 'response' };
  if (rf.description !== undefined) js.description = rf.description;
  js.schema = rf.schema;
  if (rf.strict !== undefined) js.strict = rf.strict;
  return { type: 'json_schema', json_schema: js };
}

/**
 * Hub reasoning → `reasoning_effort`. An explicit effort wins. A token budget (Anthropic
 * budget_tokens, Gemini thinkingBudget) maps by size: ≤ 2048 → low, ≤ 8192 → medium,
 * larger → high; a dynamic budget (negative) or none at all → medium, OpenAI's default.
 * Reasoning turned off without an effort sends nothing: only some models accept 'none',
 * and models without reasoning reject the field altogether.
 */
export function reasoningEffortFor(r: ReasoningConfig | undefined): ReasoningEffort | undefined {
  if (!r) return undefined;
  if (r.effort) return r.effort;
  if (!r.enabled) return undefined;
  const b = r.budgetTokens;
  if (b === undefined || b < 0) return 'medium';
  if (b === 0) return undefined;
  if (b <= 2048) return 'low';
  if (b <= 8192) return 'medium';
  return 'high';
}
