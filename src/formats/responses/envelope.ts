import type { ClientResponseContext } from '../types.js';
import type { Request, Tool } from '../../ir/types.js';
import { encodeResponsesToolChoice, encodeTextFormat } from './tools.js';
import { isRecord, type Json } from './wire.js';

/**
 * The request parameters a Response object echoes back, computed once per response from the
 * client's own request (so the app sees what it asked for, whatever served it).
 */
export interface Echo {
  head: Json;
  tail: Json;
  meta: Json;
}

export function buildEcho(ctx: ClientResponseContext, upstreamExtras?: Json): Echo {
  const req: Request = ctx.request;
  const x: Json = req.sourceFormat === 'openai_responses' && req.extras ? req.extras : {};
  let instructions: string | null = null;
  for (const b of req.system) {
    if (b.role) continue;
    instructions = instructions === null ? b.text : `${instructions}\n\n${b.text}`;
  }
  const textExtras = isRecord(x.text) ? x.text : undefined;
  const head: Json = {
    instructions,
    max_output_tokens: req.maxTokens ?? null,
    max_tool_calls: x.max_tool_calls ?? null,
    model: ctx.model,
  };
  const tail: Json = {
    parallel_tool_calls: req.parallelToolCalls ?? true,
    previous_response_id: req.previousResponseId ?? null,
    prompt_cache_key: x.prompt_cache_key ?? null,
    reasoning: { effort: req.reasoning?.effort ?? null, summary: req.reasoning?.summary ?? null },
    safety_identifier: x.safety_identifier ?? null,
    service_tier: x.service_tier ?? 'default',
    store: x.store ?? true,
    temperature: req.temperature ?? 1,
    text: {
      format: req.responseFormat ? encodeTextFormat(req.responseFormat) : { type: 'text' },
      verbosity: textExtras?.verbosity ?? 'medium',
    },
    tool_choice: req.toolChoice ? encodeResponsesToolChoice(req.toolChoice) : (x.tool_choice ?? 'auto'),
    tools: echoTools(req.tools),
    top_logprobs: x.top_logprobs ?? 0,
    top_p: req.topP ?? 1,
    truncation: x.truncation ?? 'disabled',
  };
  const meta: Json = { user: req.user ?? null, metadata: x.metadata ?? {} };
  if (upstreamExtras) {
    // A Responses downstream reported what it actually used (service tier, reasoning, Azure's content_filters...).
    for (const key in upstreamExtras) {
      if (key in head || key === 'model') continue;
      if (key in meta) meta[key] = upstreamExtras[key];
      else tail[key] = upstreamExtras[key];
    }
  }
  return { head, tail, meta };
}

/** Tools as the API echoes them: every field present, an omitted strict shown as the default (true). */
function echoTools(tools: Tool[] | undefined): Json[] {
  const out: Json[] = [];
  for (const t of tools ?? []) {
    if (t.type === 'provider') {
      if (t.format === 'openai_responses') out.push(t.raw);
      continue;
    }
    out.push({ type: 'function', description: t.description ?? null, name: t.name, parameters: t.parameters, strict: t.strict ?? true });
  }
  return out;
}

export interface ResponseState {
  id: string;
  createdAt: number;
  status: 'in_progress' | 'completed' | 'incomplete' | 'failed';
  completedAt: number | null;
  error: { code: string; message: string } | null;
  incompleteDetails: { reason: string } | null;
  output: Json[];
  usage: Json | null;
}

/** A full Response object, fields in the order the API writes them. */
export function responseObject(s: ResponseState, echo: Echo): Json {
  return {
    id: s.id,
    object: 'response',
    created_at: s.createdAt,
    status: s.status,
    background: false,
    completed_at: s.completedAt,
    error: s.error,
    incomplete_details: s.incompleteDetails,
    ...echo.head,
    output: s.output,
    ...echo.tail,
    usage: s.usage,
    ...echo.meta,
  };
}
