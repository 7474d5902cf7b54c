/**
 * Strict mock of the Gemini API (generativelanguage.googleapis.com, v1beta generateContent /
 * streamGenerateContent). The validator rejects what the real API rejects, with Google's own
 * wording where it is known; replies are shaped like the recorded fixtures in
 * test/fixtures/recorded/gemini (field order, usageMetadata, CRLF-framed SSE, no [DONE]).
 */
import { randomBytes } from 'node:crypto';
import type { MockErrorReply, MockReply, RenderedReply, StrictMockFormat } from './types.js';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Proto JSON accepts each field's lowerCamel name and its original snake_case name. */
function snake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function withSnake(names: string[]): Set<string> {
  const s = new Set<string>();
  for (const n of names) {
    s.add(n);
    s.add(snake(n));
  }
  return s;
}

function pick(o: Obj, name: string): unknown {
  return o[name] !== undefined ? o[name] : o[snake(name)];
}

const REQUEST_FIELDS = withSnake([
  'contents',
  'systemInstruction',
  'tools',
  'toolConfig',
  'generationConfig',
  'safetySettings',
  'cachedContent',
  'serviceTier',
  'store',
]);
const CONTENT_FIELDS = withSnake(['role', 'parts']);
const PART_FIELDS = withSnake([
  'text',
  'thought',
  'thoughtSignature',
  'inlineData',
  'fileData',
  'functionCall',
  'functionResponse',
  'executableCode',
  'codeExecutionResult',
  'toolCall',
  'toolResponse',
  'videoMetadata',
  'mediaResolution',
  'partMetadata',
]);
const PART_DATA = ['text', 'inlineData', 'fileData', 'functionCall', 'functionResponse', 'executableCode', 'codeExecutionResult', 'toolCall', 'toolResponse'];
const TOOL_FIELDS = withSnake([
  'functionDeclarations',
  'googleSearch',
  'googleSearchRetrieval',
  'codeExecution',
  'urlContext',
  'computerUse',
  'fileSearch',
  'googleMaps',
  'mcpServers',
  'retrieval',
]);
const DECLARATION_FIELDS = withSnake(['name', 'description', 'parameters', 'parametersJsonSchema', 'response', 'responseJsonSchema', 'behavior']);
const SCHEMA_FIELDS = withSnake([
  'type',
  'format',
  'title',
  'description',
  'nullable',
  'enum',
  'maxItems',
  'minItems',
  'properties',
  'required',
  'minProperties',
  'maxProperties',
  'minLength',
  'maxLength',
  'pattern',
  'example',
  'anyOf',
  'propertyOrdering',
  'default',
  'items',
  'minimum',
  'maximum',
]);
const SCHEMA_TYPES = new Set(['TYPE_UNSPECIFIED', 'STRING', 'NUMBER', 'INTEGER', 'BOOLEAN', 'ARRAY', 'OBJECT', 'NULL']);
const GENERATION_FIELDS = withSnake([
  'stopSequences',
  'responseMimeType',
  'responseSchema',
  'responseJsonSchema',
  'responseModalities',
  'candidateCount',
  'maxOutputTokens',
  'temperature',
  'topP',
  'topK',
  'seed',
  'presencePenalty',
  'frequencyPenalty',
  'responseLogprobs',
  'logprobs',
  'enableEnhancedCivicAnswers',
  'speechConfig',
  'thinkingConfig',
  'imageConfig',
  'mediaResolution',
]);
const THINKING_FIELDS = withSnake(['includeThoughts', 'thinkingBudget', 'thinkingLevel']);
const TOOL_CONFIG_FIELDS = withSnake(['functionCallingConfig', 'retrievalConfig']);
const FCC_FIELDS = withSnake(['mode', 'allowedFunctionNames']);
const FUNCTION_CALL_FIELDS = withSnake(['name', 'args', 'id']);
const FUNCTION_RESPONSE_FIELDS = withSnake(['name', 'response', 'id', 'parts', 'willContinue', 'scheduling']);
const BLOB_FIELDS = withSnake(['mimeType', 'data', 'displayName']);
const FILE_DATA_FIELDS = withSnake(['mimeType', 'fileUri', 'displayName']);
const MODES = new Set(['MODE_UNSPECIFIED', 'AUTO', 'ANY', 'NONE', 'VALIDATED']);
const LEVELS = new Set(['MINIMAL', 'LOW', 'MEDIUM', 'HIGH']);
const FUNCTION_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_.:-]{0,127}$/;
const BASE64_RE = /^[A-Za-z0-9+/_-]*={0,2}$/;
const PATH_RE = /^\/(v1beta|v1|v1alpha)\/models\/([^/:]+):(generateContent|streamGenerateContent)$/;

