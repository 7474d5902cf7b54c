import type { Message, Part, ReasoningConfig, ReasoningEffort, Request, ToolResultPart } from '../../ir/types.js';
import type { ReasoningStore } from '../../ir/reasoning-store.js';
import type { UpstreamRequestContext } from '../types.js';
import { toGeminiMedia } from './media.js';
import { toGeminiParameters, toGeminiSchema } from './schema.js';
import { isObject, type GeminiContent, type GeminiFunctionResponsePart, type GeminiPart, type JsonObject } from './wire.js';

/**
 * Google's documented placeholder for a functionCall part whose thought signature is
 * unavailable (history written by another model, or injected by the application): Gemini 3
 * rejects a function-calling step whose first functionCall part has no signature, and this
 * value tells the validator to skip the check.
 * Source: https://ai.google.dev/gemini-api/docs/thought-signatures#faqs ("...you can set the
 * thought_signature to either 'context_engineering_is_the_way_to_go' or
 * 'skip_thought_signature_validator'").
 */
export const DUMMY_THOUGHT_SIGNATURE = 'skip_thought_signature_validator';

/** Gemini rejects more than five stop sequences. */
const MAX_STOP_SEQUENCES = 5;

/**
 * thinkingBudget for a reasoning effort (Gemini 2.5 models take a token budget). Values follow
 * Google's own bands: 2.5 Flash accepts 1..24576, 2.5 Pro 128..32768; -1 lets the model choose.
 */
const BUDGET_FOR_EFFORT: Readonly<Record<ReasoningEffort, number>> = {
  none: 0,
  minimal: 512,
  low: 1024,
  medium: 8192,
  high: 24576,
  xhigh: 32768,
};

