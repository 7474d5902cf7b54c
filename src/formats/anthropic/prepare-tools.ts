import type { Request } from '../../ir/types.js';
import { isRecord, type JsonRecord, type WireCustomTool, type WireToolChoice } from './wire.js';

/** A tool as it goes on the wire: a custom tool, or a server tool's definition verbatim. */
export type WireTool = WireCustomTool | JsonRecord;

/**
 * Hub tools → Anthropic `tools` + `tool_choice`.
 *
 * Function tools become custom tools with a cleaned `input_schema`; Anthropic's own server
 * tools (ProviderTool of format anthropic) pass through; other providers' hosted tools are
 * dropped (Anthropic cannot run them). `strict` and unknown tool fields are only kept for
 * Anthropic clients: strict tool use exists on a subset of models only, and an OpenAI app's
 * habitual `strict: true` must not turn into a 400 on the others.
 */
export function prepareAnthropicTools(req: Request, sameFormat: boolean): { tools?: WireTool[]; toolChoice?: WireToolChoice } {
  const tools: WireTool[] = [];
  for (const t of req.tools ?? []) {
    if (t.type === 'provider') {
      if (t.format === 'anthropic') tools.push(t.raw);
      continue;
    }
    const wire: WireCustomTool = { name: t.name, input_schema: cleanInputSchema(t.parameters) };
    if (t.description) wire.description = t.description;
    if (t.cacheControl) wire.cache_control = t.cacheControl;
    if (sameFormat) {
      if (t.strict) wire.strict = true;
      if (t.extras) Object.assign(wire, t.extras);
    }
    tools.push(wire);
  }
  // Anthropic rejects a tool_choice that comes without tools.
  if (tools.length === 0) return {};

  const noParallel = req.parallelToolCalls === false;
  const choice = req.toolChoice;
  let toolChoice: WireToolChoice | undefined;
  switch (choice?.type) {
    case 'none':
      toolChoice = { type: 'none' };
      break;
    case 'required':
      toolChoice = noParallel ? { type: 'any', disable_parallel_tool_use: true } : { type: 'any' };
      break;
    case 'tool':
      toolChoice = noParallel ? { type: 'tool', name: choice.name, disable_parallel_tool_use: true } : { type: 'tool', name: choice.name };
      break;
    case 'auto':
      toolChoice = noParallel ? { type: 'auto', disable_parallel_tool_use: true } : { type: 'auto' };
      break;
    default:
      if (noParallel) toolChoice = { type: 'auto', disable_parallel_tool_use: true };
  }
  return toolChoice ? { tools, toolChoice } : { tools };
}

/** Keywords whose values are data, not schemas: never rewritten. */
const DATA_KEYWORDS = new Set(['enum', 'const', 'default', 'examples', 'example']);
const TOP_LEVEL_COMBINATORS = ['anyOf', 'oneOf', 'allOf'] as const;

/**
 * A JSON schema as Anthropic accepts it for `input_schema`: an object schema (`type:
 * "object"`, added when missing) without top-level anyOf/oneOf/allOf (rejected there), with
 * lower-case type names (Gemini clients write `OBJECT`, `STRING`). Copy-on-write: the hub
 * schema is never mutated and an already-clean schema is returned as is.
 */
export function cleanInputSchema(schema: unknown): JsonRecord {
  if (!isRecord(schema)) return { type: 'object', properties: {} };
  let out = lowerCaseTypes(schema) as JsonRecord;
  if (out.type !== 'object' || TOP_LEVEL_COMBINATORS.some((k) => k in out)) {
    out = { ...out, type: 'object' };
    for (const k of TOP_LEVEL_COMBINATORS) delete out[k];
  }
  return out;
}

function lowerCaseTypes(node: unknown): unknown {
  if (Array.isArray(node)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < node.length; i++) {
      const v: unknown = node[i];
      const nv = typeof v === 'object' && v !== null ? lowerCaseTypes(v) : v;
      if (nv !== v) (copy ??= node.slice())[i] = nv;
    }
    return copy ?? node;
  }
  if (!isRecord(node)) return node;
  let copy: JsonRecord | undefined;
  for (const key of Object.keys(node)) {
    const v = node[key];
    let nv = v;
    if (key === 'type' && typeof v === 'string') {
      nv = v.toLowerCase();
      if (nv === v) nv = v;
    } else if (key === 'type' && Array.isArray(v) && v.every((x) => typeof x === 'string')) {
      const lowered = (v as string[]).map((x) => x.toLowerCase());
      if (lowered.some((x, i) => x !== v[i])) nv = lowered;
    } else if (!DATA_KEYWORDS.has(key) && typeof v === 'object' && v !== null) {
      nv = lowerCaseTypes(v);
    }
    if (nv !== v) (copy ??= { ...node })[key] = nv;
  }
  return copy ?? node;
}
