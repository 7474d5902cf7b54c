import type { JsonSchema } from '../../ir/types.js';
import { isObject, type JsonObject } from './wire.js';

/**
 * Gemini's `Schema` (functionDeclarations[].parameters, generationConfig.responseSchema) is an
 * OpenAPI 3.0 subset decoded as a protobuf message: any key it does not know is a 400
 * ("Invalid JSON payload received. Unknown name \"additionalProperties\" ... Cannot find
 * field."). So the cleaner keeps a whitelist instead of deleting known offenders, and turns
 * the JSON-Schema constructs that have an equivalent into it (type arrays / null branches →
 * `nullable`, `const` → `enum`, `$ref` → inlined, `allOf` → merged, `oneOf` → `anyOf`).
 */

const MAX_DEPTH = 32;

const GEMINI_TYPES = new Set(['STRING', 'NUMBER', 'INTEGER', 'BOOLEAN', 'ARRAY', 'OBJECT', 'NULL']);

/** `format` values the API accepts per type; anything else is dropped (the model still sees the description). */
const FORMATS: Readonly<Record<string, ReadonlySet<string>>> = {
  STRING: new Set(['enum', 'date-time']),
  NUMBER: new Set(['float', 'double']),
  INTEGER: new Set(['int32', 'int64']),
};

const DIGITS_RE = /^\d+$/;
const TILDE_SLASH_RE = /~1/g;
const TILDE_TILDE_RE = /~0/g;

/** Proto field names a REST client may use instead of the JSON names. */
const SCHEMA_SNAKE_KEYS: Readonly<Record<string, string>> = {
  any_of: 'anyOf',
  min_items: 'minItems',
  max_items: 'maxItems',
  min_length: 'minLength',
  max_length: 'maxLength',
  min_properties: 'minProperties',
  max_properties: 'maxProperties',
  property_ordering: 'propertyOrdering',
};

const COUNT_KEYS = ['minItems', 'maxItems', 'minLength', 'maxLength', 'minProperties', 'maxProperties'] as const;

interface CleanContext {
  root: JsonObject;
  /** $ref targets being expanded on the current path: a repeat means recursion. */
  expanding: Set<string>;
}

/**
 * A hub JSON schema as Gemini `parameters`: undefined when the tool takes no arguments
 * (the API rejects an OBJECT whose `properties` is empty, so the field is left out).
 */
export function toGeminiParameters(schema: JsonSchema | undefined): JsonObject | undefined {
  if (!isObject(schema)) return undefined;
  const cleaned = toGeminiSchema(schema);
  if (cleaned.type === 'OBJECT' && !isObject(cleaned.properties) && cleaned.anyOf === undefined) return undefined;
  return cleaned;
}

/** A hub JSON schema cleaned into Gemini's Schema subset. */
export function toGeminiSchema(schema: JsonSchema): JsonObject {
  return cleanNode(schema, { root: schema, expanding: new Set() }, 0);
}

