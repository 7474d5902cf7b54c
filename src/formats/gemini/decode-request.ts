import type {
  Message,
  Part,
  ReasoningConfig,
  ReasoningEffort,
  Request,
  ResponseFormat,
  SystemBlock,
  Tool,
  ToolChoice,
  ToolResultContent,
  ToolResultPart,
} from '../../ir/types.js';
import type { ClientRequestContext } from '../types.js';
import { badRequest } from '../../util/errors.js';
import { codeExecutionText } from './code-execution.js';
import { camelName, get } from './fields.js';
import { historyCallId } from './ids.js';
import { mediaPartFor } from './media.js';
import { fromGeminiSchema } from './schema.js';
import { isObject, type JsonObject } from './wire.js';

/** Top-level request fields the hub models; every other field goes to extras. */
const HUB_FIELDS = new Set(['contents', 'systemInstruction', 'tools', 'toolConfig', 'generationConfig', 'model']);

/** generationConfig fields the hub models; the rest stay in extras.generationConfig. */
const HUB_GENERATION_FIELDS = new Set([
  'temperature',
  'topP',
  'topK',
  'maxOutputTokens',
  'stopSequences',
  'candidateCount',
  'seed',
  'presencePenalty',
  'frequencyPenalty',
  'responseMimeType',
  'responseSchema',
  'responseJsonSchema',
  'thinkingConfig',
]);

const EFFORT_FOR_LEVEL: Readonly<Record<string, ReasoningEffort>> = {
  minimal: 'minimal',
  low: 'low',
  medium: 'medium',
  high: 'high',
};

const MODELS_PREFIX_RE = /^models\//;
const FILE_URI_RE = /^(gs:\/\/|https:\/\/generativelanguage\.googleapis\.com\/)/;

/** A Gemini generateContent request body (+ URL facts) → hub request. */
export function decodeGeminiRequest(body: unknown, ctx: ClientRequestContext): Request {
  if (!isObject(body)) throw badRequest('Request body must be a JSON object (GenerateContentRequest).');
  const rawModel = ctx.pathModel ?? (typeof body.model === 'string' ? body.model : undefined);
  if (!rawModel) throw badRequest('No model: call /v1beta/models/{model}:generateContent.', 'model');

  const req: Request = {
    model: rawModel.replace(MODELS_PREFIX_RE, ''),
    system: decodeSystemInstruction(get(body, 'systemInstruction')),
    messages: decodeContents(body.contents),
    stream: ctx.pathStream ?? false,
    sourceFormat: 'gemini',
  };

  const tools = get(body, 'tools');
  if (tools !== undefined && tools !== null) req.tools = decodeTools(tools);
  const toolConfig = get(body, 'toolConfig');
  const extras: JsonObject = {};
  if (toolConfig !== undefined && toolConfig !== null) decodeToolConfig(toolConfig, req, extras);
  const generationConfig = get(body, 'generationConfig');
  if (generationConfig !== undefined && generationConfig !== null) decodeGenerationConfig(generationConfig, req, extras);

  for (const key in body) {
    if (!HUB_FIELDS.has(camelName(key))) extras[key] = body[key];
  }
  if (Object.keys(extras).length > 0) req.extras = extras;
  return req;
}

function decodeSystemInstruction(value: unknown): SystemBlock[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return value ? [{ text: value }] : [];
  const parts = Array.isArray(value) ? value : isObject(value) ? (Array.isArray(value.parts) ? value.parts : [value]) : undefined;
  if (!parts) throw badRequest('systemInstruction must be a Content object ({parts: [{text}]}).', 'systemInstruction');
  const out: SystemBlock[] = [];
  for (const p of parts) {
    if (typeof p === 'string') out.push({ text: p });
    else if (isObject(p) && typeof p.text === 'string') out.push({ text: p.text });
  }
  return out;
}

/**
 * Pairs functionResponses with functionCalls. Gemini calls usually carry no id: the k-th call
 * named N gets a history-derived id and the k-th response named N takes the same one. An id
 * the client did send (functionCall.id / functionResponse.id) is used as is.
 */
class CallIdPairing {
  private readonly callIds = new Map<string, string[]>();
  private readonly responsesSeen = new Map<string, number>();
  private readonly known = new Set<string>();

