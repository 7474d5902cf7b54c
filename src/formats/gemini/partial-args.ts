import { isObject } from './wire.js';

/**
 * Vertex AI's streamed function-call arguments (streamFunctionCallArguments): each chunk
 * carries `partialArgs: [{jsonPath, stringValue|numberValue|boolValue|nullValue, willContinue}]`.
 * A string arrives in fragments appended under the same path (the fragment list for a path
 * ends with one whose willContinue is absent); other values arrive whole. Paths look like
 * `$.recipe.ingredients[0].amount` or `$['odd key']`.
 */
export class PartialArgsBuilder {
  /** Null-prototype objects, so argument names such as "__proto__" are plain keys. */
  private readonly root: Record<string, unknown> = Object.create(null) as Record<string, unknown>;

  apply(partialArgs: unknown): void {
    if (!Array.isArray(partialArgs)) return;
    for (const arg of partialArgs) {
      if (!isObject(arg) || typeof arg.jsonPath !== 'string') continue;
      const tokens = parseJsonPath(arg.jsonPath);
      if (!tokens || tokens.length === 0) continue;
      if (typeof arg.stringValue === 'string') this.set(tokens, arg.stringValue, true);
      else if (typeof arg.numberValue === 'number') this.set(tokens, arg.numberValue, false);
      else if (typeof arg.boolValue === 'boolean') this.set(tokens, arg.boolValue, false);
      else if (arg.nullValue !== undefined) this.set(tokens, null, false);
    }
  }

  /** The arguments assembled so far, as JSON text. */
  json(): string {
    return JSON.stringify(this.root);
  }

  private set(tokens: (string | number)[], value: unknown, append: boolean): void {
    let cur: Record<string | number, unknown> | unknown[] = this.root;
    for (let i = 0; i < tokens.length - 1; i++) {
      const key = tokens[i];
      const container = cur as Record<string | number, unknown>;
      let next = container[key];
      if (typeof next !== 'object' || next === null) {
        next = typeof tokens[i + 1] === 'number' ? [] : (Object.create(null) as Record<string, unknown>);
        container[key] = next;
      }
      cur = next as Record<string | number, unknown>;
    }
    const last = tokens[tokens.length - 1];
    const container = cur as Record<string | number, unknown>;
    const existing = container[last];
    container[last] = append && typeof existing === 'string' ? existing + (value as string) : value;
  }
}

/** `$.a.b[0]['c d']` → ['a', 'b', 0, 'c d']; undefined for a path it cannot read. */
export function parseJsonPath(path: string): (string | number)[] | undefined {
  if (path.charCodeAt(0) !== 36 /* $ */) return undefined;
  const out: (string | number)[] = [];
  let i = 1;
  const n = path.length;
  while (i < n) {
    const c = path[i];
    if (c === '.') {
      let j = i + 1;
      while (j < n && path[j] !== '.' && path[j] !== '[') j++;
      if (j === i + 1) return undefined;
      out.push(path.slice(i + 1, j));
      i = j;
    } else if (c === '[') {
      const q = path[i + 1];
      if (q === "'" || q === '"') {
        let j = i + 2;
        let key = '';
        while (j < n && path[j] !== q) {
          if (path[j] === '\\' && j + 1 < n) j++;
          key += path[j];
          j++;
        }
        if (path[j + 1] !== ']') return undefined;
        out.push(key);
        i = j + 2;
      } else {
        const close = path.indexOf(']', i);
        if (close === -1) return undefined;
        const index = Number(path.slice(i + 1, close));
        if (!Number.isInteger(index) || index < 0) return undefined;
        out.push(index);
        i = close + 1;
      }
    } else {
      return undefined;
    }
  }
  return out;
}
