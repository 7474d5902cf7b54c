import type { JsonSchema, Request, Tool, ToolChoice } from '../../ir/types.js';
import { isRecord, type JsonRecord } from './wire.js';

/**
 * Hub tools → Chat Completions `tools`. Another provider's hosted tools mean nothing here and
 * are left out; OpenAI's own non-function tools go back only to OpenAI. `strict` is sent
 * only when the client asked for it.
 */
export function prepareTools(tools: Tool[], source: Request['sourceFormat']): JsonRecord[] {
  const out: JsonRecord[] = [];
  for (const t of tools) {
    if (t.type === 'provider') {
      if (t.format === 'openai' && source === 'openai') out.push(t.raw);
      continue; // another provider's hosted tool means nothing here
    }
    const fn: JsonRecord = { name: t.name };
    if (t.description !== undefined) fn.description = t.description;
    fn.parameters = source === 'gemini' ? lowerCaseSchemaTypes(t.parameters) : t.parameters;
    if (t.strict === true || (t.strict === false && source === 'openai')) fn.strict = t.strict;
    out.push({ type: 'function', function: fn });
  }
  return out;
}

/** Gemini SDKs write `OBJECT`/`STRING`; OpenAI's schema validator only knows lower case. */
function lowerCaseSchemaTypes(schema: JsonSchema): JsonSchema {
  let copy: JsonSchema | undefined;
  for (const key of Object.keys(schema)) {
    const v = schema[key];
    let nv: unknown = v;
    if (key === 'type' && typeof v === 'string') nv = v.toLowerCase();
    else if (key === 'type' && Array.isArray(v)) nv = v.map((x) => (typeof x === 'string' ? x.toLowerCase() : x));
    else if (Array.isArray(v)) nv = v.map((x) => (isRecord(x) ? lowerCaseSchemaTypes(x) : x));
    else if (isRecord(v) && key !== 'enum' && key !== 'const' && key !== 'default' && key !== 'example') {
      nv = lowerCaseSchemaTypes(v);
    }
    if (nv !== v) (copy ??= { ...schema })[key] = nv;
  }
  return copy ?? schema;
}

export function toOpenAIToolChoice(c: ToolChoice): unknown {
  return c.type === 'tool' ? { type: 'function', function: { name: c.name } } : c.type;
}