  callId(name: string, given: unknown): string {
    let ids = this.callIds.get(name);
    if (!ids) this.callIds.set(name, (ids = []));
    const id = typeof given === 'string' && given ? given : historyCallId(name, ids.length);
    ids.push(id);
    this.known.add(id);
    return id;
  }

  responseId(name: string, given: unknown): string {
    const k = this.responsesSeen.get(name) ?? 0;
    this.responsesSeen.set(name, k + 1);
    if (typeof given === 'string' && given && this.known.has(given)) return given;
    const byOrder = this.callIds.get(name)?.[k];
    if (byOrder !== undefined) return byOrder;
    return typeof given === 'string' && given ? given : historyCallId(name, k);
  }
}

function decodeContents(contents: unknown): Message[] {
  if (!Array.isArray(contents)) throw badRequest('contents is required and must be an array of Content objects.', 'contents');
  const pairing = new CallIdPairing();
  const messages: Message[] = [];
  for (let i = 0; i < contents.length; i++) {
    const content = contents[i];
    if (!isObject(content)) throw badRequest(`contents[${i}] must be an object.`, `contents[${i}]`);
    const role = content.role ?? 'user';
    const parts = content.parts;
    if (!Array.isArray(parts)) throw badRequest(`contents[${i}].parts must be an array.`, `contents[${i}].parts`);
    if (role === 'model') decodeModelParts(parts, i, pairing, messages);
    else if (role === 'user' || role === 'function') decodeUserParts(parts, i, pairing, messages);
    else throw badRequest(`contents[${i}].role must be "user" or "model", got ${JSON.stringify(role)}.`, `contents[${i}].role`);
  }
  if (messages.length === 0) throw badRequest('contents must hold at least one non-empty Content.', 'contents');
  return messages;
}

function decodeModelParts(parts: unknown[], i: number, pairing: CallIdPairing, messages: Message[]): void {
  const out: Part[] = [];
  for (let j = 0; j < parts.length; j++) {
    const part = parts[j];
    const path = `contents[${i}].parts[${j}]`;
    if (!isObject(part)) throw badRequest(`${path} must be an object.`, path);
    const signature = stringField(part, 'thoughtSignature');
    const call = get(part, 'functionCall');
    if (call !== undefined) {
      out.push(decodeFunctionCall(call, signature, path, pairing));
      continue;
    }
    if (get(part, 'functionResponse') !== undefined) {
      throw badRequest(`${path}: functionResponse parts belong in a "user" turn, not a "model" turn.`, path);
    }
    if (typeof part.text === 'string') {
      if (part.thought === true) {
        out.push({ type: 'reasoning', text: part.text, family: 'gemini', ...(signature ? { signature } : {}) });
      } else {
        if (part.text) out.push({ type: 'text', text: part.text });
        // A signature on a text part (Gemini 3's last part) rides as signature-only reasoning
        // right after it, so a Gemini encoder can put it back on that part.
        if (signature) out.push({ type: 'reasoning', text: '', family: 'gemini', signature });
      }
      continue;
    }
    const other = decodeCommonPart(part, path);
    if (other) out.push(other);
    else if (signature) out.push({ type: 'reasoning', text: '', family: 'gemini', signature });
  }
  if (out.length > 0) messages.push({ role: 'assistant', parts: out });
}

function decodeUserParts(parts: unknown[], i: number, pairing: CallIdPairing, messages: Message[]): void {
  let current: Message | undefined;
  for (let j = 0; j < parts.length; j++) {
    const part = parts[j];
    const path = `contents[${i}].parts[${j}]`;
    if (!isObject(part)) throw badRequest(`${path} must be an object.`, path);
    const response = get(part, 'functionResponse');
    let decoded: Part | undefined;
    let role: 'user' | 'tool';
    if (response !== undefined) {
      decoded = decodeFunctionResponse(response, path, pairing);
      role = 'tool';
    } else {
      if (get(part, 'functionCall') !== undefined) {
        throw badRequest(`${path}: functionCall parts belong in a "model" turn, not a "user" turn.`, path);
      }
      role = 'user';
      if (typeof part.text === 'string') {
        // Thoughts are model output; in a user turn they carry nothing the model needs.
        if (part.thought !== true && part.text) decoded = { type: 'text', text: part.text };
      } else {
        decoded = decodeCommonPart(part, path);
      }
    }
    if (!decoded) continue;
    if (!current || current.role !== role) {
      current = { role, parts: [] };
      messages.push(current);
    }
    current.parts.push(decoded);
  }
}