function unknownFields(o: Obj, allowed: Set<string>, at: string, errors: string[]): void {
  for (const key of Object.keys(o)) {
    if (!allowed.has(key)) errors.push(`Invalid JSON payload received. Unknown name "${key}"${at ? ` at '${at}'` : ''}: Cannot find field.`);
  }
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() === name) return Array.isArray(v) ? v[0] : v;
  }
  return undefined;
}

function validateSchema(node: unknown, at: string, errors: string[], topLevel: boolean): void {
  if (!isObj(node)) {
    errors.push(`Invalid value at '${at}' (type.googleapis.com/google.ai.generativelanguage.v1beta.Schema)`);
    return;
  }
  unknownFields(node, SCHEMA_FIELDS, at, errors);
  const type = node.type;
  let upper: string | undefined;
  if (type !== undefined) {
    if (typeof type !== 'string' || !SCHEMA_TYPES.has(type.toUpperCase())) {
      errors.push(`Invalid value at '${at}.type' (type.googleapis.com/google.ai.generativelanguage.v1beta.Type), ${JSON.stringify(type)}`);
    } else {
      upper = type.toUpperCase();
    }
  }
  if (topLevel && upper !== undefined && upper !== 'OBJECT') errors.push(`* ${at}.type: must be OBJECT for function parameters.`);
  const props = node.properties;
  if (props !== undefined) {
    if (!isObj(props)) errors.push(`Invalid value at '${at}.properties'`);
    else {
      if (Object.keys(props).length === 0 && upper === 'OBJECT') errors.push(`* ${at}.properties: should be non-empty for OBJECT type`);
      for (const [k, v] of Object.entries(props)) validateSchema(v, `${at}.properties[${k}].value`, errors, false);
    }
  }
  if (node.required !== undefined) {
    if (!Array.isArray(node.required)) errors.push(`Invalid value at '${at}.required'`);
    else
      node.required.forEach((r, i) => {
        if (typeof r !== 'string' || !isObj(props) || !(r in props)) errors.push(`* ${at}.required[${i}]: property is not defined`);
      });
  }
  if (node.enum !== undefined && (!Array.isArray(node.enum) || !node.enum.every((e) => typeof e === 'string'))) {
    errors.push(`Invalid value at '${at}.enum' (TYPE_STRING)`);
  }
  if (node.items !== undefined) validateSchema(node.items, `${at}.items`, errors, false);
  const anyOf = pick(node, 'anyOf');
  if (anyOf !== undefined) {
    if (!Array.isArray(anyOf)) errors.push(`Invalid value at '${at}.any_of'`);
    else anyOf.forEach((s, i) => validateSchema(s, `${at}.any_of[${i}]`, errors, false));
  }
  for (const k of ['minimum', 'maximum']) {
    if (node[k] !== undefined && typeof node[k] !== 'number') errors.push(`Invalid value at '${at}.${k}' (TYPE_DOUBLE)`);
  }
  if (node.nullable !== undefined && typeof node.nullable !== 'boolean') errors.push(`Invalid value at '${at}.nullable' (TYPE_BOOL)`);
}