function cleanNode(input: unknown, ctx: CleanContext, depth: number): JsonObject {
  if (!isObject(input) || depth > MAX_DEPTH) return { type: 'STRING' };
  let node = input;

  const ref = node.$ref;
  if (typeof ref === 'string') {
    if (ctx.expanding.has(ref)) return withDescription({ type: 'OBJECT' }, node.description);
    const target = resolvePointer(ctx.root, ref);
    if (!target) return withDescription({ type: 'STRING' }, node.description);
    ctx.expanding.add(ref);
    const { $ref: _ref, ...siblings } = node;
    const out = cleanNode({ ...target, ...siblings }, ctx, depth + 1);
    ctx.expanding.delete(ref);
    return out;
  }

  if (Array.isArray(node.allOf)) node = mergeAllOf(node, ctx);

  const out: JsonObject = {};
  let nullable = node.nullable === true;

  // Type: a JSON-Schema type array becomes a single type (+ nullable) or an anyOf.
  let type: string | undefined;
  let typeVariants: string[] | undefined;
  const rawType = node.type;
  if (typeof rawType === 'string') {
    if (rawType.toLowerCase() === 'null') nullable = true;
    else type = rawType.toUpperCase();
  } else if (Array.isArray(rawType)) {
    const named = rawType.filter((t): t is string => typeof t === 'string');
    if (named.some((t) => t.toLowerCase() === 'null')) nullable = true;
    const rest = named.filter((t) => t.toLowerCase() !== 'null').map((t) => t.toUpperCase());
    if (rest.length === 1) type = rest[0];
    else if (rest.length > 1) typeVariants = rest;
  }
  if (type !== undefined && !GEMINI_TYPES.has(type)) type = undefined;

  // const / enum: Gemini enums are strings; other literal sets survive as a description hint.
  let enumValues: unknown[] | undefined = Array.isArray(node.enum) ? node.enum : undefined;
  if (node.const !== undefined) enumValues = [node.const];
  let enumHint: string | undefined;
  if (enumValues) {
    if (enumValues.includes(null)) nullable = true;
    const literals = enumValues.filter((v) => v !== null);
    if (literals.length > 0 && literals.every((v) => typeof v === 'string') && (type === undefined || type === 'STRING')) {
      type = 'STRING';
      out.enum = literals;
    } else if (literals.length > 0) {
      enumHint = `Allowed values: ${literals.map((v) => JSON.stringify(v)).join(', ')}`;
      if (type === undefined) type = literalType(literals);
    }
  }

  // anyOf / oneOf: null branches become `nullable`; a single remaining branch is inlined.
  const alternatives = Array.isArray(node.anyOf) ? node.anyOf : Array.isArray(node.oneOf) ? node.oneOf : undefined;
  let branches: JsonObject[] | undefined;
  if (alternatives) {
    branches = [];
    for (const alt of alternatives) {
      if (isNullSchema(alt)) {
        nullable = true;
        continue;
      }
      branches.push(cleanNode(alt, ctx, depth + 1));
    }
    const merged = mergeStringEnums(branches);
    if (merged) branches = [merged];
    if (branches.length === 1) {
      const only = branches[0];
      branches = undefined;
      for (const key in only) if (out[key] === undefined) out[key] = only[key];
      if (type === undefined && typeof only.type === 'string') type = only.type;
    } else if (branches.length === 0) {
      branches = undefined;
    }
  }
  if (typeVariants) {
    const variantBranches = typeVariants.map((t) => cleanNode({ ...node, type: t, description: undefined }, ctx, depth + 1));
    return finish({ anyOf: variantBranches }, node, nullable, undefined);
  }

  if (branches) out.anyOf = branches;

  // Object members.
  if (isObject(node.properties)) {
    const props: JsonObject = {};
    let count = 0;
    for (const key in node.properties) {
      props[key] = cleanNode(node.properties[key], ctx, depth + 1);
      count++;
    }
    if (count > 0) {
      out.properties = props;
      if (Array.isArray(node.required)) {
        const required = node.required.filter((r): r is string => typeof r === 'string' && r in props);
        if (required.length > 0) out.required = required;
      }
    }
    if (type === undefined && out.anyOf === undefined) type = 'OBJECT';
  }

  // Array members (tuple forms keep their first element type: Gemini has no tuples).
  const items = Array.isArray(node.items) ? node.items[0] : (node.items ?? (Array.isArray(node.prefixItems) ? node.prefixItems[0] : undefined));
  if (items !== undefined) {
    out.items = cleanNode(items, ctx, depth + 1);
    if (type === undefined && out.anyOf === undefined) type = 'ARRAY';
  } else if (type === 'ARRAY' && out.items === undefined) {
    out.items = { type: 'STRING' };
  }

  if (type === undefined && out.anyOf === undefined && out.type === undefined) type = 'STRING';
  if (type !== undefined) out.type = type;

  // Scalar constraints the Schema message knows.
  const finalType = typeof out.type === 'string' ? out.type : undefined;
  if (typeof node.format === 'string' && finalType && FORMATS[finalType]?.has(node.format)) out.format = node.format;
  if (typeof node.pattern === 'string' && finalType === 'STRING') out.pattern = node.pattern;
  const minimum = numberOr(node.minimum, typeof node.exclusiveMinimum === 'number' ? node.exclusiveMinimum : undefined);
  const maximum = numberOr(node.maximum, typeof node.exclusiveMaximum === 'number' ? node.exclusiveMaximum : undefined);
  if (minimum !== undefined) out.minimum = minimum;
  if (maximum !== undefined) out.maximum = maximum;
  for (const key of COUNT_KEYS) {
    const v = node[key];
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0) out[key] = v;
    else if (typeof v === 'string' && DIGITS_RE.test(v)) out[key] = Number(v);
  }
  if (typeof node.title === 'string') out.title = node.title;

  return finish(out, node, nullable, enumHint);
}

function finish(out: JsonObject, node: JsonObject, nullable: boolean, hint: string | undefined): JsonObject {
  const description = typeof node.description === 'string' ? node.description : undefined;
  const text = hint ? (description ? `${description} (${hint})` : hint) : description;
  if (text !== undefined) out.description = text;
  if (nullable) out.nullable = true;
  return out;
}

function withDescription(out: JsonObject, description: unknown): JsonObject {
  if (typeof description === 'string') out.description = description;
  return out;
}