const SKIPPED_PART_FIELDS = ['toolCall', 'tool_call', 'toolResponse', 'tool_response', 'thoughtSignature', 'thought_signature'];

/** Media and code-execution parts, valid in either role. */
function decodeCommonPart(part: JsonObject, path: string): Part | undefined {
  const inline = get(part, 'inlineData');
  if (inline !== undefined) return decodeInlineData(inline, `${path}.inlineData`);
  const file = get(part, 'fileData');
  if (file !== undefined) return decodeFileData(file, `${path}.fileData`);
  const code = codeExecutionText(part);
  if (code !== undefined) return { type: 'text', text: code };
  // Server-side tool echoes mean nothing to other models; a bare signature was handled by the caller.
  for (const key of SKIPPED_PART_FIELDS) if (key in part) return undefined;
  throw badRequest(`${path} has no supported data field (text, inlineData, fileData, functionCall, functionResponse).`, path);
}

function decodeInlineData(value: unknown, path: string): Part {
  if (!isObject(value)) throw badRequest(`${path} must be an object {mimeType, data}.`, path);
  const mimeType = get(value, 'mimeType');
  const data = value.data;
  if (typeof mimeType !== 'string' || !mimeType) throw badRequest(`${path}.mimeType is required.`, `${path}.mimeType`);
  if (typeof data !== 'string') throw badRequest(`${path}.data must be a base64 string.`, `${path}.data`);
  return mediaPartFor({ kind: 'base64', mediaType: mimeType, data }, mimeType);
}

function decodeFileData(value: unknown, path: string): Part {
  if (!isObject(value)) throw badRequest(`${path} must be an object {mimeType, fileUri}.`, path);
  const uri = get(value, 'fileUri');
  const mimeType = get(value, 'mimeType');
  if (typeof uri !== 'string' || !uri) throw badRequest(`${path}.fileUri is required.`, `${path}.fileUri`);
  const mediaType = typeof mimeType === 'string' && mimeType ? mimeType : undefined;
  // Files API and Cloud Storage URIs are only readable by Google: they stay provider file refs.
  const source = FILE_URI_RE.test(uri)
    ? { kind: 'file_id' as const, fileId: uri, ...(mediaType ? { mediaType } : {}) }
    : { kind: 'url' as const, url: uri, ...(mediaType ? { mediaType } : {}) };
  return mediaPartFor(source, mediaType);
}

function decodeFunctionCall(value: unknown, signature: string | undefined, path: string, pairing: CallIdPairing): Part {
  if (!isObject(value) || typeof value.name !== 'string' || !value.name) {
    throw badRequest(`${path}.functionCall.name is required.`, `${path}.functionCall.name`);
  }
  const args = value.args;
  if (args !== undefined && args !== null && !isObject(args)) {
    throw badRequest(`${path}.functionCall.args must be a JSON object.`, `${path}.functionCall.args`);
  }
  return {
    type: 'tool_call',
    id: pairing.callId(value.name, value.id),
    name: value.name,
    arguments: args ? JSON.stringify(args) : '{}',
    ...(signature ? { thoughtSignature: signature } : {}),
  };
}

