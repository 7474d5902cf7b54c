import { isPlainObject } from '../tree.js';
import type { RawConfig } from '../manager.js';

/**
 * A refused edit: the status the API answers with, a message, and the request field at fault.
 * Thrown inside `ConfigManager.mutate`, it leaves everything unchanged.
 */
export class EditError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
    readonly extra?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'EditError';
  }
}

export type RawMap = Record<string, unknown>;

/**
 * Where an edited entity sits in the file (`downstreams[2]`), so that a validation problem
 * found in the whole config can be reported as a field of the request.
 */
export interface EditScope {
  prefix?: string;
  /** The enclosing entity (an alias option's group), tried when the problem is not inside `prefix`. */
  outer?: string;
}

/** The list at `key` of the draft (created empty when `create` and absent). */
export function rawList(draft: RawConfig, key: 'downstreams' | 'rules' | 'aliases', create = false): RawMap[] {
  const v = draft[key];
  if (Array.isArray(v)) return v as RawMap[];
  if (v !== undefined && v !== null) throw new EditError(409, `${key} in the config file is not a list`);
  const list: RawMap[] = [];
  if (create) draft[key] = list;
  return list;
}

/** Apply a partial update: `null` removes a key, `undefined` leaves it alone. */
export function applyPatch(target: RawMap, patch: RawMap): void {
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) continue;
    if (v === null) delete target[k];
    else target[k] = v;
  }
}

export function asMap(v: unknown): RawMap {
  return isPlainObject(v) ? v : {};
}