function validateMedia(v: unknown, kind: 'inlineData' | 'fileData', at: string, errors: string[]): void {
  if (!isObj(v)) {
    errors.push(`Invalid value at '${at}'`);
    return;
  }
  if (kind === 'inlineData') {
    unknownFields(v, BLOB_FIELDS, at, errors);
    const mime = pick(v, 'mimeType');
    if (typeof mime !== 'string' || !mime) errors.push(`* ${at}.mime_type: Required`);
    if (typeof v.data !== 'string' || !BASE64_RE.test(v.data)) errors.push(`Invalid value at '${at}.data' (TYPE_BYTES), Base64 decoding failed`);
  } else {
    unknownFields(v, FILE_DATA_FIELDS, at, errors);
    const uri = pick(v, 'fileUri');
    if (typeof uri !== 'string' || !uri) errors.push(`* ${at}.file_uri: Required`);
    const mime = pick(v, 'mimeType');
    if (mime !== undefined && typeof mime !== 'string') errors.push(`Invalid value at '${at}.mime_type'`);
  }
}

interface TurnInfo {
  role: string;
  calls: string[];
  responses: string[];
  /** Has text/media, i.e. starts a new conversational turn (Gemini 3 signature rule). */
  standard: boolean;
  /** The first functionCall part carries a thoughtSignature. */
  firstCallSigned: boolean;
  firstCallPosition: number;
}

