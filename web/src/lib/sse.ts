/**
 * Reading captured bodies: pretty JSON, and SSE streams of any of the four formats reassembled
 * into the text a person would have seen (answer, reasoning, tool calls, finish, usage).
 */

export interface SseEvent {
  event?: string;
  data: string;
}

/** Split raw SSE text into events (data lines joined; comments dropped). */
export function parseSse(text: string): SseEvent[] {
  const out: SseEvent[] = [];
  for (const block of text.replace(/\r\n?/g, '\n').split(/\n\n+/)) {
    let event: string | undefined;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (!line || line.startsWith(':')) continue;
      const i = line.indexOf(':');
      const field = i === -1 ? line : line.slice(0, i);
      const value = i === -1 ? '' : line.slice(i + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length || event) out.push({ event, data: data.join('\n') });
  }
  return out;
}

/** Heuristic: a body is a stream when it is made of `data:` / `event:` lines. */
export function looksLikeSse(text: string): boolean {
  return /^(event|data|id|retry):/m.test(text.trimStart().slice(0, 200)) && !/^\s*[[{]/.test(text);
}

export interface Reassembled {
  text: string;
  reasoning: string;
  toolCalls: { id?: string; name: string; arguments: string }[];
  finish?: string;
  usage?: Record<string, unknown>;
  error?: string;
  events: number;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The stream's payloads as objects, from raw SSE text or a captured list of events. */
export function streamPayloads(body: unknown): Obj[] {
  const events: unknown[] = typeof body === 'string' ? parseSse(body).map((e) => e.data) : Array.isArray(body) ? body : [];
  const out: Obj[] = [];
  for (const e of events) {
    let v: unknown = e;
    if (isObj(e) && typeof e.data === 'string') v = e.data;
    if (typeof v === 'string') {
      if (v.trim() === '[DONE]' || !v.trim()) continue;
      try {
        v = JSON.parse(v);
      } catch {
        continue;
      }
    }
    if (isObj(v)) out.push(v);
  }
  return out;
}

/** Reassemble a stream of any of the four formats (detected per event by its shape). */
export function reassemble(body: unknown): Reassembled {
  const r: Reassembled = { text: '', reasoning: '', toolCalls: [], events: 0 };
  const byIndex = new Map<string, { id?: string; name: string; arguments: string }>();
  const call = (key: string, init: { id?: string; name?: string }) => {
    let c = byIndex.get(key);
    if (!c) {
      c = { id: init.id, name: init.name ?? '', arguments: '' };
      byIndex.set(key, c);
      r.toolCalls.push(c);
    }
    if (init.name && !c.name) c.name = init.name;
    if (init.id && !c.id) c.id = init.id;
    return c;
  };
  for (const p of streamPayloads(body)) {
    r.events++;
    if (isObj(p.error)) r.error = String(p.error.message ?? JSON.stringify(p.error));
    // OpenAI chat chunk
    if (Array.isArray(p.choices)) {
      for (const ch of p.choices as Obj[]) {
        const d = isObj(ch.delta) ? ch.delta : {};
        if (typeof d.content === 'string') r.text += d.content;
        if (typeof d.reasoning_content === 'string') r.reasoning += d.reasoning_content;
        if (typeof d.reasoning === 'string') r.reasoning += d.reasoning;
        if (Array.isArray(d.tool_calls))
          for (const tc of d.tool_calls as Obj[]) {
            const fn = isObj(tc.function) ? tc.function : {};
            const c = call(`oa${String(tc.index ?? 0)}`, { id: tc.id as string | undefined, name: fn.name as string | undefined });
            if (typeof fn.arguments === 'string') c.arguments += fn.arguments;
          }
        if (ch.finish_reason) r.finish = String(ch.finish_reason);
      }
      if (isObj(p.usage)) r.usage = p.usage;
      continue;
    }
    // Gemini chunk
    if (Array.isArray(p.candidates)) {
      for (const cand of p.candidates as Obj[]) {
        const parts = isObj(cand.content) && Array.isArray(cand.content.parts) ? (cand.content.parts as Obj[]) : [];
        for (const part of parts) {
          if (typeof part.text === 'string') {
            if (part.thought) r.reasoning += part.text;
            else r.text += part.text;
          }
          if (isObj(part.functionCall)) {
            const c = call(`g${r.toolCalls.length}`, { id: part.functionCall.id as string | undefined, name: String(part.functionCall.name ?? '') });
            c.arguments = JSON.stringify(part.functionCall.args ?? {});
          }
        }
        if (cand.finishReason) r.finish = String(cand.finishReason);
      }
      if (isObj(p.usageMetadata)) r.usage = p.usageMetadata;
      continue;
    }
    const type = typeof p.type === 'string' ? p.type : '';
    // Anthropic
    if (type === 'content_block_start' && isObj(p.content_block) && p.content_block.type === 'tool_use') {
      call(`an${String(p.index)}`, { id: p.content_block.id as string, name: p.content_block.name as string });
    } else if (type === 'content_block_delta' && isObj(p.delta)) {
      const d = p.delta;
      if (d.type === 'text_delta') r.text += String(d.text ?? '');
      else if (d.type === 'thinking_delta') r.reasoning += String(d.thinking ?? '');
      else if (d.type === 'input_json_delta') call(`an${String(p.index)}`, {}).arguments += String(d.partial_json ?? '');
    } else if (type === 'message_delta' && isObj(p.delta)) {
      if (p.delta.stop_reason) r.finish = String(p.delta.stop_reason);
      if (isObj(p.usage)) r.usage = { ...(r.usage ?? {}), ...p.usage };
    } else if (type === 'message_start' && isObj(p.message) && isObj(p.message.usage)) {
      r.usage = p.message.usage;
    }
    // Responses
    else if (type === 'response.output_text.delta') r.text += String(p.delta ?? '');
    else if (type === 'response.reasoning_summary_text.delta' || type === 'response.reasoning_text.delta') r.reasoning += String(p.delta ?? '');
    else if (type === 'response.output_item.added' && isObj(p.item) && p.item.type === 'function_call') {
      call(`r${String(p.item.id ?? p.output_index)}`, { id: p.item.call_id as string, name: p.item.name as string });
    } else if (type === 'response.function_call_arguments.delta') {
      call(`r${String(p.item_id ?? p.output_index)}`, {}).arguments += String(p.delta ?? '');
    } else if (type === 'response.completed' || type === 'response.incomplete' || type === 'response.failed') {
      const resp = isObj(p.response) ? p.response : {};
      r.finish =
        type === 'response.completed'
          ? 'completed'
          : type === 'response.incomplete'
            ? `incomplete${isObj(resp.incomplete_details) ? ` (${String(resp.incomplete_details.reason)})` : ''}`
            : 'failed';
      if (isObj(resp.usage)) r.usage = resp.usage;
      if (isObj(resp.error)) r.error = String(resp.error.message ?? '');
    } else if (type === 'error') {
      const e = isObj(p.error) ? p.error : p;
      r.error = String(e.message ?? JSON.stringify(e));
    }
  }
  return r;
}

/** The answer text of a non-streamed response of any format. */
export function answerOf(body: unknown): Reassembled {
  const r: Reassembled = { text: '', reasoning: '', toolCalls: [], events: 0 };
  if (!isObj(body)) return r;
  if (isObj(body.error)) r.error = String(body.error.message ?? JSON.stringify(body.error));
  if (Array.isArray(body.choices)) {
    const m = isObj((body.choices as Obj[])[0]?.message) ? ((body.choices as Obj[])[0].message as Obj) : {};
    r.text = typeof m.content === 'string' ? m.content : '';
    if (typeof m.reasoning_content === 'string') r.reasoning = m.reasoning_content;
    for (const tc of (m.tool_calls as Obj[] | undefined) ?? []) {
      const fn = isObj(tc.function) ? tc.function : {};
      r.toolCalls.push({ id: tc.id as string, name: String(fn.name ?? ''), arguments: String(fn.arguments ?? '') });
    }
    r.finish = String((body.choices as Obj[])[0]?.finish_reason ?? '');
    if (isObj(body.usage)) r.usage = body.usage;
  } else if (Array.isArray(body.candidates)) {
    const part = (body.candidates as Obj[])[0];
    const parts = isObj(part?.content) && Array.isArray(part.content.parts) ? (part.content.parts as Obj[]) : [];
    for (const p of parts) {
      if (typeof p.text === 'string') {
        if (p.thought) r.reasoning += p.text;
        else r.text += p.text;
      }
      if (isObj(p.functionCall)) r.toolCalls.push({ name: String(p.functionCall.name ?? ''), arguments: JSON.stringify(p.functionCall.args ?? {}) });
    }
    r.finish = part?.finishReason ? String(part.finishReason) : undefined;
    if (isObj(body.usageMetadata)) r.usage = body.usageMetadata;
  } else if (Array.isArray(body.content)) {
    for (const b of body.content as Obj[]) {
      if (b.type === 'text') r.text += String(b.text ?? '');
      else if (b.type === 'thinking') r.reasoning += String(b.thinking ?? '');
      else if (b.type === 'tool_use') r.toolCalls.push({ id: b.id as string, name: String(b.name ?? ''), arguments: JSON.stringify(b.input ?? {}) });
    }
    r.finish = body.stop_reason ? String(body.stop_reason) : undefined;
    if (isObj(body.usage)) r.usage = body.usage;
  } else if (Array.isArray(body.output)) {
    for (const item of body.output as Obj[]) {
      if (item.type === 'message' && Array.isArray(item.content))
        for (const c of item.content as Obj[]) if (c.type === 'output_text') r.text += String(c.text ?? '');
      if (item.type === 'reasoning' && Array.isArray(item.summary)) for (const s of item.summary as Obj[]) r.reasoning += String(s.text ?? '');
      if (item.type === 'function_call')
        r.toolCalls.push({ id: item.call_id as string, name: String(item.name ?? ''), arguments: String(item.arguments ?? '') });
    }
    r.finish = body.status ? String(body.status) : undefined;
    if (isObj(body.usage)) r.usage = body.usage;
  }
  return r;
}

/** Pretty JSON when the text is JSON; the text itself otherwise. */
export function pretty(body: unknown): string {
  if (typeof body !== 'string') return JSON.stringify(body, null, 2);
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}
