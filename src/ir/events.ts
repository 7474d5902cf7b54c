import type { Response, StreamEvent } from './types.js';

/**
 * A whole response as the event sequence a stream of it would have produced. Used when a
 * provider answers a streaming request with a plain JSON body.
 */
export function responseToEvents(res: Response): StreamEvent[] {
  const out: StreamEvent[] = [{ type: 'start', id: res.id, model: res.model }];
  let toolIndex = 0;
  for (const p of res.parts) {
    if (p.type === 'text') out.push({ type: 'text', text: p.text });
    else if (p.type === 'reasoning')
      out.push({
        type: 'reasoning',
        text: p.text,
        signature: p.signature,
        redactedData: p.redactedData,
        encrypted: p.encrypted,
        itemId: p.itemId,
        family: p.family,
      });
    else if (p.type === 'tool_call')
      out.push({ type: 'tool_call', index: toolIndex++, id: p.id, name: p.name, argumentsDelta: p.arguments, thoughtSignature: p.thoughtSignature });
  }
  out.push({ type: 'finish', finishReason: res.finishReason, rawFinishReason: res.rawFinishReason, stopSequence: res.stopSequence, usage: res.usage });
  return out;
}

/** Whether an answer carries nothing: no text (whitespace counts as none), no tool call, no reasoning. */
export function isEmptyResponse(res: Response): boolean {
  return !res.parts.some((p) =>
    p.type === 'text'
      ? p.text.trim() !== ''
      : p.type === 'tool_call' || (p.type === 'reasoning' && (p.text.trim() !== '' || !!p.signature || !!p.encrypted || !!p.redactedData)),
  );
}

/** Whether a stream event is content (for retry_on_empty and time-to-first-token). */
export function isContentEvent(ev: StreamEvent): boolean {
  return (
    (ev.type === 'text' && ev.text.trim() !== '') ||
    ev.type === 'tool_call' ||
    (ev.type === 'reasoning' && !!(ev.text?.trim() || ev.signature || ev.encrypted || ev.redactedData))
  );
}