function validateContents(contents: unknown, errors: string[]): TurnInfo[] {
  const turns: TurnInfo[] = [];
  if (!Array.isArray(contents) || contents.length === 0) {
    errors.push('* GenerateContentRequest.contents: contents is not specified');
    return turns;
  }
  let partPosition = 0;
  contents.forEach((content, i) => {
    const at = `contents[${i}]`;
    if (!isObj(content)) {
      errors.push(`Invalid value at '${at}' (type.googleapis.com/google.ai.generativelanguage.v1beta.Content)`);
      return;
    }
    unknownFields(content, CONTENT_FIELDS, at, errors);
    const role = content.role ?? 'user';
    if (role !== 'user' && role !== 'model') errors.push(`Please use a valid role: user, model. (${at}.role = ${JSON.stringify(role)})`);
    const info: TurnInfo = { role: String(role), calls: [], responses: [], standard: false, firstCallSigned: false, firstCallPosition: -1 };
    turns.push(info);
    if (!Array.isArray(content.parts) || content.parts.length === 0) {
      errors.push(`* GenerateContentRequest.${at}.parts: contents.parts must not be empty.`);
      return;
    }
    content.parts.forEach((part, j) => {
      const pat = `${at}.parts[${j}]`;
      partPosition++;
      if (!isObj(part)) {
        errors.push(`Invalid value at '${pat}' (type.googleapis.com/google.ai.generativelanguage.v1beta.Part)`);
        return;
      }
      unknownFields(part, PART_FIELDS, pat, errors);
      const data = PART_DATA.filter((k) => pick(part, k) !== undefined);
      if (data.length === 0) errors.push(`* GenerateContentRequest.${pat}.data: required oneof field 'data' must have one initialized field`);
      if (data.length > 1) errors.push(`Invalid JSON payload received. Oneof field 'data' is already set. Cannot set '${data[1]}' at '${pat}'`);
      const sig = pick(part, 'thoughtSignature');
      if (sig !== undefined && (typeof sig !== 'string' || !BASE64_RE.test(sig))) {
        errors.push(`Invalid value at '${pat}.thought_signature' (TYPE_BYTES), Base64 decoding failed for ${JSON.stringify(sig)}`);
      }
      if (part.text !== undefined && typeof part.text !== 'string') errors.push(`Invalid value at '${pat}.text' (TYPE_STRING)`);
      if (typeof part.text === 'string' || pick(part, 'inlineData') !== undefined || pick(part, 'fileData') !== undefined) {
        if (part.thought !== true) info.standard = true;
      }
      const inline = pick(part, 'inlineData');
      if (inline !== undefined) validateMedia(inline, 'inlineData', `${pat}.inline_data`, errors);
      const file = pick(part, 'fileData');
      if (file !== undefined) validateMedia(file, 'fileData', `${pat}.file_data`, errors);

      const call = pick(part, 'functionCall');
      if (call !== undefined) {
        if (!isObj(call)) errors.push(`Invalid value at '${pat}.function_call'`);
        else {
          unknownFields(call, FUNCTION_CALL_FIELDS, `${pat}.function_call`, errors);
          if (typeof call.name !== 'string' || !call.name) errors.push(`* GenerateContentRequest.${pat}.function_call.name: Name cannot be empty.`);
          if (call.args !== undefined && !isObj(call.args))
            errors.push(`Invalid value at '${pat}.function_call.args' (type.googleapis.com/google.protobuf.Struct)`);
          if (role !== 'model') errors.push(`* GenerateContentRequest.${pat}: function_call parts are only allowed in model turns.`);
          if (info.calls.length === 0) {
            info.firstCallSigned = typeof sig === 'string' && sig.length > 0;
            info.firstCallPosition = partPosition;
          }
          info.calls.push(String(call.name));
        }
      }
      const response = pick(part, 'functionResponse');
      if (response !== undefined) {
        if (!isObj(response)) errors.push(`Invalid value at '${pat}.function_response'`);
        else {
          unknownFields(response, FUNCTION_RESPONSE_FIELDS, `${pat}.function_response`, errors);
          if (typeof response.name !== 'string' || !response.name) {
            errors.push(`* GenerateContentRequest.${pat}.function_response.name: Name cannot be empty.`);
          }
          if (!isObj(response.response)) {
            errors.push(`* GenerateContentRequest.${pat}.function_response.response: Required, must be a JSON object.`);
          }
          if (response.parts !== undefined) {
            if (!Array.isArray(response.parts)) errors.push(`Invalid value at '${pat}.function_response.parts'`);
            else
              response.parts.forEach((rp, k) => {
                const rat = `${pat}.function_response.parts[${k}]`;
                if (!isObj(rp)) return void errors.push(`Invalid value at '${rat}'`);
                unknownFields(rp, withSnake(['inlineData', 'fileData']), rat, errors);
                const ri = pick(rp, 'inlineData');
                const rf = pick(rp, 'fileData');
                if (ri !== undefined) validateMedia(ri, 'inlineData', `${rat}.inline_data`, errors);
                if (rf !== undefined) validateMedia(rf, 'fileData', `${rat}.file_data`, errors);
              });
          }
          if (role !== 'user') errors.push(`* GenerateContentRequest.${pat}: function_response parts are only allowed in user turns.`);
          info.responses.push(String(response.name));
        }
      }
    });
  });

  // A function response turn must answer the function call turn right before it, call for call.
  turns.forEach((t, i) => {
    if (t.responses.length === 0) return;
    const prev = turns[i - 1];
    if (!prev || prev.role !== 'model' || prev.calls.length === 0) {
      errors.push('Please ensure that function response turn comes immediately after a function call turn.');
      return;
    }
    if (prev.calls.length !== t.responses.length) {
      errors.push('Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.');
      return;
    }
    const want = [...prev.calls].sort().join(',');
    const got = [...t.responses].sort().join(',');
    if (want !== got) errors.push(`Function response names [${got}] do not match the function calls [${want}] of the previous turn.`);
  });
  return turns;
}

/**
 * Gemini 3: in the current turn (everything after the last user turn holding text or media),
 * the first functionCall part of every model step must carry its thought signature.
 */
function validateThoughtSignatures(turns: TurnInfo[], errors: string[]): void {
  let start = 0;
  for (let i = turns.length - 1; i >= 0; i--) {
    if (turns[i].role === 'user' && turns[i].standard) {
      start = i;
      break;
    }
  }
  for (let i = start; i < turns.length; i++) {
    const t = turns[i];
    if (t.role === 'model' && t.calls.length > 0 && !t.firstCallSigned) {
      errors.push(
        `Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call \`default_api:${t.calls[0]}\` , position ${t.firstCallPosition}. Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.`,
      );
    }
  }
}

