import type { ReasoningEffort, Request, ResponseFormat } from '../../ir/types.js';
import { badRequest } from '../../util/errors.js';
import { convertFromOpenAIMessages } from './convert-from-openai-messages.js';
import { decodeLegacyFunctionCall, decodeLegacyFunctions, decodeToolChoice, decodeTools } from './decode-tools.js';
import { isRecord, type JsonRecord } from './wire.js';

/**
 * Chat Completions request (client side) → hub Request.
 *
 * Parameters are validated (a wrong shape is a 400 naming the field). Every top-level field
 * with no hub equivalent goes to `extras`, so an OpenAI-to-OpenAI trip forwards it unchanged.
 */
export function decodeOpenAIRequest(body: unknown): Request {
  if (!isRecord(body)) throw badRequest('Request body must be a JSON object');
  const model = body.model;
  if (typeof model !== 'string' || model === '') throw badRequest("'model' must be a non-empty string", 'model');
  const { system, messages } = convertFromOpenAIMessages(body.messages);

  const req: Request = { model, system, messages, stream: false, sourceFormat: 'openai' };
  let extras: JsonRecord | undefined;
  let maxTokens: number | undefined;
  let maxCompletionTokens: number | undefined;
  let legacyFunctions: unknown;
  let legacyFunctionCall: unknown;

  for (const key of Object.keys(body)) {
    const v = body[key];
    if (v === null || v === undefined) continue;
    switch (key) {
      case 'model':
      case 'messages':
        break;
      case 'stream':
        if (typeof v !== 'boolean') throw badRequest("'stream' must be a boolean", 'stream');
        req.stream = v;
        break;
      case 'stream_options': {
        if (!isRecord(v)) throw badRequest("'stream_options' must be an object", 'stream_options');
        if (v.include_usage !== undefined && v.include_usage !== null && typeof v.include_usage !== 'boolean') {
          throw badRequest("'stream_options.include_usage' must be a boolean", 'stream_options.include_usage');
        }
        if (v.include_usage === true) req.includeUsage = true;
        // Other stream options (include_obfuscation) only mean something to OpenAI itself.
        if (Object.keys(v).some((k) => k !== 'include_usage')) (extras ??= {}).stream_options = v;
        break;
      }
      case 'max_tokens':
        maxTokens = positiveInt(v, key);
        break;
      case 'max_completion_tokens':
        maxCompletionTokens = positiveInt(v, key);
        break;
      case 'temperature':
        req.temperature = numberIn(v, key, 0, 2);
        break;
      case 'top_p':
        req.topP = numberIn(v, key, 0, 1);
        break;
      case 'top_k':
        // Not OpenAI's, but vLLM / OpenRouter clients send it: other formats get it as top_k,
        // and the raw value still goes to an OpenAI-compatible downstream that the client chose.
        req.topK = positiveInt(v, key);
        (extras ??= {}).top_k = v;
        break;
      case 'presence_penalty':
        req.presencePenalty = numberIn(v, key, -2, 2);
        break;
      case 'frequency_penalty':
        req.frequencyPenalty = numberIn(v, key, -2, 2);
        break;
      case 'seed':
        req.seed = integer(v, key);
        break;
      case 'n':
        req.n = positiveInt(v, key);
        break;
      case 'stop':
        req.stop = decodeStop(v);
        break;
      case 'tools':
        req.tools = decodeTools(v);
        break;
      case 'tool_choice': {
        const { choice, raw } = decodeToolChoice(v);
        req.toolChoice = choice;
        if (raw) (extras ??= {}).tool_choice = raw;
        break;
      }
      case 'parallel_tool_calls':
        if (typeof v !== 'boolean') throw badRequest("'parallel_tool_calls' must be a boolean", key);
        req.parallelToolCalls = v;
        break;
      case 'response_format':
        req.responseFormat = decodeResponseFormat(v);
        break;
      case 'reasoning_effort':
        req.reasoning = decodeReasoningEffort(v);
        break;
      case 'user':
        if (typeof v !== 'string') throw badRequest("'user' must be a string", key);
        req.user = v;
        break;
      case 'functions':
        legacyFunctions = v;
        break;
      case 'function_call':
        legacyFunctionCall = v;
        break;
      default:
        (extras ??= {})[key] = v;
    }
  }

  // OpenAI rejects both together; a gateway can afford to be lenient and take the newer one.
  const limit = maxCompletionTokens ?? maxTokens;
  if (limit !== undefined) req.maxTokens = limit;
  // Remember which spelling the client used so an OpenAI downstream gets the same one back.
  if (maxTokens !== undefined && maxCompletionTokens === undefined) (extras ??= {}).max_tokens = maxTokens;

  if (legacyFunctions !== undefined && req.tools === undefined) req.tools = decodeLegacyFunctions(legacyFunctions);
  if (legacyFunctionCall !== undefined && req.toolChoice === undefined) {
    req.toolChoice = decodeLegacyFunctionCall(legacyFunctionCall);
  }
  if (extras) req.extras = extras;
  return req;
}

// ---------------------------------------------------------------- parameters

function positiveInt(v: unknown, key: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw badRequest(`'${key}' must be a positive integer`, key);
  return v;
}

function integer(v: unknown, key: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw badRequest(`'${key}' must be an integer`, key);
  return v;
}

function numberIn(v: unknown, key: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw badRequest(`'${key}' must be a number between ${min} and ${max}`, key);
  }
  return v;
}

function decodeStop(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((s) => typeof s === 'string')) return v as string[];
  throw badRequest("'stop' must be a string or an array of strings", 'stop');
}

function decodeResponseFormat(v: unknown): ResponseFormat {
  if (!isRecord(v)) throw badRequest("'response_format' must be an object", 'response_format');
  switch (v.type) {
    case 'text':
      return { type: 'text' };
    case 'json_object':
      return { type: 'json_object' };
    case 'json_schema': {
      const js = v.json_schema;
      if (!isRecord(js)) throw badRequest("'response_format.json_schema' must be an object", 'response_format.json_schema');
      if (typeof js.name !== 'string' || js.name === '') {
        throw badRequest("'response_format.json_schema.name' must be a non-empty string", 'response_format.json_schema.name');
      }
      const schema = js.schema ?? {};
      if (!isRecord(schema)) {
        throw badRequest("'response_format.json_schema.schema' must be an object", 'response_format.json_schema.schema');
      }
      const rf: ResponseFormat = { type: 'json_schema', name: js.name, schema };
      if (typeof js.strict === 'boolean') rf.strict = js.strict;
      if (typeof js.description === 'string') rf.description = js.description;
      return rf;
    }
    default:
      throw badRequest("'response_format.type' must be 'text', 'json_object' or 'json_schema'", 'response_format.type');
  }
}

const EFFORTS = new Set<ReasoningEffort>(['none', 'minimal', 'low', 'medium', 'high', 'xhigh']);

function decodeReasoningEffort(v: unknown): Request['reasoning'] {
  if (typeof v !== 'string' || !EFFORTS.has(v as ReasoningEffort)) {
    throw badRequest("'reasoning_effort' must be one of none, minimal, low, medium, high, xhigh", 'reasoning_effort');
  }
  const effort = v as ReasoningEffort;
  return { enabled: effort !== 'none', effort };
}
