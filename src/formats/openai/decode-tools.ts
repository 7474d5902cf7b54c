import type { Tool, ToolChoice } from '../../ir/types.js';
import { badRequest } from '../../util/errors.js';
import { isRecord, str, type JsonRecord } from './wire.js';

/** Chat Completions `tools` → hub tools. Non-function tools (custom grammar tools...) stay OpenAI-only. */
export function decodeTools(v: unknown): Tool[] {
  if (!Array.isArray(v)) throw badRequest("'tools' must be an array", 'tools');
  const out: Tool[] = [];
  for (let i = 0; i < v.length; i++) {
    const t: unknown = v[i];
    const path = `tools[${i}]`;
    if (!isRecord(t)) throw badRequest(`'${path}' must be an object`, path);
    if (t.type !== 'function') {
      // Custom (free-form grammar) tools and future tool kinds only mean something to OpenAI.
      if (typeof t.type !== 'string') throw badRequest(`'${path}.type' must be a string`, `${path}.type`);
      out.push({ type: 'provider', format: 'openai', raw: t });
      continue;
    }
    const fn = t.function;
    if (!isRecord(fn) || typeof fn.name !== 'string' || fn.name === '') {
      throw badRequest(`'${path}.function.name' must be a non-empty string`, `${path}.function.name`);
    }
    out.push(functionTool(fn, `${path}.function`));
  }
  return out;
}

function functionTool(fn: JsonRecord, path: string): Tool {
  const params = fn.parameters;
  if (params !== undefined && params !== null && !isRecord(params)) {
    throw badRequest(`'${path}.parameters' must be a JSON schema object`, `${path}.parameters`);
  }
  const tool: Tool = {
    type: 'function',
    name: fn.name as string,
    parameters: params ?? { type: 'object', properties: {} },
  };
  const description = str(fn.description);
  if (description !== undefined) tool.description = description;
  if (typeof fn.strict === 'boolean') tool.strict = fn.strict;
  return tool;
}

export function decodeLegacyFunctions(v: unknown): Tool[] {
  if (!Array.isArray(v)) throw badRequest("'functions' must be an array", 'functions');
  return v.map((fn: unknown, i) => {
    if (!isRecord(fn) || typeof fn.name !== 'string' || fn.name === '') {
      throw badRequest(`'functions[${i}].name' must be a non-empty string`, `functions[${i}].name`);
    }
    return functionTool(fn, `functions[${i}]`);
  });
}

export function decodeLegacyFunctionCall(v: unknown): ToolChoice {
  if (v === 'auto' || v === 'none') return { type: v };
  if (isRecord(v) && typeof v.name === 'string') return { type: 'tool', name: v.name };
  throw badRequest("'function_call' must be 'auto', 'none' or {name}", 'function_call');
}

/**
 * `allowed_tools` and custom-tool choices have no hub equivalent: they are approximated by
 * their mode and the raw value is kept for an OpenAI downstream.
 */
export function decodeToolChoice(v: unknown): { choice: ToolChoice; raw?: JsonRecord } {
  if (v === 'auto' || v === 'none' || v === 'required') return { choice: { type: v } };
  if (isRecord(v)) {
    if (v.type === 'function' && isRecord(v.function) && typeof v.function.name === 'string') {
      return { choice: { type: 'tool', name: v.function.name } };
    }
    if (v.type === 'allowed_tools' && isRecord(v.allowed_tools)) {
      return { choice: { type: v.allowed_tools.mode === 'required' ? 'required' : 'auto' }, raw: v };
    }
    if (v.type === 'custom' && isRecord(v.custom) && typeof v.custom.name === 'string') {
      return { choice: { type: 'tool', name: v.custom.name }, raw: v };
    }
  }
  throw badRequest("'tool_choice' must be 'auto', 'none', 'required' or {type:'function', function:{name}}", 'tool_choice');
}