function validateTools(tools: unknown, errors: string[]): Set<string> {
  const names = new Set<string>();
  if (tools === undefined) return names;
  if (!Array.isArray(tools)) {
    errors.push(`Invalid value at 'tools' (type.googleapis.com/google.ai.generativelanguage.v1beta.Tool)`);
    return names;
  }
  tools.forEach((tool, i) => {
    const at = `tools[${i}]`;
    if (!isObj(tool)) return void errors.push(`Invalid value at '${at}'`);
    unknownFields(tool, TOOL_FIELDS, at, errors);
    const decls = pick(tool, 'functionDeclarations');
    if (decls === undefined) return;
    if (!Array.isArray(decls)) return void errors.push(`Invalid value at '${at}.function_declarations'`);
    decls.forEach((d, j) => {
      const dat = `${at}.function_declarations[${j}]`;
      if (!isObj(d)) return void errors.push(`Invalid value at '${dat}'`);
      unknownFields(d, DECLARATION_FIELDS, dat, errors);
      if (typeof d.name !== 'string' || !FUNCTION_NAME_RE.test(d.name)) {
        errors.push(
          `* GenerateContentRequest.${dat}.name: Invalid function name. Must start with a letter or an underscore. Must be alphameric (a-z, A-Z, 0-9), underscores (_), dots (.), colons (:), or dashes (-), with a maximum length of 128.`,
        );
      } else if (names.has(d.name)) {
        errors.push(`* GenerateContentRequest.${dat}.name: Duplicate function declaration found: ${d.name}`);
      } else {
        names.add(d.name);
      }
      const jsonSchema = pick(d, 'parametersJsonSchema');
      if (d.parameters !== undefined && jsonSchema !== undefined) {
        errors.push(`* GenerateContentRequest.${dat}: parameters and parameters_json_schema are mutually exclusive.`);
      }
      if (d.parameters !== undefined) validateSchema(d.parameters, `${dat}.parameters`, errors, true);
    });
  });
  return names;
}

function validateGenerationConfig(gc: unknown, model: string, errors: string[]): void {
  if (gc === undefined) return;
  if (!isObj(gc)) return void errors.push(`Invalid value at 'generation_config'`);
  unknownFields(gc, GENERATION_FIELDS, 'generation_config', errors);
  const numberField = (name: string, integer: boolean, min?: number, max?: number): void => {
    const v = pick(gc, name);
    if (v === undefined) return;
    if (typeof v !== 'number' || (integer && !Number.isInteger(v))) {
      errors.push(`Invalid value at 'generation_config.${snake(name)}' (${integer ? 'TYPE_INT32' : 'TYPE_FLOAT'}), ${JSON.stringify(v)}`);
    } else if ((min !== undefined && v < min) || (max !== undefined && v > max)) {
      errors.push(`* GenerateContentRequest.generation_config.${snake(name)}: must be in [${min}, ${max}]`);
    }
  };
  numberField('temperature', false, 0, 2);
  numberField('topP', false, 0, 1);
  numberField('topK', true, 1);
  numberField('maxOutputTokens', true, 1);
  numberField('candidateCount', true, 1, 8);
  numberField('seed', true);
  numberField('presencePenalty', false);
  numberField('frequencyPenalty', false);
  const stop = pick(gc, 'stopSequences');
  if (stop !== undefined) {
    if (!Array.isArray(stop) || !stop.every((s) => typeof s === 'string')) errors.push(`Invalid value at 'generation_config.stop_sequences'`);
    else if (stop.length > 5) errors.push('* GenerateContentRequest.generation_config.stop_sequences: at most 5 stop sequences are allowed');
  }
  const mime = pick(gc, 'responseMimeType');
  const schema = pick(gc, 'responseSchema');
  const jsonSchema = pick(gc, 'responseJsonSchema');
  if (schema !== undefined) {
    if (mime !== 'application/json' && mime !== 'text/x.enum') {
      errors.push(
        "* GenerateContentRequest.generation_config.response_mime_type: must be one of ['application/json', 'text/x.enum'] when response_schema is set.",
      );
    }
    validateSchema(schema, 'generation_config.response_schema', errors, false);
  }
  if (schema !== undefined && jsonSchema !== undefined)
    errors.push('* GenerateContentRequest.generation_config: response_schema and response_json_schema are mutually exclusive.');
  const thinking = pick(gc, 'thinkingConfig');
  if (thinking !== undefined) {
    if (!isObj(thinking)) return void errors.push(`Invalid value at 'generation_config.thinking_config'`);
    unknownFields(thinking, THINKING_FIELDS, 'generation_config.thinking_config', errors);
    const budget = pick(thinking, 'thinkingBudget');
    const level = pick(thinking, 'thinkingLevel');
    if (budget !== undefined && (typeof budget !== 'number' || !Number.isInteger(budget)))
      errors.push(`Invalid value at 'generation_config.thinking_config.thinking_budget' (TYPE_INT32)`);
    if (level !== undefined && (typeof level !== 'string' || !LEVELS.has(level.toUpperCase()))) {
      errors.push(
        `Invalid value at 'generation_config.thinking_config.thinking_level' (type.googleapis.com/google.ai.generativelanguage.v1beta.ThinkingConfig.ThinkingLevel), ${JSON.stringify(level)}`,
      );
    }
    if (budget !== undefined && level !== undefined)
      errors.push('Unable to submit request because thinking_budget and thinking_level are not supported together.');
    if (budget === 0 && /gemini-2\.5-pro/.test(model)) errors.push('Budget 0 is invalid. This model only works in thinking mode.');
  }
}

