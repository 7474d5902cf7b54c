import type { FormatId, Usage } from '../ir/types.js';
import type { SseEvent } from '../util/sse.js';

/**
 * Usage for pass-through traffic, which is never decoded: only the few events that can carry
 * usage are parsed (found by a substring test), the rest are skipped unparsed.
 */
export class UsageTap {
  usage: Partial<Usage> = {};
  /** Whether the stream's normal completion was seen (a truncated stream must not pass silently). */
  completed = false;

  constructor(private readonly format: FormatId) {}

  event(ev: SseEvent): void {
    const d = ev.data;
    if (!this.completed) this.completed = isCompletion(this.format, ev);
    switch (this.format) {
      case 'anthropic':
        if (ev.event === 'message_start' || ev.event === 'message_delta' || d.includes('"usage"')) this.fromObject(parse(d));
        break;
      case 'openai':
        if (d.includes('"usage":{')) this.fromObject(parse(d));
        break;
      case 'openai_responses':
        if (ev.event === 'response.completed' || ev.event === 'response.incomplete' || ev.event === 'response.failed') {
          const o = parse(d);
          this.fromObject(isObj(o) ? o.response : undefined);
        }
        break;
      case 'gemini':
        if (d.includes('"usageMetadata"')) this.fromObject(parse(d));
        break;
    }
  }

  /** A whole JSON body: only the usage object is parsed, found by key. */
  body(text: string): void {
    const key = this.format === 'gemini' ? '"usageMetadata"' : '"usage"';
    const at = text.lastIndexOf(key);
    if (at === -1) return;
    const start = text.indexOf('{', at + key.length);
    if (start === -1) return;
    const end = matchingBrace(text, start);
    if (end === -1) return;
    const u = parse(text.slice(start, end + 1));
    if (isObj(u)) this.apply(this.format === 'gemini' ? { usageMetadata: u } : { usage: u });
  }

  private fromObject(o: unknown): void {
    if (!isObj(o)) return;
    if (this.format === 'anthropic' && o.type === 'message_start' && isObj(o.message)) this.apply(o.message);
    else this.apply(o);
  }

  private apply(o: Record<string, unknown>): void {
    const u = usageFrom(this.format, o);
    if (u) this.usage = Object.assign({}, this.usage, u);
  }
}

function isCompletion(format: FormatId, ev: SseEvent): boolean {
  switch (format) {
    case 'anthropic':
      return ev.event === 'message_stop' || ev.event === 'error' || ev.data.includes('"type":"message_stop"');
    case 'openai':
      return ev.data === '[DONE]' || ev.data.startsWith('{"error"');
    case 'openai_responses':
      return ev.event === 'response.completed' || ev.event === 'response.incomplete' || ev.event === 'response.failed';
    case 'gemini':
      return ev.data.includes('"finishReason"') || ev.data.startsWith('{"error"');
  }
}

function usageFrom(format: FormatId, o: Record<string, unknown>): Partial<Usage> | undefined {
  if (format === 'gemini') {
    const m = o.usageMetadata;
    if (!isObj(m)) return undefined;
    const cand = num(m.candidatesTokenCount);
    const thoughts = num(m.thoughtsTokenCount);
    return { inputTokens: num(m.promptTokenCount), outputTokens: cand + thoughts, cacheReadTokens: num(m.cachedContentTokenCount), reasoningTokens: thoughts };
  }
  const u = o.usage;
  if (!isObj(u)) return undefined;
  if (format === 'anthropic') {
    const cr = num(u.cache_read_input_tokens);
    const cc = num(u.cache_creation_input_tokens);
    const out: Partial<Usage> = {};
    if (u.input_tokens !== undefined) out.inputTokens = num(u.input_tokens) + cr + cc;
    if (u.output_tokens !== undefined) out.outputTokens = num(u.output_tokens);
    if (u.cache_read_input_tokens !== undefined) out.cacheReadTokens = cr;
    if (u.cache_creation_input_tokens !== undefined) out.cacheCreationTokens = cc;
    return out;
  }
  if (format === 'openai') {
    const pd = isObj(u.prompt_tokens_details) ? u.prompt_tokens_details : {};
    const cd = isObj(u.completion_tokens_details) ? u.completion_tokens_details : {};
    return {
      inputTokens: num(u.prompt_tokens),
      outputTokens: num(u.completion_tokens),
      cacheReadTokens: num(pd.cached_tokens) || num(u.prompt_cache_hit_tokens),
      reasoningTokens: num(cd.reasoning_tokens),
    };
  }
  const id = isObj(u.input_tokens_details) ? u.input_tokens_details : {};
  const od = isObj(u.output_tokens_details) ? u.output_tokens_details : {};
  return {
    inputTokens: num(u.input_tokens),
    outputTokens: num(u.output_tokens),
    cacheReadTokens: num(id.cached_tokens),
    reasoningTokens: num(od.reasoning_tokens),
  };
}

function matchingBrace(s: string, start: number): number {
  let depth = 0;
  let inStr = false;
  for (let i = start; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (inStr) {
      if (c === 92) i++;
      else if (c === 34) inStr = false;
    } else if (c === 34) inStr = true;
    else if (c === 123) depth++;
    else if (c === 125 && --depth === 0) return i;
  }
  return -1;
}

function parse(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}
