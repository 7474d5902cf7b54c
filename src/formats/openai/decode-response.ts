import type { AssistantPart, Response } from '../../ir/types.js';
import { GatewayError } from '../../util/errors.js';
import { errorInfoFromPayload } from './errors.js';
import { mapOpenAIFinishReason } from './finish-reason.js';
import { syntheticCallId } from './ids.js';
import { decodeOpenAIUsage } from './usage.js';
import { argumentsText, isRecord, str, type JsonRecord } from './wire.js';

const KNOWN_TOP_LEVEL = new Set(['id', 'object', 'created', 'model', 'choices', 'usage']);
const KNOWN_MESSAGE = new Set(['role', 'content', 'reasoning_content', 'reasoning', 'refusal', 'tool_calls', 'function_call']);

/** Response.extras keys for choice-level fields (same-format trips only). */
export const CHOICE_LOGPROBS = 'choices[0].logprobs';
export const CHOICE_MESSAGE = 'choices[0].message';

/**
 * Chat Completions response (downstream) → hub Response. Only the first choice becomes hub
 * content; further choices (n > 1) ride along in `extras.choices` so that an OpenAI client
 * behind an OpenAI downstream still gets all of them.
 */
export function decodeOpenAIResponse(body: unknown): Response {
  if (!isRecord(body)) throw new GatewayError(502, 'upstream', 'Downstream returned a response that is not a JSON object');
  // Some compatible servers answer errors with HTTP 200 and an error body.
  if (body.error !== undefined && body.error !== null && !Array.isArray(body.choices)) {
    throw new GatewayError(502, 'upstream', errorInfoFromPayload(body.error, 502).message);
  }
  const choices = body.choices;
  if (!Array.isArray(choices) || choices.length === 0 || !isRecord(choices[0])) {
    throw new GatewayError(502, 'upstream', 'Downstream response has no choices');
  }
  const choice = choices[0];
  const message = isRecord(choice.message) ? choice.message : {};
  const { parts, hasToolCalls, refused } = messageParts(message);

  const raw = str(choice.finish_reason);
  const res: Response = {
    id: str(body.id) ?? '',
    model: str(body.model) ?? '',
    parts,
    finishReason: refused && raw !== 'length' ? 'content_filter' : mapOpenAIFinishReason(raw, hasToolCalls),
    sourceFormat: 'openai',
  };
  if (raw) res.rawFinishReason = raw;
  if (typeof body.created === 'number') res.created = body.created;
  if (isRecord(body.usage)) res.usage = decodeOpenAIUsage(body.usage);

  let extras: JsonRecord | undefined;
  for (const key of Object.keys(body)) {
    if (!KNOWN_TOP_LEVEL.has(key)) (extras ??= {})[key] = body[key];
  }
  // Choice-level fields OpenAI clients may have asked for (logprobs, annotations, audio) have no
  // hub equivalent either; they ride along under keys no real top-level field can have.
  if (choice.logprobs !== undefined && choice.logprobs !== null) (extras ??= {})[CHOICE_LOGPROBS] = choice.logprobs;
  let messageExtras: JsonRecord | undefined;
  for (const key of Object.keys(message)) {
    if (!KNOWN_MESSAGE.has(key)) (messageExtras ??= {})[key] = message[key];
  }
  if (messageExtras) (extras ??= {})[CHOICE_MESSAGE] = messageExtras;
  if (choices.length > 1) (extras ??= {}).choices = choices.slice(1);
  if (extras) res.extras = extras;
  return res;
}

function messageParts(message: JsonRecord): { parts: AssistantPart[]; hasToolCalls: boolean; refused: boolean } {
  const parts: AssistantPart[] = [];
  const reasoning = str(message.reasoning_content) ?? str(message.reasoning);
  if (reasoning) parts.push({ type: 'reasoning', text: reasoning, family: 'openai' });

  const content = message.content;
  if (typeof content === 'string') {
    if (content !== '') parts.push({ type: 'text', text: content });
  } else if (Array.isArray(content)) {
    // A few compatible servers answer with content parts instead of a string.
    for (const p of content) {
      if (isRecord(p) && typeof p.text === 'string' && p.text !== '') parts.push({ type: 'text', text: p.text });
    }
  }
  const refusal = str(message.refusal);
  if (refusal) parts.push({ type: 'text', text: refusal });

  let hasToolCalls = false;
  if (Array.isArray(message.tool_calls)) {
    for (const tc of message.tool_calls) {
      if (!isRecord(tc) || !isRecord(tc.function)) continue;
      const name = str(tc.function.name);
      if (!name) continue;
      const id = str(tc.id);
      parts.push({ type: 'tool_call', id: id || syntheticCallId(), name, arguments: argumentsText(tc.function.arguments) });
      hasToolCalls = true;
    }
  }
  const fc = message.function_call;
  if (isRecord(fc) && typeof fc.name === 'string' && fc.name !== '') {
    parts.push({ type: 'tool_call', id: syntheticCallId(), name: fc.name, arguments: argumentsText(fc.arguments) });
    hasToolCalls = true;
  }
  return { parts, hasToolCalls, refused: Boolean(refusal) };
}