function validateToolConfig(tc: unknown, declared: Set<string>, errors: string[]): void {
  if (tc === undefined) return;
  if (!isObj(tc)) return void errors.push(`Invalid value at 'tool_config'`);
  unknownFields(tc, TOOL_CONFIG_FIELDS, 'tool_config', errors);
  const fcc = pick(tc, 'functionCallingConfig');
  if (fcc === undefined) return;
  if (!isObj(fcc)) return void errors.push(`Invalid value at 'tool_config.function_calling_config'`);
  unknownFields(fcc, FCC_FIELDS, 'tool_config.function_calling_config', errors);
  const mode = fcc.mode;
  if (mode !== undefined && (typeof mode !== 'string' || !MODES.has(mode.toUpperCase()))) {
    errors.push(
      `Invalid value at 'tool_config.function_calling_config.mode' (type.googleapis.com/google.ai.generativelanguage.v1beta.FunctionCallingConfig.Mode), ${JSON.stringify(mode)}`,
    );
  }
  const allowed = pick(fcc, 'allowedFunctionNames');
  if (allowed !== undefined) {
    const m = typeof mode === 'string' ? mode.toUpperCase() : '';
    if (m !== 'ANY' && m !== 'VALIDATED')
      errors.push('* GenerateContentRequest.tool_config.function_calling_config.allowed_function_names: only allowed when mode is ANY or VALIDATED.');
    if (Array.isArray(allowed)) {
      for (const n of allowed)
        if (typeof n !== 'string' || !declared.has(n))
          errors.push(`* GenerateContentRequest.tool_config.function_calling_config.allowed_function_names: function ${JSON.stringify(n)} is not declared.`);
    }
  }
  if (declared.size === 0)
    errors.push('* GenerateContentRequest.tool_config.function_calling_config: function calling config is set without function_declarations.');
}

function validateSystemInstruction(si: unknown, errors: string[]): void {
  if (si === undefined) return;
  if (!isObj(si)) {
    errors.push(`Invalid value at 'system_instruction' (type.googleapis.com/google.ai.generativelanguage.v1beta.Content), ${JSON.stringify(si).slice(0, 60)}`);
    return;
  }
  unknownFields(si, CONTENT_FIELDS, 'system_instruction', errors);
  if (!Array.isArray(si.parts) || si.parts.length === 0) errors.push('* GenerateContentRequest.system_instruction.parts: contents.parts must not be empty.');
  else
    si.parts.forEach((p, i) => {
      if (!isObj(p) || typeof p.text !== 'string') errors.push(`* GenerateContentRequest.system_instruction.parts[${i}]: only text parts are supported.`);
      else unknownFields(p, PART_FIELDS, `system_instruction.parts[${i}]`, errors);
    });
}

