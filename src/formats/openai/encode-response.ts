import type { Response } from '../../ir/types.js';
import type { ClientResponseContext } from '../types.js';
import { toOpenAIFinishReason } from './finish-reason.js';
import { chatCompletionId } from './ids.js';
import { encodeOpenAIUsage } from './usage.js';
import { CHOICE_LOGPROBS, CHOICE_MESSAGE } from './decode-response.js';
import { isRecord, type JsonRecord } from './wire.js';

/**
 * Hub Response → `chat.completion` object for the client. Reasoning of any family goes out
 * as `reasoning_content`, the field OpenAI-compatible clients read; `content` is null when
 * the answer is only tool calls, as OpenAI sends it.
 */
export function encodeOpenAIResponse(res: Response, ctx: ClientResponseContext): JsonRecord {
  let text = '';
  let reasoning = '';
  const toolCalls: JsonRecord[] = [];
  for (const p of res.parts) {
    if (p.type === 'text') text += p.text;
    else if (p.type === 'reasoning') {
      if (p.text) reasoning = reasoning === '' ? p.text : reasoning + '\n\n' + p.text;
    } else if (p.type === 'tool_call') {
      toolCalls.push({
        id: p.id,
        type: 'function',
        function: { name: p.name, arguments: p.arguments === '' ? '{}' : p.arguments },
      });
    }
  }
  const message: JsonRecord = {
    role: 'assistant',
    content: text === '' && toolCalls.length > 0 ? null : text,
  };
  if (reasoning) message.reasoning_content = reasoning;
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  message.refusal = null;
  message.annotations = [];

  const same = res.sourceFormat === 'openai' && res.extras !== undefined;
  const messageExtras = same ? res.extras?.[CHOICE_MESSAGE] : undefined;
  if (isRecord(messageExtras)) Object.assign(message, messageExtras);
  const choices: unknown[] = [
    {
      index: 0,
      message,
      logprobs: (same && res.extras?.[CHOICE_LOGPROBS]) || null,
      finish_reason: toOpenAIFinishReason(res.finishReason, toolCalls.length > 0),
    },
  ];
  const body: JsonRecord = {
    id: chatCompletionId(res.id),
    object: 'chat.completion',
    created: res.created ?? Math.floor(Date.now() / 1000),
    model: ctx.model,
    choices,
    usage: encodeOpenAIUsage(res.usage),
  };
  if (same && res.extras) {
    for (const key of Object.keys(res.extras)) {
      const v = res.extras[key];
      if (key === 'choices') {
        if (Array.isArray(v)) choices.push(...v);
      } else if (key !== CHOICE_LOGPROBS && key !== CHOICE_MESSAGE && !(key in body)) {
        body[key] = v;
      }
    }
  }
  return body;
}