/** anyOf of string constants (`anyOf: [{const: 'a'}, {const: 'b'}]`) as one enum, which Gemini follows more reliably. */
function mergeStringEnums(branches: JsonObject[]): JsonObject | undefined {
  if (branches.length < 2) return undefined;
  const values: unknown[] = [];
  for (const b of branches) {
    if (b.type !== 'STRING' || !Array.isArray(b.enum)) return undefined;
    for (const key in b) if (key !== 'type' && key !== 'enum' && key !== 'description') return undefined;
    values.push(...b.enum);
  }
  return { type: 'STRING', enum: values };
}

/** The Gemini type of a set of JSON literals, when they share one. */
function literalType(values: unknown[]): string | undefined {
  if (values.every((v) => typeof v === 'number')) return values.every((v) => Number.isInteger(v)) ? 'INTEGER' : 'NUMBER';
  if (values.every((v) => typeof v === 'boolean')) return 'BOOLEAN';
  return undefined;
}

function numberOr(a: unknown, b: number | undefined): number | undefined {
  return typeof a === 'number' ? a : b;
}

function isNullSchema(s: unknown): boolean {
  return isObject(s) && (s.type === 'null' || s.type === 'NULL') && Object.keys(s).every((k) => k === 'type' || k === 'description');
}

/** `#/$defs/Name`, `#/definitions/Name`, or any JSON pointer into the root schema. */
function resolvePointer(root: JsonObject, ref: string): JsonObject | undefined {
  if (ref === '#') return root;
  if (!ref.startsWith('#/')) return undefined;
  let cur: unknown = root;
  for (const raw of ref.slice(2).split('/')) {
    const key = decodeURIComponent(raw).replace(TILDE_SLASH_RE, '/').replace(TILDE_TILDE_RE, '~');
    if (!isObject(cur)) return undefined;
    cur = cur[key];
  }
  return isObject(cur) ? cur : undefined;
}

/** allOf flattened into one schema: properties and required lists unite, other keys first-wins. */
function mergeAllOf(node: JsonObject, ctx: CleanContext): JsonObject {
  const { allOf, ...rest } = node;
  const merged: JsonObject = { ...rest };
  const props: JsonObject = isObject(rest.properties) ? { ...rest.properties } : {};
  const required = new Set<string>(Array.isArray(rest.required) ? rest.required.filter((r): r is string => typeof r === 'string') : []);
  for (const sub of allOf as unknown[]) {
    let part = sub;
    if (isObject(part) && typeof part.$ref === 'string') part = resolvePointer(ctx.root, part.$ref) ?? {};
    if (!isObject(part)) continue;
    if (isObject(part.properties)) Object.assign(props, part.properties);
    if (Array.isArray(part.required)) for (const r of part.required) if (typeof r === 'string') required.add(r);
    for (const key in part) {
      if (key !== 'properties' && key !== 'required' && merged[key] === undefined) merged[key] = part[key];
    }
  }
  if (Object.keys(props).length > 0) merged.properties = props;
  if (required.size > 0) merged.required = [...required];
  return merged;
}

/**
 * A Gemini Schema (client request) as a plain JSON schema for the hub: upper-case OpenAPI types
 * lower-cased, `nullable` folded into the type, 64-bit counts (sent as strings by proto JSON)
 * as numbers, Gemini-only keys (`propertyOrdering`, `format: enum`) dropped.
 */
export function fromGeminiSchema(input: unknown, depth = 0): JsonSchema {
  if (!isObject(input) || depth > MAX_DEPTH) return {};
  const out: JsonSchema = {};
  let nullable = false;
  for (const rawKey in input) {
    const v = input[rawKey];
    const key = SCHEMA_SNAKE_KEYS[rawKey] ?? rawKey;
    switch (key) {
      case 'type':
        if (typeof v === 'string') out.type = v.toLowerCase();
        break;
      case 'nullable':
        nullable = v === true;
        break;
      case 'propertyOrdering':
        break;
      case 'format':
        if (v !== 'enum') out.format = v;
        break;
      case 'example':
        out.examples = [v];
        break;
      case 'properties':
        if (isObject(v)) {
          const props: JsonSchema = {};
          for (const name in v) props[name] = fromGeminiSchema(v[name], depth + 1);
          out.properties = props;
        }
        break;
      case 'items':
        out.items = fromGeminiSchema(v, depth + 1);
        break;
      case 'anyOf':
        if (Array.isArray(v)) out.anyOf = v.map((s) => fromGeminiSchema(s, depth + 1));
        break;
      case 'minItems':
      case 'maxItems':
      case 'minLength':
      case 'maxLength':
      case 'minProperties':
      case 'maxProperties':
        out[key] = typeof v === 'string' && DIGITS_RE.test(v) ? Number(v) : v;
        break;
      default:
        out[key] = v;
    }
  }
  if (nullable) {
    if (typeof out.type === 'string' && out.type !== 'null') out.type = [out.type, 'null'];
    else if (Array.isArray(out.anyOf)) out.anyOf = [...out.anyOf, { type: 'null' }];
  }
  return out;
}