// ---------------------------------------------------------------- replies

const FINISH: Record<NonNullable<MockReply['finish']>, string> = {
  stop: 'STOP',
  length: 'MAX_TOKENS',
  tool_calls: 'STOP',
  content_filter: 'SAFETY',
};

const STATUS: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

const GOOGLE_HEADERS = {
  vary: 'Origin, X-Origin, Referer',
  server: 'scaffolding on HTTPServer2',
  'x-xss-protection': '0',
  'x-frame-options': 'SAMEORIGIN',
  'x-content-type-options': 'nosniff',
};

function responseId(): string {
  return randomBytes(17).toString('base64url').slice(0, 23);
}

function words(text: string): string[] {
  return text.match(/\s*\S+\s*/g) ?? [text];
}

function splitText(text: string, chunks: number | undefined): string[] {
  if (!chunks || chunks < 1) return words(text);
  const size = Math.ceil(text.length / chunks);
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

function usageMetadata(reply: MockReply, fraction = 1): Obj {
  const u = reply.usage ?? { input: 10, output: Math.max(1, words(reply.text ?? '').length + (reply.toolCalls?.length ?? 0) * 5) };
  const reasoning = u.reasoning ?? 0;
  const candidates = Math.round(Math.max(0, u.output - reasoning) * fraction);
  const meta: Obj = {
    promptTokenCount: u.input,
    candidatesTokenCount: candidates,
    totalTokenCount: u.input + candidates + reasoning,
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: u.input }],
  };
  if (u.cacheRead) {
    meta.cachedContentTokenCount = u.cacheRead;
    meta.cacheTokensDetails = [{ modality: 'TEXT', tokenCount: u.cacheRead }];
  }
  if (reasoning) meta.thoughtsTokenCount = reasoning;
  return meta;
}

function signature(reply: MockReply): string | undefined {
  return reply.reasoning !== undefined ? `sig-${reply.reasoning.length}` : undefined;
}

function functionCallParts(reply: MockReply): Obj[] {
  const sig = signature(reply);
  return (reply.toolCalls ?? []).map((c, i) => {
    const part: Obj = { functionCall: { name: c.name, args: c.arguments } };
    if (i === 0 && sig) part.thoughtSignature = sig;
    return part;
  });
}

function thoughtPart(reply: MockReply): Obj | undefined {
  if (reply.reasoning === undefined) return undefined;
  const part: Obj = { text: reply.reasoning, thought: true };
  // Gemini signs the first function call when there is one, else the thinking.
  if (!reply.toolCalls?.length) part.thoughtSignature = signature(reply);
  return part;
}

function finishReason(reply: MockReply): string {
  return FINISH[reply.finish ?? (reply.toolCalls?.length ? 'tool_calls' : 'stop')];
}

