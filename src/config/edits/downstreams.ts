import type { Config } from '../schema.js';
import type { RawConfig } from '../manager.js';
import { containsMask, restoreMasked } from '../secrets.js';
import { applyPatch, EditError, rawList, type EditScope, type RawMap } from './common.js';

function indexOf(current: Config, id: string): number {
  const i = current.downstreams.findIndex((d) => d.id === id);
  if (i === -1) throw new EditError(404, `no downstream "${id}"`, 'id');
  return i;
}

function refuseMasks(ds: RawMap): void {
  for (const k of ['api_key', 'api_keys', 'headers'] as const) {
    if (containsMask(ds[k])) throw new EditError(400, `${k} holds a masked value that matches no stored secret; send the real value`, k);
  }
}

export function createDownstream(draft: RawConfig, current: Config, input: RawMap, scope: EditScope = {}): RawMap {
  const id = String(input.id);
  if (current.downstreams.some((d) => d.id === id)) throw new EditError(409, `downstream "${id}" already exists`, 'id');
  const ds: RawMap = {};
  applyPatch(ds, input);
  refuseMasks(ds);
  const list = rawList(draft, 'downstreams', true);
  scope.prefix = `downstreams[${list.length}]`;
  list.push(ds);
  return ds;
}

/** Partial update. Setting api_key drops api_keys and the reverse (a downstream has one or the other). */
export function updateDownstream(draft: RawConfig, current: Config, id: string, patch: RawMap, scope: EditScope = {}): RawMap {
  const i = indexOf(current, id);
  if (patch.id !== undefined && patch.id !== id) throw new EditError(400, 'a downstream id cannot be changed; create a new one instead', 'id');
  const list = rawList(draft, 'downstreams');
  const ds = list[i];
  const stored = current.downstreams[i];
  const restored = restoreMasked(patch, ds, stored) as RawMap;
  if (restored.api_key !== undefined && restored.api_key !== null) delete ds.api_keys;
  if (restored.api_keys !== undefined && restored.api_keys !== null) delete ds.api_key;
  applyPatch(ds, restored);
  refuseMasks(ds);
  scope.prefix = `downstreams[${i}]`;
  return ds;
}

export interface DownstreamDeletion {
  deleted: string;
  /** Rules that named it in match_downstreams. A rule left with none is disabled rather than widened to every downstream. */
  rules_changed: { id: string; match_downstreams: string[]; disabled: boolean }[];
  alias_options_deleted: string[];
  alias_groups_deleted: string[];
  /** Groups whose active option was deleted, and the option now active. */
  alias_groups_reactivated: { input_model_id: string; active_id: string }[];
}

export function deleteDownstream(draft: RawConfig, current: Config, id: string): DownstreamDeletion {
  const i = indexOf(current, id);
  rawList(draft, 'downstreams').splice(i, 1);
  const out: DownstreamDeletion = { deleted: id, rules_changed: [], alias_options_deleted: [], alias_groups_deleted: [], alias_groups_reactivated: [] };

  for (const rule of rawList(draft, 'rules')) {
    const md = rule.match_downstreams;
    if (!Array.isArray(md) || !md.includes(id)) continue;
    const rest = md.filter((x) => x !== id);
    const disabled = rest.length === 0;
    if (disabled) {
      delete rule.match_downstreams;
      rule.is_enabled = false;
    } else {
      rule.match_downstreams = rest;
    }
    out.rules_changed.push({ id: String(rule.id), match_downstreams: rest, disabled });
  }

  const groups = rawList(draft, 'aliases');
  for (let g = groups.length - 1; g >= 0; g--) {
    const group = groups[g];
    const options = Array.isArray(group.options) ? (group.options as RawMap[]) : [];
    const keep = options.filter((o) => o.downstream_id !== id);
    if (keep.length === options.length) continue;
    for (const o of options) if (o.downstream_id === id) out.alias_options_deleted.push(String(o.id));
    if (keep.length === 0) {
      groups.splice(g, 1);
      out.alias_groups_deleted.push(String(group.input_model_id));
      continue;
    }
    const activeBefore = options.find((o) => o.is_active === true) ?? options[0];
    const activeAfter = keep.includes(activeBefore) ? activeBefore : keep[0];
    group.options = keep;
    markActive(keep, String(activeAfter.id));
    if (activeAfter !== activeBefore) out.alias_groups_reactivated.push({ input_model_id: String(group.input_model_id), active_id: String(activeAfter.id) });
  }
  out.alias_options_deleted.reverse();
  out.alias_groups_deleted.reverse();
  out.alias_groups_reactivated.reverse();
  return out;
}

/** Exactly one option carries `is_active: true`; the others carry no is_active key. */
export function markActive(options: RawMap[], activeId: string): void {
  for (const o of options) {
    if (o.id === activeId) o.is_active = true;
    else delete o.is_active;
  }
}

export function addModel(draft: RawConfig, current: Config, id: string, model: string): string[] {
  const i = indexOf(current, id);
  const ds = rawList(draft, 'downstreams')[i];
  const models = Array.isArray(ds.output_model_ids) ? (ds.output_model_ids as string[]) : [];
  if (models.includes(model)) throw new EditError(409, `downstream "${id}" already lists model "${model}"`, 'model_id');
  ds.output_model_ids = [...models, model];
  return ds.output_model_ids as string[];
}

/** Add several model ids, skipping those already listed. Returns the ones added. */
export function addModels(draft: RawConfig, current: Config, id: string, models: string[]): string[] {
  const i = indexOf(current, id);
  const ds = rawList(draft, 'downstreams')[i];
  const have = Array.isArray(ds.output_model_ids) ? (ds.output_model_ids as string[]) : [];
  const added = [...new Set(models)].filter((m) => !have.includes(m));
  if (added.length) ds.output_model_ids = [...have, ...added];
  return added;
}

export function removeModel(draft: RawConfig, current: Config, id: string, model: string): string[] {
  const i = indexOf(current, id);
  const ds = rawList(draft, 'downstreams')[i];
  const models = Array.isArray(ds.output_model_ids) ? (ds.output_model_ids as string[]) : [];
  if (!models.includes(model)) throw new EditError(404, `downstream "${id}" does not list model "${model}"`, 'model_id');
  ds.output_model_ids = models.filter((m) => m !== model);
  return ds.output_model_ids as string[];
}
