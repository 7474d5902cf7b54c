import type { ClientResponseContext } from '../types.js';
import type { AssistantPart, ReasoningPart, Response } from '../../ir/types.js';
import { buildEcho, responseObject } from './envelope.js';
import { statusForFinishReason } from './finish-reason.js';
import { IdMinter } from './ids.js';
import { usageToResponses } from './usage.js';
import type { Json } from './wire.js';

/**
 * Hub response → the Response object POST /v1/responses returns. Reasoning of every family
 * becomes a reasoning item with its text as summary (never visible text); encrypted content
 * only when it is OpenAI's own.
 */
export function encodeResponsesResponse(res: Response, ctx: ClientResponseContext): Json {
  const minter = new IdMinter();
  const { status, incompleteDetails } = statusForFinishReason(res.finishReason);
  const now = Math.floor(Date.now() / 1000);
  const output = outputItems(res.parts, minter, status === 'incomplete' ? 'incomplete' : 'completed');
  const sameFormat = res.sourceFormat === 'openai_responses';
  return responseObject(
    {
      id: res.id.startsWith('resp_') ? res.id : minter.next('resp'),
      createdAt: res.created ?? now,
      status,
      completedAt: status === 'completed' ? now : null,
      error: status === 'failed' ? { code: 'server_error', message: 'The model failed to generate a response.' } : null,
      incompleteDetails,
      output,
      usage: usageToResponses(res.usage) as unknown as Json,
    },
    buildEcho(ctx, sameFormat ? res.extras : undefined),
  );
}

interface OutputText {
  type: 'output_text';
  annotations: unknown[];
  logprobs: unknown[];
  text: string;
}

function outputItems(parts: AssistantPart[], minter: IdMinter, messageStatus: 'completed' | 'incomplete'): Json[] {
  const items: Json[] = [];
  let message: { itemId: string | undefined; content: OutputText } | undefined;
  for (const part of parts) {
    if (part.type === 'text') {
      if (message && message.itemId === part.itemId) {
        message.content.text += part.text;
        continue;
      }
      const content: OutputText = { type: 'output_text', annotations: [], logprobs: [], text: part.text };
      message = { itemId: part.itemId, content };
      items.push({ id: part.itemId ?? minter.next('msg'), type: 'message', status: messageStatus, content: [content], role: 'assistant' });
      continue;
    }
    message = undefined;
    if (part.type === 'tool_call') {
      items.push({
        id: part.itemId ?? minter.next('fc'),
        type: 'function_call',
        status: 'completed',
        arguments: part.arguments || '{}',
        call_id: part.id,
        name: part.name,
      });
    } else {
      const item = reasoningItem(part, minter);
      if (item) items.push(item);
    }
  }
  return items;
}

/** Reasoning part → reasoning output item; undefined when there is nothing to show or send back. */
export function reasoningItem(part: ReasoningPart, minter: IdMinter): Json | undefined {
  const own = part.family === 'openai';
  const encrypted = own ? part.encrypted : undefined;
  const texts = part.summary && part.summary.length > 0 ? part.summary : part.text ? [part.text] : [];
  if (texts.length === 0 && !encrypted) return undefined;
  const item: Json = { id: own && part.itemId ? part.itemId : minter.next('rs'), type: 'reasoning' };
  if (encrypted) item.encrypted_content = encrypted;
  item.summary = texts.map((text) => ({ type: 'summary_text', text }));
  return item;
}