export const geminiMock: StrictMockFormat = {
  validateRequest(body, headers, url) {
    const errors: string[] = [];
    const parsed = new URL(url, 'http://mock.invalid');
    const key = header(headers, 'x-goog-api-key') ?? parsed.searchParams.get('key') ?? undefined;
    if (!key) {
      errors.push(
        "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
      );
    }
    const path = PATH_RE.exec(parsed.pathname);
    if (!path) errors.push(`The requested URL ${parsed.pathname} was not found on this server.`);
    const model = path ? path[2] : '';
    if (!isObj(body)) {
      errors.push('Invalid JSON payload received. Expected an object (GenerateContentRequest).');
      return errors;
    }
    unknownFields(body, REQUEST_FIELDS, '', errors);
    const turns = validateContents(body.contents, errors);
    if (/gemini-3/.test(model)) validateThoughtSignatures(turns, errors);
    validateSystemInstruction(pick(body, 'systemInstruction'), errors);
    const declared = validateTools(body.tools, errors);
    validateToolConfig(pick(body, 'toolConfig'), declared, errors);
    validateGenerationConfig(pick(body, 'generationConfig'), model, errors);
    const safety = pick(body, 'safetySettings');
    if (
      safety !== undefined &&
      (!Array.isArray(safety) || !safety.every((s) => isObj(s) && typeof s.category === 'string' && typeof s.threshold === 'string'))
    ) {
      errors.push(`Invalid value at 'safety_settings'`);
    }
    return errors;
  },

  renderReply(reply, stream) {
    const id = responseId();
    const reason = finishReason(reply);
    if (!stream) {
      const parts: Obj[] = [];
      const thought = thoughtPart(reply);
      if (thought) parts.push(thought);
      if (reply.text) parts.push({ text: reply.text });
      parts.push(...functionCallParts(reply));
      const candidate: Obj = {};
      if (parts.length > 0 || reply.finish !== 'content_filter') candidate.content = { parts, role: 'model' };
      candidate.finishReason = reason;
      candidate.index = 0;
      const body = { candidates: [candidate], usageMetadata: usageMetadata(reply), modelVersion: reply.model, responseId: id };
      return { status: 200, headers: { 'content-type': 'application/json; charset=UTF-8', ...GOOGLE_HEADERS }, body: JSON.stringify(body, null, 2) };
    }

    const contentChunks: Obj[][] = [];
    const thought = thoughtPart(reply);
    if (thought) contentChunks.push([thought]);
    if (reply.text) for (const piece of splitText(reply.text, reply.chunks)) contentChunks.push([{ text: piece }]);
    const calls = functionCallParts(reply);
    if (calls.length > 0) contentChunks.push(calls);

    const frame = (o: Obj): string => `data: ${JSON.stringify(o)}\r\n\r\n`;
    const chunk = (parts: Obj[], i: number, final: boolean): Obj => {
      const candidate: Obj = { content: { parts, role: 'model' } };
      if (final) candidate.finishReason = reason;
      candidate.index = 0;
      const fraction = final ? 1 : (i + 1) / Math.max(1, contentChunks.length);
      return { candidates: [candidate], usageMetadata: usageMetadata(reply, fraction), modelVersion: reply.model, responseId: id };
    };
    const frames: string[] = [];
    const headers = { 'content-type': 'text/event-stream', ...GOOGLE_HEADERS };
    for (let i = 0; i < contentChunks.length; i++) {
      if (reply.breakAfter !== undefined && i >= reply.breakAfter) return { status: 200, headers, body: frames, destroy: true };
      if (reply.errorAfter !== undefined && i >= reply.errorAfter) {
        frames.push(
          frame({
            error: {
              code: 500,
              message: 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting',
              status: 'INTERNAL',
            },
          }),
        );
        return { status: 200, headers, body: frames };
      }
      frames.push(frame(chunk(contentChunks[i], i, false)));
    }
    if (reply.breakAfter !== undefined && contentChunks.length >= reply.breakAfter) return { status: 200, headers, body: frames, destroy: true };
    if (reply.errorAfter !== undefined && contentChunks.length >= reply.errorAfter) {
      frames.push(
        frame({
          error: {
            code: 500,
            message: 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting',
            status: 'INTERNAL',
          },
        }),
      );
      return { status: 200, headers, body: frames };
    }
    frames.push(frame(chunk(reply.finish === 'content_filter' ? [] : [{ text: '' }], contentChunks.length, true)));
    return { status: 200, headers, body: frames };
  },

  renderError(err: MockErrorReply): RenderedReply {
    const error: Obj = {
      code: err.status,
      message: err.message,
      status: err.type ?? STATUS[err.status] ?? (err.status >= 500 ? 'INTERNAL' : 'INVALID_ARGUMENT'),
    };
    // Google gives no Retry-After header; the delay travels as google.rpc.RetryInfo.
    if (err.retryAfter !== undefined) error.details = [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${err.retryAfter}s` }];
    return { status: err.status, headers: { 'content-type': 'application/json; charset=UTF-8', ...GOOGLE_HEADERS }, body: JSON.stringify({ error }, null, 2) };
  },
};