function decodeFunctionResponse(value: unknown, path: string, pairing: CallIdPairing): ToolResultPart {
  if (!isObject(value) || typeof value.name !== 'string' || !value.name) {
    throw badRequest(`${path}.functionResponse.name is required.`, `${path}.functionResponse.name`);
  }
  const response = value.response;
  if (response !== undefined && response !== null && !isObject(response)) {
    throw badRequest(`${path}.functionResponse.response must be a JSON object.`, `${path}.functionResponse.response`);
  }
  // Google's convention: "output" holds the result, "error" the failure; any other shape is
  // the result as a whole.
  let text: string;
  let isError = false;
  if (!response) text = '';
  else if ('error' in response && response.error !== undefined && response.error !== null) {
    isError = true;
    text = jsonText(response.error);
  } else if ('output' in response) text = jsonText(response.output);
  else text = Object.keys(response).length === 0 ? '' : JSON.stringify(response);

  const content: ToolResultContent[] = [];
  if (text) content.push({ type: 'text', text });
  if (Array.isArray(value.parts)) {
    value.parts.forEach((p, k) => {
      if (!isObject(p)) return;
      const inline = get(p, 'inlineData');
      const file = get(p, 'fileData');
      const media =
        inline !== undefined
          ? decodeInlineData(inline, `${path}.functionResponse.parts[${k}].inlineData`)
          : file !== undefined
            ? decodeFileData(file, `${path}.functionResponse.parts[${k}].fileData`)
            : undefined;
      if (media && (media.type === 'image' || media.type === 'document')) content.push(media);
    });
  }
  const part: ToolResultPart = {
    type: 'tool_result',
    toolCallId: pairing.responseId(value.name, value.id),
    name: value.name,
    content,
  };
  if (isError) part.isError = true;
  return part;
}

function jsonText(v: unknown): string {
  return typeof v === 'string' ? v : (JSON.stringify(v) ?? '');
}

function stringField(part: JsonObject, camel: string): string | undefined {
  const v = get(part, camel);
  return typeof v === 'string' && v ? v : undefined;
}

function decodeTools(value: unknown): Tool[] {
  if (!Array.isArray(value)) throw badRequest('tools must be an array of Tool objects.', 'tools');
  const tools: Tool[] = [];
  value.forEach((tool, i) => {
    if (!isObject(tool)) throw badRequest(`tools[${i}] must be an object.`, `tools[${i}]`);
    for (const key in tool) {
      if (camelName(key) !== 'functionDeclarations') {
        tools.push({ type: 'provider', format: 'gemini', raw: { [key]: tool[key] } });
        continue;
      }
      const decls = tool[key];
      if (!Array.isArray(decls)) throw badRequest(`tools[${i}].functionDeclarations must be an array.`, `tools[${i}].functionDeclarations`);
      decls.forEach((decl, j) => {
        const path = `tools[${i}].functionDeclarations[${j}]`;
        if (!isObject(decl) || typeof decl.name !== 'string' || !decl.name) throw badRequest(`${path}.name is required.`, `${path}.name`);
        const jsonSchema = get(decl, 'parametersJsonSchema');
        const parameters = isObject(jsonSchema)
          ? jsonSchema
          : isObject(decl.parameters)
            ? fromGeminiSchema(decl.parameters)
            : { type: 'object', properties: {} };
        tools.push({
          type: 'function',
          name: decl.name,
          ...(typeof decl.description === 'string' ? { description: decl.description } : {}),
          parameters,
        });
      });
    }
  });
  return tools;
}

function decodeToolConfig(value: unknown, req: Request, extras: JsonObject): void {
  if (!isObject(value)) throw badRequest('toolConfig must be an object.', 'toolConfig');
  const leftover: JsonObject = {};
  for (const key in value) if (camelName(key) !== 'functionCallingConfig') leftover[key] = value[key];
  const fcc = get(value, 'functionCallingConfig');
  if (isObject(fcc)) {
    const mode = typeof fcc.mode === 'string' ? fcc.mode.toUpperCase() : 'AUTO';
    const allowed = get(fcc, 'allowedFunctionNames');
    const names = Array.isArray(allowed) ? allowed.filter((n): n is string => typeof n === 'string') : [];
    let choice: ToolChoice | undefined;
    if (mode === 'NONE') choice = { type: 'none' };
    else if (mode === 'ANY') choice = names.length === 1 ? { type: 'tool', name: names[0] } : { type: 'required' };
    else if (mode === 'AUTO' || mode === 'VALIDATED' || mode === 'MODE_UNSPECIFIED') choice = { type: 'auto' };
    else throw badRequest(`toolConfig.functionCallingConfig.mode must be AUTO, ANY, NONE or VALIDATED.`, 'toolConfig.functionCallingConfig.mode');
    req.toolChoice = choice;
    // A multi-name allow-list has no hub equivalent; it survives same-format round trips.
    if (names.length > 1) leftover.functionCallingConfig = { allowedFunctionNames: names };
  }
  if (Object.keys(leftover).length > 0) extras.toolConfig = leftover;
}

