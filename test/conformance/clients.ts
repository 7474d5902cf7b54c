/**
 * Apps written with the official SDKs, one driver per client format. Each sends the same
 * abstract conversation in its own API's terms and reports what its SDK returned, in one
 * normalized shape the matrix asserts on.
 */
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI, type Content, type Part as GPart } from '@google/genai';
import type { FormatId } from '../../src/ir/types.js';

export type Turn =
  | { role: 'user'; text: string; imageBase64?: { data: string; mediaType: string } }
  | { role: 'assistant'; text: string }
  | { role: 'tool_call'; id: string; name: string; args: Record<string, unknown> }
  | { role: 'tool_result'; id: string; name: string; result: string; isError?: boolean };

export interface ToolDef {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

export interface ChatInput {
  model: string;
  system?: string;
  turns: Turn[];
  tools?: ToolDef[];
  reasoning?: boolean;
  jsonSchema?: { name: string; schema: Record<string, unknown> };
  maxTokens?: number;
  temperature?: number;
  stop?: string[];
}

export interface ChatResult {
  text: string;
  reasoning: string;
  toolCalls: { id?: string; name: string; args: Record<string, unknown> }[];
  finish: 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'other';
  /** Hub meaning: input = all prompt tokens, output includes reasoning. */
  usage: { input: number; output: number; cacheRead: number; cacheCreation: number; reasoning: number };
  /** Streams: how many content events arrived (proves it was not buffered into one). */
  deltas?: number;
  /** Streams whose SDK also assembles a final object: the text the deltas added up to. */
  streamedText?: string;
}

export interface ClientDriver {
  format: FormatId;
  run(baseUrl: string, key: string, input: ChatInput, stream: boolean): Promise<ChatResult>;
}

const parseArgs = (s: string): Record<string, unknown> => (s ? (JSON.parse(s) as Record<string, unknown>) : {});

// ---------------------------------------------------------------- OpenAI Chat Completions
type ChatMsg = OpenAI.Chat.Completions.ChatCompletionMessageParam;

function chatMessages(input: ChatInput): ChatMsg[] {
  const out: ChatMsg[] = [];
  if (input.system) out.push({ role: 'system', content: input.system });
  for (const t of input.turns) {
    if (t.role === 'user') {
      out.push(
        t.imageBase64
          ? {
              role: 'user',
              content: [
                { type: 'text', text: t.text },
                { type: 'image_url', image_url: { url: `data:${t.imageBase64.mediaType};base64,${t.imageBase64.data}` } },
              ],
            }
          : { role: 'user', content: t.text },
      );
    } else if (t.role === 'assistant') out.push({ role: 'assistant', content: t.text });
    else if (t.role === 'tool_call') {
      const prev = out[out.length - 1];
      const call = { id: t.id, type: 'function' as const, function: { name: t.name, arguments: JSON.stringify(t.args) } };
      if (prev && prev.role === 'assistant' && prev.tool_calls) prev.tool_calls.push(call);
      else out.push({ role: 'assistant', content: null, tool_calls: [call] });
    } else out.push({ role: 'tool', tool_call_id: t.id, content: t.isError ? `Error: ${t.result}` : t.result });
  }
  return out;
}

const mapChatFinish = (f: string | null | undefined): ChatResult['finish'] =>
  f === 'stop' ? 'stop' : f === 'length' ? 'length' : f === 'tool_calls' ? 'tool_calls' : f === 'content_filter' ? 'content_filter' : 'other';

export const openaiChatClient: ClientDriver = {
  format: 'openai',
  async run(baseUrl, key, input, stream) {
    const client = new OpenAI({ apiKey: key, baseURL: `${baseUrl}/v1`, maxRetries: 0 });
    const params: OpenAI.Chat.Completions.ChatCompletionCreateParamsBase = {
      model: input.model,
      messages: chatMessages(input),
      ...(input.maxTokens ? { max_completion_tokens: input.maxTokens } : {}),
      ...(input.temperature !== undefined ? { temperature: input.temperature } : {}),
      ...(input.stop ? { stop: input.stop } : {}),
      ...(input.reasoning ? { reasoning_effort: 'medium' as const } : {}),
      ...(input.tools ? { tools: input.tools.map((t) => ({ type: 'function' as const, function: t })) } : {}),
      ...(input.jsonSchema
        ? { response_format: { type: 'json_schema' as const, json_schema: { name: input.jsonSchema.name, schema: input.jsonSchema.schema } } }
        : {}),
    };
    if (!stream) {
      const r = await client.chat.completions.create({ ...params, stream: false });
      const m = r.choices[0].message as OpenAI.Chat.Completions.ChatCompletionMessage & { reasoning_content?: string };
      return {
        text: m.content ?? '',
        reasoning: m.reasoning_content ?? '',
        toolCalls: (m.tool_calls ?? []).map((c) => ({
          id: c.id,
          name: (c as { function: { name: string } }).function.name,
          args: parseArgs((c as { function: { arguments: string } }).function.arguments),
        })),
        finish: mapChatFinish(r.choices[0].finish_reason),
        usage: {
          input: r.usage?.prompt_tokens ?? 0,
          output: r.usage?.completion_tokens ?? 0,
          cacheRead: r.usage?.prompt_tokens_details?.cached_tokens ?? 0,
          cacheCreation: 0,
          reasoning: r.usage?.completion_tokens_details?.reasoning_tokens ?? 0,
        },
      };
    }
    const s = await client.chat.completions.create({ ...params, stream: true, stream_options: { include_usage: true } });
    const res: ChatResult = {
      text: '',
      reasoning: '',
      toolCalls: [],
      finish: 'other',
      usage: { input: 0, output: 0, cacheRead: 0, cacheCreation: 0, reasoning: 0 },
      deltas: 0,
    };
    const calls: { id?: string; name: string; args: string }[] = [];
    for await (const chunk of s) {
      if (chunk.usage) {
        res.usage = {
          input: chunk.usage.prompt_tokens,
          output: chunk.usage.completion_tokens,
          cacheRead: chunk.usage.prompt_tokens_details?.cached_tokens ?? 0,
          cacheCreation: 0,
          reasoning: chunk.usage.completion_tokens_details?.reasoning_tokens ?? 0,
        };
      }
      const ch = chunk.choices[0];
      if (!ch) continue;
      const d = ch.delta as typeof ch.delta & { reasoning_content?: string };
      if (d.content) {
        res.text += d.content;
        res.deltas!++;
      }
      if (d.reasoning_content) res.reasoning += d.reasoning_content;
      for (const tc of d.tool_calls ?? []) {
        const c = (calls[tc.index] ??= { name: '', args: '' });
        if (tc.id) c.id = tc.id;
        if (tc.function?.name) c.name += tc.function.name;
        if (tc.function?.arguments) c.args += tc.function.arguments;
      }
      if (ch.finish_reason) res.finish = mapChatFinish(ch.finish_reason);
    }
    res.toolCalls = calls.map((c) => ({ id: c.id, name: c.name, args: parseArgs(c.args) }));
    return res;
  },
};

// ---------------------------------------------------------------- OpenAI Responses
type RespInput = OpenAI.Responses.ResponseInputItem;

function responsesInput(input: ChatInput): RespInput[] {
  const out: RespInput[] = [];
  for (const t of input.turns) {
    if (t.role === 'user') {
      out.push({
        role: 'user',
        content: [
          { type: 'input_text', text: t.text },
          ...(t.imageBase64
            ? [{ type: 'input_image' as const, detail: 'auto' as const, image_url: `data:${t.imageBase64.mediaType};base64,${t.imageBase64.data}` }]
            : []),
        ],
      });
    } else if (t.role === 'assistant') out.push({ role: 'assistant', content: t.text });
    else if (t.role === 'tool_call') out.push({ type: 'function_call', call_id: t.id, name: t.name, arguments: JSON.stringify(t.args) });
    else out.push({ type: 'function_call_output', call_id: t.id, output: t.isError ? `Error: ${t.result}` : t.result });
  }
  return out;
}

function fromResponse(r: OpenAI.Responses.Response): ChatResult {
  const toolCalls: ChatResult['toolCalls'] = [];
  let reasoning = '';
  for (const item of r.output) {
    if (item.type === 'function_call') toolCalls.push({ id: item.call_id, name: item.name, args: parseArgs(item.arguments) });
    if (item.type === 'reasoning') reasoning += (item.summary ?? []).map((s) => s.text).join('');
  }
  const finish: ChatResult['finish'] =
    r.status === 'completed'
      ? toolCalls.length
        ? 'tool_calls'
        : 'stop'
      : r.status === 'incomplete'
        ? r.incomplete_details?.reason === 'max_output_tokens'
          ? 'length'
          : r.incomplete_details?.reason === 'content_filter'
            ? 'content_filter'
            : 'other'
        : 'other';
  // `output_text` is an SDK convenience added to non-streamed responses only; a streamed
  // response.completed carries just the output items.
  const itemsText = r.output.flatMap((item) => (item.type === 'message' ? item.content.map((c) => (c.type === 'output_text' ? c.text : '')) : [])).join('');
  return {
    text: r.output_text || itemsText,
    reasoning,
    toolCalls,
    finish,
    usage: {
      input: r.usage?.input_tokens ?? 0,
      output: r.usage?.output_tokens ?? 0,
      cacheRead: r.usage?.input_tokens_details?.cached_tokens ?? 0,
      cacheCreation: 0,
      reasoning: r.usage?.output_tokens_details?.reasoning_tokens ?? 0,
    },
  };
}

export const responsesClient: ClientDriver = {
  format: 'openai_responses',
  async run(baseUrl, key, input, stream) {
    const client = new OpenAI({ apiKey: key, baseURL: `${baseUrl}/v1`, maxRetries: 0 });
    const params: OpenAI.Responses.ResponseCreateParamsBase = {
      model: input.model,
      input: responsesInput(input),
      ...(input.system ? { instructions: input.system } : {}),
      ...(input.maxTokens ? { max_output_tokens: input.maxTokens } : {}),
      ...(input.temperature !== undefined ? { temperature: input.temperature } : {}),
      ...(input.reasoning ? { reasoning: { effort: 'medium' as const, summary: 'auto' as const } } : {}),
      ...(input.tools
        ? { tools: input.tools.map((t) => ({ type: 'function' as const, name: t.name, description: t.description, parameters: t.parameters, strict: false })) }
        : {}),
      ...(input.jsonSchema ? { text: { format: { type: 'json_schema' as const, name: input.jsonSchema.name, schema: input.jsonSchema.schema } } } : {}),
    };
    if (!stream) return fromResponse(await client.responses.create({ ...params, stream: false }));
    const s = await client.responses.create({ ...params, stream: true });
    let final: OpenAI.Responses.Response | undefined;
    let text = '';
    let deltas = 0;
    for await (const ev of s) {
      if (ev.type === 'response.output_text.delta') {
        text += ev.delta;
        deltas++;
      }
      if (ev.type === 'response.completed' || ev.type === 'response.incomplete') final = ev.response;
      if (ev.type === 'response.failed') throw Object.assign(new Error(ev.response.error?.message ?? 'response.failed'), { streamError: true });
    }
    if (!final) throw new Error('stream ended without response.completed');
    return { ...fromResponse(final), deltas, streamedText: text };
  },
};

// ---------------------------------------------------------------- Anthropic Messages
function anthropicMessages(input: ChatInput): Anthropic.MessageParam[] {
  const out: Anthropic.MessageParam[] = [];
  const push = (role: 'user' | 'assistant', block: Anthropic.ContentBlockParam) => {
    const prev = out[out.length - 1];
    if (prev && prev.role === role && Array.isArray(prev.content)) prev.content.push(block);
    else out.push({ role, content: [block] });
  };
  for (const t of input.turns) {
    if (t.role === 'user') {
      push('user', { type: 'text', text: t.text });
      if (t.imageBase64)
        push('user', { type: 'image', source: { type: 'base64', media_type: t.imageBase64.mediaType as 'image/png', data: t.imageBase64.data } });
    } else if (t.role === 'assistant') push('assistant', { type: 'text', text: t.text });
    else if (t.role === 'tool_call') push('assistant', { type: 'tool_use', id: t.id, name: t.name, input: t.args });
    else push('user', { type: 'tool_result', tool_use_id: t.id, content: t.result, ...(t.isError ? { is_error: true } : {}) });
  }
  return out;
}

const mapAnthropicFinish = (s: string | null): ChatResult['finish'] =>
  s === 'end_turn' || s === 'stop_sequence'
    ? 'stop'
    : s === 'max_tokens'
      ? 'length'
      : s === 'tool_use'
        ? 'tool_calls'
        : s === 'refusal'
          ? 'content_filter'
          : 'other';

function fromMessage(m: Anthropic.Message): ChatResult {
  const r: ChatResult = { text: '', reasoning: '', toolCalls: [], finish: mapAnthropicFinish(m.stop_reason), usage: anthropicUsage(m.usage) };
  for (const b of m.content) {
    if (b.type === 'text') r.text += b.text;
    else if (b.type === 'thinking') r.reasoning += b.thinking;
    else if (b.type === 'tool_use') r.toolCalls.push({ id: b.id, name: b.name, args: b.input as Record<string, unknown> });
  }
  return r;
}

function anthropicUsage(u: Anthropic.Usage): ChatResult['usage'] {
  const cr = u.cache_read_input_tokens ?? 0;
  const cc = u.cache_creation_input_tokens ?? 0;
  const details = (u as { output_tokens_details?: { thinking_tokens?: number } }).output_tokens_details;
  return { input: u.input_tokens + cr + cc, output: u.output_tokens, cacheRead: cr, cacheCreation: cc, reasoning: details?.thinking_tokens ?? 0 };
}

export const anthropicClient: ClientDriver = {
  format: 'anthropic',
  async run(baseUrl, key, input, stream) {
    const client = new Anthropic({ apiKey: key, baseURL: baseUrl, maxRetries: 0 });
    const maxTokens = input.maxTokens ?? (input.reasoning ? 4096 : 1024);
    const params: Anthropic.MessageCreateParamsNonStreaming = {
      model: input.model,
      max_tokens: maxTokens,
      messages: anthropicMessages(input),
      ...(input.system ? { system: input.system } : {}),
      ...(input.temperature !== undefined ? { temperature: input.temperature } : {}),
      ...(input.stop ? { stop_sequences: input.stop } : {}),
      ...(input.reasoning ? { thinking: { type: 'enabled' as const, budget_tokens: 2048 } } : {}),
      ...(input.tools
        ? { tools: input.tools.map((t) => ({ name: t.name, description: t.description, input_schema: t.parameters as Anthropic.Tool.InputSchema })) }
        : {}),
      ...(input.jsonSchema ? { output_config: { format: { type: 'json_schema' as const, schema: input.jsonSchema.schema } } } : {}),
    };
    if (!stream) return fromMessage(await client.messages.create(params));
    const s = client.messages.stream(params);
    let deltas = 0;
    let text = '';
    s.on('text', (t) => {
      text += t;
      deltas++;
    });
    const final = await s.finalMessage();
    return { ...fromMessage(final), deltas, streamedText: text };
  },
};

// ---------------------------------------------------------------- Google Gemini
function geminiContents(input: ChatInput): Content[] {
  const out: Content[] = [];
  const push = (role: 'user' | 'model', part: GPart) => {
    const prev = out[out.length - 1];
    if (prev && prev.role === role) prev.parts!.push(part);
    else out.push({ role, parts: [part] });
  };
  for (const t of input.turns) {
    if (t.role === 'user') {
      push('user', { text: t.text });
      if (t.imageBase64) push('user', { inlineData: { mimeType: t.imageBase64.mediaType, data: t.imageBase64.data } });
    } else if (t.role === 'assistant') push('model', { text: t.text });
    else if (t.role === 'tool_call') push('model', { functionCall: { name: t.name, args: t.args } });
    else push('user', { functionResponse: { name: t.name, response: t.isError ? { error: t.result } : { output: t.result } } });
  }
  return out;
}

const mapGeminiFinish = (f: string | undefined, hasCalls: boolean): ChatResult['finish'] =>
  f === 'STOP'
    ? hasCalls
      ? 'tool_calls'
      : 'stop'
    : f === 'MAX_TOKENS'
      ? 'length'
      : f && ['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII'].includes(f)
        ? 'content_filter'
        : 'other';

export const geminiClient: ClientDriver = {
  format: 'gemini',
  async run(baseUrl, key, input, stream) {
    const ai = new GoogleGenAI({ apiKey: key, httpOptions: { baseUrl } });
    const config = {
      ...(input.system ? { systemInstruction: input.system } : {}),
      ...(input.maxTokens ? { maxOutputTokens: input.maxTokens } : {}),
      ...(input.temperature !== undefined ? { temperature: input.temperature } : {}),
      ...(input.stop ? { stopSequences: input.stop } : {}),
      ...(input.reasoning ? { thinkingConfig: { includeThoughts: true, thinkingBudget: 2048 } } : {}),
      ...(input.tools
        ? { tools: [{ functionDeclarations: input.tools.map((t) => ({ name: t.name, description: t.description, parametersJsonSchema: t.parameters })) }] }
        : {}),
      ...(input.jsonSchema ? { responseMimeType: 'application/json', responseJsonSchema: input.jsonSchema.schema } : {}),
    };
    const req = { model: input.model, contents: geminiContents(input), config };
    const r: ChatResult = {
      text: '',
      reasoning: '',
      toolCalls: [],
      finish: 'other',
      usage: { input: 0, output: 0, cacheRead: 0, cacheCreation: 0, reasoning: 0 },
      deltas: 0,
    };
    let finishRaw: string | undefined;
    const take = (resp: { candidates?: { content?: Content; finishReason?: string }[]; usageMetadata?: Record<string, number | undefined> }) => {
      const c = resp.candidates?.[0];
      for (const p of c?.content?.parts ?? []) {
        if (p.thought && p.text) r.reasoning += p.text;
        else if (p.text) {
          r.text += p.text;
          r.deltas!++;
        } else if (p.functionCall)
          r.toolCalls.push({ id: p.functionCall.id, name: p.functionCall.name ?? '', args: (p.functionCall.args ?? {}) as Record<string, unknown> });
      }
      if (c?.finishReason) finishRaw = c.finishReason;
      const u = resp.usageMetadata;
      if (u) {
        const thoughts = u.thoughtsTokenCount ?? 0;
        r.usage = {
          input: u.promptTokenCount ?? 0,
          output: (u.candidatesTokenCount ?? 0) + thoughts,
          cacheRead: u.cachedContentTokenCount ?? 0,
          cacheCreation: 0,
          reasoning: thoughts,
        };
      }
    };
    if (!stream) take((await ai.models.generateContent(req)) as never);
    else for await (const chunk of await ai.models.generateContentStream(req)) take(chunk as never);
    r.finish = mapGeminiFinish(finishRaw, r.toolCalls.length > 0);
    if (!stream) delete r.deltas;
    return r;
  },
};

export const CLIENTS: Record<FormatId, ClientDriver> = {
  openai: openaiChatClient,
  openai_responses: responsesClient,
  anthropic: anthropicClient,
  gemini: geminiClient,
};
