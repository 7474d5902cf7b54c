import type { Request, ResponseFormat } from '../../ir/types.js';
import type { UpstreamRequestContext } from '../types.js';
import { badRequest } from '../../util/errors.js';
import { placeCacheBreakpoints } from './auto-cache.js';
import { convertToAnthropicTurns, toWireMessages } from './convert-to-anthropic-messages.js';
import { isThinkingOn, maxTokensFor, requestedThinking } from './prepare-thinking.js';
import { prepareAnthropicTools } from './prepare-tools.js';
import { restoreThinkingBlocks } from './reasoning-continuity.js';
import { isRecord, type JsonRecord, type WireSystemBlock, type WireThinkingConfig } from './wire.js';

/**
 * The first API version without the sampling fields (`temperature`, `top_p`, `top_k`): the
 * 1.x SDK declares it and its request type has none of them. Requests declared with an
 * older version (the gateway's default is 2023-06-01) keep them.
 */
export const SAMPLING_REMOVED_IN_VERSION = '2026-10-21';

/** Extras this encoder places itself (or deliberately drops) instead of copying through. */
const HANDLED_EXTRAS = new Set(['thinking', 'output_config']);

/**
 * Hub Request → Messages API request body, valid for the `anthropic-version` the gateway
 * declares (ctx.anthropicVersion).
 *
 * Decisions worth knowing (each one is what the API would otherwise reject):
 * - `max_tokens` is required: DEFAULT_MAX_TOKENS when the client gave none, raised above the
 *   thinking budget when needed.
 * - Thinking is dropped when the client forces a tool (any/tool choice), and when an
 *   assistant tool-use turn of the current loop lacks its signed thinking and the reasoning
 *   store cannot restore it.
 * - With thinking on: no temperature, no top_k, top_p at least 0.95.
 * - From other formats: temperature clamped to [0, 1]; when both temperature and top_p are
 *   set, top_p is dropped (recent Claude models accept only one); whitespace-only stop
 *   sequences are dropped; seed and penalties have no Anthropic equivalent and are dropped.
 * - Structured output from other formats becomes a system instruction (see
 *   structuredOutputInstruction); an Anthropic client's own output_config is sent as is.
 */
export function encodeAnthropicRequest(req: Request, ctx: UpstreamRequestContext): JsonRecord {
  if (req.n !== undefined && req.n > 1) {
    throw badRequest('n: Anthropic returns a single completion per request; n greater than 1 is not supported', 'n');
  }
  const sameFormat = req.sourceFormat === 'anthropic';
  const extras = sameFormat ? req.extras : undefined;

  const { tools, toolChoice } = prepareAnthropicTools(req, sameFormat);
  const turns = convertToAnthropicTurns(req.messages, sameFormat);

  let thinking: WireThinkingConfig | undefined = requestedThinking(req, extras?.thinking);
  if (isThinkingOn(thinking)) {
    // Forced tool use is incompatible with thinking; the client's explicit choice wins.
    if (toolChoice && (toolChoice.type === 'any' || toolChoice.type === 'tool')) thinking = undefined;
    else if (!restoreThinkingBlocks(turns, ctx.reasoningStore)) thinking = undefined;
  }
  const thinkingOn = isThinkingOn(thinking);

  const body: JsonRecord = { model: ctx.model, max_tokens: maxTokensFor(req, thinking) };
  const system = encodeSystem(req, extras);
  if (system.length > 0) body.system = system;
  const messages = toWireMessages(turns);
  body.messages = messages;
  if (tools) body.tools = tools;
  if (toolChoice) body.tool_choice = toolChoice;
  if (thinking) body.thinking = thinking;

  if ((ctx.anthropicVersion || '2023-06-01') < SAMPLING_REMOVED_IN_VERSION) {
    addSampling(body, req, sameFormat, thinkingOn);
  }
  if (req.stop && req.stop.length > 0) {
    const stop = sameFormat ? req.stop : req.stop.filter((s) => s.trim() !== '');
    if (stop.length > 0) body.stop_sequences = stop;
  }
  // Anthropic caps metadata.user_id at 256 characters; a longer id is not worth a 400.
  if (req.user && req.user.length <= 256) body.metadata = { user_id: req.user };
  if (extras && isRecord(extras.output_config)) body.output_config = extras.output_config;
  if (req.stream) body.stream = true;

  if (extras) {
    for (const key of Object.keys(extras)) {
      if (!HANDLED_EXTRAS.has(key) && !(key in body)) body[key] = extras[key];
    }
  }
  if (ctx.autoCache && !sameFormat) {
    placeCacheBreakpoints({
      tools: tools,
      system: system.length > 0 ? system : undefined,
      messages,
    });
  }
  return body;
}

function addSampling(body: JsonRecord, req: Request, sameFormat: boolean, thinkingOn: boolean): void {
  let temperature = req.temperature;
  let topP = req.topP;
  let topK = req.topK;
  if (thinkingOn) {
    // Anthropic: thinking is incompatible with temperature and top_k; top_p must be >= 0.95.
    temperature = undefined;
    topK = undefined;
    if (topP !== undefined) topP = Math.min(1, Math.max(0.95, topP));
  } else if (!sameFormat) {
    if (temperature !== undefined) temperature = Math.min(1, Math.max(0, temperature));
    if (temperature !== undefined && topP !== undefined) topP = undefined;
  }
  if (temperature !== undefined) body.temperature = temperature;
  if (topP !== undefined) body.top_p = topP;
  if (topK !== undefined && topK > 0) body.top_k = topK;
}

/** System and developer text in order, cache breakpoints kept, plus any output instruction. */
function encodeSystem(req: Request, extras: JsonRecord | undefined): WireSystemBlock[] {
  const out: WireSystemBlock[] = [];
  for (const b of req.system) {
    if (b.text.trim() === '') continue;
    out.push(b.cacheControl ? { type: 'text', text: b.text, cache_control: b.cacheControl } : { type: 'text', text: b.text });
  }
  const nativeFormat = extras && (isRecord(extras.output_config) ? extras.output_config.format : extras.output_format);
  if (!nativeFormat && req.responseFormat) {
    const text = structuredOutputInstruction(req.responseFormat);
    if (text) out.push({ type: 'text', text });
  }
  return out;
}

/**
 * Structured output for clients of other formats, as an instruction at the end of the system
 * prompt. Anthropic's native `output_config.format` exists on 2023-06-01 without a beta, but
 * only some models accept it (Claude Sonnet 4 and older answer 400) and it restricts the
 * schema keywords; an instruction works on every model, and the gateway has no table of
 * model capabilities to choose by.
 */
export function structuredOutputInstruction(f: ResponseFormat): string | undefined {
  if (f.type === 'json_object') {
    return 'Respond with a single valid JSON object and nothing else: no prose, no Markdown code fences.';
  }
  if (f.type !== 'json_schema') return undefined;
  const about = f.description ? ` (${f.description})` : '';
  return (
    `Respond with a single JSON value that conforms to the JSON schema "${f.name}"${about} below, and nothing else: ` +
    `no prose, no Markdown code fences.\n\n${JSON.stringify(f.schema)}`
  );
}
