/**
 * What each client format must see, for the fault and fuzz tests: request bodies per format,
 * the error and success body shapes, and how a stream must end after a failure (SPEC §8).
 */
import type { FormatId } from '../../src/ir/types.js';
import { SseReader, type SseEvent } from '../../src/util/sse.js';

export type Rec = Record<string, unknown>;
export const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A client variant: a format, and for Gemini whether it streams as SSE (alt=sse) or a JSON array. */
export type ClientKind = FormatId | 'gemini_array';

export const CLIENT_KINDS: readonly ClientKind[] = ['openai', 'anthropic', 'openai_responses', 'gemini', 'gemini_array'];

export function formatOfKind(kind: ClientKind): FormatId {
  return kind === 'gemini_array' ? 'gemini' : kind;
}

/** Path (with query) a client of `kind` posts to for `model`. */
export function clientPath(kind: ClientKind, model: string, stream: boolean): string {
  switch (kind) {
    case 'openai':
      return '/v1/chat/completions';
    case 'anthropic':
      return '/v1/messages';
    case 'openai_responses':
      return '/v1/responses';
    case 'gemini':
      return `/v1beta/models/${encodeURIComponent(model)}:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`;
    case 'gemini_array':
      return `/v1beta/models/${encodeURIComponent(model)}:${stream ? 'streamGenerateContent' : 'generateContent'}`;
  }
}

export function clientHeaders(kind: ClientKind): Record<string, string> {
  return kind === 'anthropic' ? { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' } : { 'content-type': 'application/json' };
}

/** A minimal valid request of the client's format. */
export function simpleBody(kind: ClientKind, model: string, stream: boolean): Rec {
  switch (formatOfKind(kind)) {
    case 'openai':
      return { model, stream, messages: [{ role: 'user', content: 'hi' }] };
    case 'anthropic':
      return { model, stream, max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] };
    case 'openai_responses':
      return { model, stream, input: 'hi' };
    case 'gemini':
      return { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] };
  }
}

/** Problems with a non-2xx JSON body for a client of `format` ([] when it is the format's error shape). */
export function errorShapeProblems(format: FormatId, body: unknown): string[] {
  if (!isRec(body)) return ['error body is not a JSON object'];
  const e = body.error;
  switch (format) {
    case 'anthropic':
      if (body.type !== 'error') return ['anthropic error without type:"error"'];
      if (!isRec(e) || typeof e.type !== 'string' || typeof e.message !== 'string') return ['anthropic error without error.type/message'];
      return [];
    case 'gemini':
      if (!isRec(e) || typeof e.code !== 'number' || typeof e.message !== 'string' || typeof e.status !== 'string')
        return ['gemini error without error.code/message/status'];
      return [];
    default:
      if (!isRec(e) || typeof e.message !== 'string' || !('type' in e)) return [`${format} error without error.message/type`];
      return [];
  }
}

/** Problems with a 200 non-streaming body for a client of `format`. */
export function successShapeProblems(format: FormatId, body: unknown): string[] {
  if (!isRec(body)) return ['success body is not a JSON object'];
  switch (format) {
    case 'openai':
      return body.object === 'chat.completion' && Array.isArray(body.choices) ? [] : ['not a chat.completion'];
    case 'anthropic':
      return body.type === 'message' && Array.isArray(body.content) ? [] : ['not an anthropic message'];
    case 'openai_responses':
      return body.object === 'response' && Array.isArray(body.output) ? [] : ['not a response object'];
    case 'gemini':
      return Array.isArray(body.candidates) ? [] : ['no gemini candidates'];
  }
}

/** The events of a client stream (a Gemini array stream becomes one event per element). */
export function streamEvents(kind: ClientKind, text: string): { events: SseEvent[]; problems: string[] } {
  if (kind === 'gemini_array') {
    try {
      const arr = JSON.parse(text) as unknown;
      if (!Array.isArray(arr)) return { events: [], problems: ['gemini array stream is not a JSON array'] };
      return { events: arr.map((x) => ({ data: JSON.stringify(x) })), problems: [] };
    } catch {
      return { events: [], problems: [`gemini array stream is not valid JSON: ${JSON.stringify(text.slice(-120))}`] };
    }
  }
  const r = new SseReader();
  return { events: [...r.push(text), ...r.end()], problems: [] };
}

function parse(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    return undefined;
  }
}

/**
 * Problems with how a failed client stream ended: it must end with the format's error event
 * and carry no normal completion.
 */
export function failedStreamProblems(kind: ClientKind, text: string): string[] {
  const { events, problems } = streamEvents(kind, text);
  if (problems.length) return problems;
  if (events.length === 0) return ['empty stream: no error event'];
  const last = events[events.length - 1];
  const lastData = parse(last.data);
  const out: string[] = [];
  switch (formatOfKind(kind)) {
    case 'openai':
      if (events.some((e) => e.data === '[DONE]')) out.push('[DONE] after a failure');
      if (!isRec(lastData) || !isRec(lastData.error) || typeof lastData.error.message !== 'string')
        out.push(`last event is not an error: ${last.data.slice(0, 120)}`);
      break;
    case 'anthropic':
      if (events.some((e) => e.event === 'message_stop')) out.push('message_stop after a failure');
      if (last.event !== 'error' || !isRec(lastData) || lastData.type !== 'error' || !isRec(lastData.error))
        out.push(`last event is not an error: ${last.event} ${last.data.slice(0, 120)}`);
      break;
    case 'openai_responses': {
      if (events.some((e) => e.event === 'response.completed')) out.push('response.completed after a failure');
      const t = isRec(lastData) ? lastData.type : undefined;
      if (t !== 'response.failed' && t !== 'error') out.push(`last event is not response.failed/error: ${last.data.slice(0, 120)}`);
      break;
    }
    case 'gemini':
      if (!isRec(lastData) || !isRec(lastData.error) || typeof lastData.error.message !== 'string')
        out.push(`last chunk is not an error: ${last.data.slice(0, 120)}`);
      break;
  }
  return out;
}

/** Problems with a successful client stream (ends with the format's normal completion). */
export function completedStreamProblems(kind: ClientKind, text: string): string[] {
  const { events, problems } = streamEvents(kind, text);
  if (problems.length) return problems;
  if (events.length === 0) return ['empty stream'];
  const last = events[events.length - 1];
  const lastData = parse(last.data);
  for (const e of events) {
    if (e.data !== '[DONE]' && parse(e.data) === undefined) return [`event data is not JSON: ${e.data.slice(0, 80)}`];
  }
  switch (formatOfKind(kind)) {
    case 'openai':
      return last.data === '[DONE]' ? [] : ['no [DONE]'];
    case 'anthropic':
      return last.event === 'message_stop' ? [] : [`ends with ${last.event}`];
    case 'openai_responses':
      return isRec(lastData) && ['response.completed', 'response.incomplete'].includes(String(lastData.type)) ? [] : [`ends with ${last.event}`];
    case 'gemini':
      return isRec(lastData) && Array.isArray(lastData.candidates) ? [] : ['last chunk has no candidates'];
  }
}