const GEMINI_3_RE = /gemini-3/i;
const FLASH_RE = /flash/i;
const ALWAYS_THINKING_RE = /gemini-2\.5-pro/i;
/** Models that reject thinkingConfig outright ("thinking is not supported by this model"). */
const NON_THINKING_RE = /gemini-(1\.|2\.0-(?!.*thinking))|gemma/i;
const JSON_START_RE = /^\s*[[{]/;

/** Hub request → Gemini GenerateContentRequest body (the model goes in the URL, not here). */
export function encodeGeminiRequest(req: Request, ctx: UpstreamRequestContext): Record<string, unknown> {
  const sameFormat = req.sourceFormat === 'gemini';
  const body: Record<string, unknown> = {};

  const contents = toGeminiContents(req.messages, ctx.reasoningStore);
  let systemBlocks = req.system;
  if (contents.length === 0) {
    // Gemini requires at least one content: a system-only request becomes a user turn.
    contents.push({ role: 'user', parts: systemBlocks.length ? systemBlocks.map((b) => ({ text: b.text })) : [{ text: ' ' }] });
    systemBlocks = [];
  }
  body.contents = contents;
  if (systemBlocks.length > 0) body.systemInstruction = { parts: systemBlocks.map((b) => ({ text: b.text })) };

  const tools = prepareTools(req);
  if (tools.length > 0) body.tools = tools;
  const toolConfig = prepareToolConfig(req, sameFormat, tools.length > 0);
  if (toolConfig) body.toolConfig = toolConfig;

  const generationConfig = prepareGenerationConfig(req, ctx.model, sameFormat);
  if (Object.keys(generationConfig).length > 0) body.generationConfig = generationConfig;

  if (sameFormat && req.extras) {
    for (const key in req.extras) {
      if (key !== 'generationConfig' && key !== 'toolConfig' && body[key] === undefined) body[key] = req.extras[key];
    }
  }
  return body;
}

/**
 * Hub messages → Gemini contents: assistant → "model", user and tool → "user", consecutive
 * turns of one role merged (tool results followed by user text become one user turn).
 */
export function toGeminiContents(messages: Message[], store: ReasoningStore): GeminiContent[] {
  const names = new Map<string, string>();
  for (const m of messages) {
    if (m.role !== 'assistant') continue;
    for (const p of m.parts) if (p.type === 'tool_call') names.set(p.id, p.name);
  }

  const contents: GeminiContent[] = [];
  for (const m of messages) {
    const role = m.role === 'assistant' ? 'model' : 'user';
    const parts = role === 'model' ? toModelParts(m.parts, store) : toUserParts(m.parts, names);
    if (parts.length === 0) continue;
    const last = contents[contents.length - 1];
    if (last && last.role === role) {
      for (const p of parts) last.parts.push(p);
      if (role === 'model') ensureStepSignature(last.parts);
    } else {
      contents.push({ role, parts });
    }
  }
  return contents;
}

function toModelParts(parts: Part[], store: ReasoningStore): GeminiPart[] {
  const out: GeminiPart[] = [];
  for (const p of parts) {
    switch (p.type) {
      case 'text':
        if (p.text) out.push({ text: p.text });
        break;
      case 'reasoning': {
        // Only Gemini's own thoughts go back; other families' reasoning means nothing here.
        if (p.family !== 'gemini') break;
        if (p.text) {
          const part: GeminiPart = { text: p.text, thought: true };
          if (p.signature) part.thoughtSignature = p.signature;
          out.push(part);
        } else if (p.signature) {
          // A signature-only part came from a non-thought part: re-attach it there.
          const prev = out[out.length - 1];
          if (prev && prev.thoughtSignature === undefined && prev.functionCall === undefined) prev.thoughtSignature = p.signature;
        }
        break;
      }
      case 'tool_call': {
        const part: GeminiPart = { functionCall: { name: p.name, args: parseArgs(p.arguments) } };
        const signature = p.thoughtSignature ?? store.get(p.id, 'gemini')?.thoughtSignature;
        if (signature) part.thoughtSignature = signature;
        out.push(part);
        break;
      }
      case 'image':
      case 'document':
        out.push(toGeminiMedia(p.source, p.type === 'image' ? 'image/jpeg' : 'application/pdf'));
        break;
      default:
        break;
    }
  }
  ensureStepSignature(out);
  return out;
}

/** Gemini 3 validates the first functionCall part of every step: give it the placeholder when no real signature is known. */
function ensureStepSignature(parts: GeminiPart[]): void {
  const first = parts.find((p) => p.functionCall !== undefined);
  if (first && first.thoughtSignature === undefined) first.thoughtSignature = DUMMY_THOUGHT_SIGNATURE;
}

function toUserParts(parts: Part[], names: Map<string, string>): GeminiPart[] {
  const out: GeminiPart[] = [];
  for (const p of parts) {
    switch (p.type) {
      case 'text':
        if (p.text) out.push({ text: p.text });
        break;
      case 'image':
        out.push(toGeminiMedia(p.source, 'image/jpeg'));
        break;
      case 'document':
        out.push(toGeminiMedia(p.source, 'application/pdf'));
        break;
      case 'tool_result': {
        const name = names.get(p.toolCallId);
        if (name !== undefined) out.push(toFunctionResponse(p, name));
        else out.push(...orphanToolResult(p));
        break;
      }
      default:
        break;
    }
  }
  return out;
}

/**
 * functionResponse: {output} or {error} per Google's convention (SPEC: tool errors ⇄
 * response.error); JSON text goes in parsed so the model sees structure; images and
 * documents ride in functionResponse.parts.
 */
function toFunctionResponse(p: ToolResultPart, name: string): GeminiPart {
  let text = '';
  const media: GeminiFunctionResponsePart[] = [];
  for (const c of p.content) {
    if (c.type === 'text') text = text ? `${text}\n${c.text}` : c.text;
    else media.push(toGeminiMedia(c.source, c.type === 'image' ? 'image/jpeg' : 'application/pdf'));
  }
  const value = parseJsonText(text);
  const response: JsonObject = p.isError ? { error: value } : { output: value };
  const fr: GeminiPart['functionResponse'] = { name, response };
  if (media.length > 0) fr.parts = media;
  return { functionResponse: fr };
}

/**
 * A tool result whose call is not in the history (clients that trim old turns): Gemini
 * rejects a functionResponse without its functionCall, so the result goes in as text.
 */
function orphanToolResult(p: ToolResultPart): GeminiPart[] {
  const out: GeminiPart[] = [];
  const label = `${p.isError ? 'Error from tool' : 'Result of tool'} ${p.name ?? 'call'} (${p.toolCallId}):`;
  const text = p.content
    .filter((c) => c.type === 'text')
    .map((c) => c.text)
    .join('\n');
  out.push({ text: text ? `${label}\n${text}` : label });
  for (const c of p.content) if (c.type !== 'text') out.push(toGeminiMedia(c.source, c.type === 'image' ? 'image/jpeg' : 'application/pdf'));
  return out;
}

function parseArgs(text: string): JsonObject {
  if (!text) return {};
  try {
    const v: unknown = JSON.parse(text);
    return isObject(v) ? v : {};
  } catch {
    return {};
  }
}

function parseJsonText(text: string): unknown {
  if (!JSON_START_RE.test(text)) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function prepareTools(req: Request): JsonObject[] {
  const out: JsonObject[] = [];
  const declarations: JsonObject[] = [];
  for (const t of req.tools ?? []) {
    if (t.type === 'function') {
      const decl: JsonObject = { name: t.name };
      if (t.description) decl.description = t.description;
      const parameters = toGeminiParameters(t.parameters);
      if (parameters) decl.parameters = parameters;
      declarations.push(decl);
    } else if (t.format === 'gemini') {
      // Hosted tools (googleSearch, codeExecution, urlContext...) exist only in Gemini.
      out.push(t.raw);
    }
  }
  if (declarations.length > 0) out.unshift({ functionDeclarations: declarations });
  return out;
}

function prepareToolConfig(req: Request, sameFormat: boolean, hasTools: boolean): JsonObject | undefined {
  const extra = sameFormat && isObject(req.extras?.toolConfig) ? req.extras.toolConfig : undefined;
  const config: JsonObject = extra ? { ...extra } : {};
  const choice = req.toolChoice;
  if (choice && hasTools) {
    const fcc: JsonObject = isObject(config.functionCallingConfig) ? { ...config.functionCallingConfig } : {};
    if (choice.type === 'auto') fcc.mode = 'AUTO';
    else if (choice.type === 'none') fcc.mode = 'NONE';
    else if (choice.type === 'required') fcc.mode = 'ANY';
    else {
      fcc.mode = 'ANY';
      fcc.allowedFunctionNames = [choice.name];
    }
    // An allow-list is only valid with mode ANY.
    if (fcc.mode !== 'ANY') delete fcc.allowedFunctionNames;
    config.functionCallingConfig = fcc;
  } else if (isObject(config.functionCallingConfig) && !hasTools) {
    delete config.functionCallingConfig;
  }
  return Object.keys(config).length > 0 ? config : undefined;
}

function prepareGenerationConfig(req: Request, model: string, sameFormat: boolean): JsonObject {
  const extra = sameFormat && isObject(req.extras?.generationConfig) ? req.extras.generationConfig : undefined;
  const gc: JsonObject = extra ? { ...extra } : {};
  if (req.stop && req.stop.length > 0) gc.stopSequences = req.stop.slice(0, MAX_STOP_SEQUENCES);
  if (req.maxTokens !== undefined) gc.maxOutputTokens = req.maxTokens;
  if (req.temperature !== undefined) gc.temperature = req.temperature;
  if (req.topP !== undefined) gc.topP = req.topP;
  if (req.topK !== undefined) gc.topK = req.topK;
  if (req.seed !== undefined) gc.seed = req.seed;
  if (req.n !== undefined && req.n !== 1) gc.candidateCount = req.n;
  if (req.presencePenalty !== undefined) gc.presencePenalty = req.presencePenalty;
  if (req.frequencyPenalty !== undefined) gc.frequencyPenalty = req.frequencyPenalty;

  const rf = req.responseFormat;
  if (rf?.type === 'json_object') gc.responseMimeType = 'application/json';
  else if (rf?.type === 'json_schema') {
    gc.responseMimeType = 'application/json';
    gc.responseSchema = toGeminiSchema(rf.schema);
  }

  const thinking = req.reasoning ? toThinkingConfig(req.reasoning, model) : undefined;
  if (thinking) gc.thinkingConfig = thinking;
  return gc;
}

/**
 * Hub reasoning → thinkingConfig. An explicit budget is sent as thinkingBudget (accepted by
 * 2.5 and, for compatibility, 3.x). An effort alone becomes thinkingLevel on Gemini 3 (which
 * rejects budget and level together) and a budget from BUDGET_FOR_EFFORT elsewhere.
 * Turning reasoning off is budget 0, except where the model cannot stop thinking: 2.5 Pro
 * (config left out) and Gemini 3 (lowest level). includeThoughts is on whenever reasoning is,
 * so the thoughts come back as the client's native reasoning. Models without thinking
 * (1.x, 2.0, Gemma) get no thinkingConfig: the API would reject the request.
 */
export function toThinkingConfig(r: ReasoningConfig, model: string): JsonObject | undefined {
  if (NON_THINKING_RE.test(model)) return undefined;
  const gemini3 = GEMINI_3_RE.test(model);
  const flash = FLASH_RE.test(model);
  if (!r.enabled || r.effort === 'none' || r.budgetTokens === 0) {
    if (gemini3) return { thinkingLevel: flash ? 'MINIMAL' : 'LOW' };
    if (ALWAYS_THINKING_RE.test(model)) return undefined;
    return { thinkingBudget: 0 };
  }
  const out: JsonObject = { includeThoughts: true };
  if (r.budgetTokens !== undefined && r.budgetTokens > 0) out.thinkingBudget = r.budgetTokens;
  else if (r.effort !== undefined) {
    if (gemini3) out.thinkingLevel = levelFor(r.effort, flash);
    else out.thinkingBudget = BUDGET_FOR_EFFORT[r.effort];
  }
  return out;
}

function levelFor(effort: ReasoningEffort, flash: boolean): string {
  switch (effort) {
    case 'none':
    case 'minimal':
      return flash ? 'MINIMAL' : 'LOW';
    case 'low':
      return 'LOW';
    case 'medium':
      return flash ? 'MEDIUM' : 'HIGH';
    default:
      return 'HIGH';
  }
}
