import type { FunctionTool, JsonSchema, ResponseFormat, Tool, ToolChoice } from '../../ir/types.js';
import { badRequest } from '../../util/errors.js';
import { isRecord, str, type Json } from './wire.js';

const EMPTY_OBJECT_SCHEMA: JsonSchema = { type: 'object', properties: {} };

/**
 * Client `tools` → hub. Function tools keep `strict` exactly as given (omitted stays undefined:
 * the Responses API treats an omitted strict as strict, other formats do not). Hosted tools
 * (web_search, file_search, code_interpreter, mcp...) are provider tools: Responses-only.
 */
export function decodeResponsesTools(v: unknown): Tool[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw badRequest("Invalid 'tools': expected an array.", 'tools');
  const tools: Tool[] = [];
  for (let i = 0; i < v.length; i++) {
    const t: unknown = v[i];
    if (!isRecord(t) || typeof t.type !== 'string') {
      throw badRequest(`Invalid 'tools[${i}]': expected an object with a 'type'.`, `tools[${i}]`);
    }
    if (t.type !== 'function') {
      tools.push({ type: 'provider', format: 'openai_responses', raw: t });
      continue;
    }
    const name = str(t.name);
    if (!name) {
      // Chat Completions nests the definition under `function`; say so, it is the usual mistake.
      const hint = isRecord(t.function) ? " (Responses tools are flat: {type:'function', name, parameters})" : '';
      throw badRequest(`Missing required parameter: 'tools[${i}].name'${hint}.`, `tools[${i}].name`);
    }
    const tool: FunctionTool = { type: 'function', name, parameters: isRecord(t.parameters) ? t.parameters : EMPTY_OBJECT_SCHEMA };
    const description = str(t.description);
    if (description) tool.description = description;
    if (typeof t.strict === 'boolean') tool.strict = t.strict;
    tools.push(tool);
  }
  return tools;
}

/**
 * Hub tools → Responses tools. `sameFormat` (client spoke Responses): strict exactly as the
 * client sent it and hosted tools kept. Otherwise strict is always explicit and false unless the
 * client asked for strict (the Responses API would default an omitted strict to true), and
 * other formats' hosted tools are dropped (the API would reject them).
 */
export function encodeResponsesTools(tools: Tool[] | undefined, sameFormat: boolean): Json[] {
  const out: Json[] = [];
  if (!tools) return out;
  for (const t of tools) {
    if (t.type === 'provider') {
      if (t.format === 'openai_responses') out.push(t.raw);
      continue;
    }
    const wire: Json = { type: 'function', name: t.name };
    if (t.description !== undefined) wire.description = t.description;
    // The API wants an object schema at the top; other formats allow `{}` for "no parameters".
    wire.parameters = sameFormat || t.parameters.type !== undefined ? t.parameters : { type: 'object', properties: {}, ...t.parameters };
    if (sameFormat) {
      if (t.strict !== undefined) wire.strict = t.strict;
    } else {
      wire.strict = t.strict === true;
    }
    out.push(wire);
  }
  return out;
}

/** Client tool_choice → hub; choices the hub cannot express (hosted tools, allowed_tools) → undefined. */
export function decodeResponsesToolChoice(v: unknown): ToolChoice | undefined {
  if (v === undefined || v === null) return undefined;
  if (v === 'auto' || v === 'none' || v === 'required') return { type: v };
  if (typeof v === 'string') throw badRequest(`Invalid 'tool_choice': '${v}'. Expected 'auto', 'none' or 'required'.`, 'tool_choice');
  if (!isRecord(v)) throw badRequest("Invalid 'tool_choice': expected a string or an object.", 'tool_choice');
  if (v.type === 'function') {
    const name = str(v.name) ?? (isRecord(v.function) ? str(v.function.name) : undefined);
    if (!name) throw badRequest("Missing required parameter: 'tool_choice.name'.", 'tool_choice.name');
    return { type: 'tool', name };
  }
  return undefined;
}

export function encodeResponsesToolChoice(c: ToolChoice): string | Json {
  return c.type === 'tool' ? { type: 'function', name: c.name } : c.type;
}

/** `text.format` → hub response format. */
export function decodeTextFormat(v: unknown): ResponseFormat | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isRecord(v)) throw badRequest("Invalid 'text.format': expected an object.", 'text.format');
  switch (v.type) {
    case 'text':
      return { type: 'text' };
    case 'json_object':
      return { type: 'json_object' };
    case 'json_schema': {
      if (!isRecord(v.schema)) throw badRequest("Missing required parameter: 'text.format.schema'.", 'text.format.schema');
      const rf: ResponseFormat = { type: 'json_schema', name: str(v.name) ?? 'response', schema: v.schema };
      if (typeof v.strict === 'boolean') rf.strict = v.strict;
      const description = str(v.description);
      if (description) rf.description = description;
      return rf;
    }
    default:
      throw badRequest(`Invalid 'text.format.type': ${JSON.stringify(v.type)}. Expected 'text', 'json_object' or 'json_schema'.`, 'text.format.type');
  }
}

const SCHEMA_NAME_INVALID = /[^a-zA-Z0-9_-]/g;

export function encodeTextFormat(rf: ResponseFormat): Json {
  if (rf.type !== 'json_schema') return { type: rf.type };
  // The API wants ^[a-zA-Z0-9_-]{1,64}$; other formats allow any name.
  const name = (rf.name.replace(SCHEMA_NAME_INVALID, '_') || 'response').slice(0, 64);
  const wire: Json = { type: 'json_schema', name };
  if (rf.description !== undefined) wire.description = rf.description;
  wire.schema = rf.schema;
  if (rf.strict !== undefined) wire.strict = rf.strict;
  return wire;
}