function decodeGenerationConfig(value: unknown, req: Request, extras: JsonObject): void {
  if (!isObject(value)) throw badRequest('generationConfig must be an object.', 'generationConfig');
  const num = (camel: string): number | undefined => {
    const v = get(value, camel);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw badRequest(`generationConfig.${camel} must be a number.`, `generationConfig.${camel}`);
    return v;
  };
  const temperature = num('temperature');
  if (temperature !== undefined) req.temperature = temperature;
  const topP = num('topP');
  if (topP !== undefined) req.topP = topP;
  const topK = num('topK');
  if (topK !== undefined) req.topK = topK;
  const maxTokens = num('maxOutputTokens');
  if (maxTokens !== undefined) req.maxTokens = maxTokens;
  const n = num('candidateCount');
  if (n !== undefined) req.n = n;
  const seed = num('seed');
  if (seed !== undefined) req.seed = seed;
  const presence = num('presencePenalty');
  if (presence !== undefined) req.presencePenalty = presence;
  const frequency = num('frequencyPenalty');
  if (frequency !== undefined) req.frequencyPenalty = frequency;

  const stop = get(value, 'stopSequences');
  if (stop !== undefined && stop !== null) {
    if (!Array.isArray(stop) || !stop.every((s) => typeof s === 'string')) {
      throw badRequest('generationConfig.stopSequences must be an array of strings.', 'generationConfig.stopSequences');
    }
    if (stop.length > 0) req.stop = stop;
  }

  const responseFormat = decodeResponseFormat(value);
  if (responseFormat) req.responseFormat = responseFormat;
  const reasoning = decodeThinkingConfig(get(value, 'thinkingConfig'));
  if (reasoning) req.reasoning = reasoning;

  const leftover: JsonObject = {};
  for (const key in value) {
    const camel = camelName(key);
    if (!HUB_GENERATION_FIELDS.has(camel)) leftover[key] = value[key];
  }
  // Enum-constrained output (text/x.enum) has no hub equivalent: it stays with its schema.
  const mime = get(value, 'responseMimeType');
  if (typeof mime === 'string' && mime !== 'application/json' && mime !== 'text/plain') {
    leftover.responseMimeType = mime;
    const schema = get(value, 'responseSchema');
    if (schema !== undefined) leftover.responseSchema = schema;
  }
  if (Object.keys(leftover).length > 0) extras.generationConfig = leftover;
}

function decodeResponseFormat(config: JsonObject): ResponseFormat | undefined {
  const mime = get(config, 'responseMimeType');
  if (mime !== 'application/json') return undefined;
  const jsonSchema = get(config, 'responseJsonSchema');
  if (isObject(jsonSchema)) return { type: 'json_schema', name: 'response', schema: jsonSchema };
  const schema = get(config, 'responseSchema');
  if (isObject(schema)) return { type: 'json_schema', name: 'response', schema: fromGeminiSchema(schema) };
  return { type: 'json_object' };
}

/**
 * thinkingConfig → hub reasoning: budget 0 turns thinking off, -1 is dynamic (on, no
 * budget), includeThoughts asks for the thought summaries back.
 */
function decodeThinkingConfig(value: unknown): ReasoningConfig | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw badRequest('generationConfig.thinkingConfig must be an object.', 'generationConfig.thinkingConfig');
  const budget = get(value, 'thinkingBudget');
  const level = get(value, 'thinkingLevel');
  const include = get(value, 'includeThoughts');
  if (budget !== undefined && typeof budget !== 'number') {
    throw badRequest('generationConfig.thinkingConfig.thinkingBudget must be a number.', 'generationConfig.thinkingConfig.thinkingBudget');
  }
  if (budget === 0) return { enabled: false };
  if (include !== true && budget === undefined && level === undefined) return undefined;
  const out: ReasoningConfig = { enabled: true };
  if (typeof budget === 'number' && budget > 0) out.budgetTokens = budget;
  if (typeof level === 'string') {
    const effort = EFFORT_FOR_LEVEL[level.toLowerCase()];
    if (effort) out.effort = effort;
  }
  if (include === true) out.summary = 'auto';
  return out;
}
