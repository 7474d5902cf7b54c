import type { Config } from '../schema.js';
import type { RawConfig } from '../manager.js';
import { applyPatch, EditError, rawList, type EditScope, type RawMap } from './common.js';
import { markActive } from './downstreams.js';

export interface OptionInput {
  id?: string;
  input_model_id: string;
  downstream_id: string;
  output_model_id: string;
  is_regex?: boolean;
  fallback?: boolean;
  /** Make it the group's active option (a new group's first option always is). */
  activate?: boolean;
}

export interface OptionPatch {
  downstream_id?: string;
  output_model_id?: string;
  /** Move the option to another group (created when missing). */
  input_model_id?: string;
  /** Group settings, applied to the option's group. */
  is_regex?: boolean;
  fallback?: boolean;
  is_active?: boolean;
}

interface Located {
  group: RawMap;
  groupIndex: number;
  options: RawMap[];
  optionIndex: number;
}

function optionsOf(group: RawMap): RawMap[] {
  if (!Array.isArray(group.options)) group.options = [];
  return group.options as RawMap[];
}

function locate(draft: RawConfig, id: string): Located {
  const groups = rawList(draft, 'aliases');
  for (let g = 0; g < groups.length; g++) {
    const options = optionsOf(groups[g]);
    const o = options.findIndex((x) => x.id === id);
    if (o !== -1) return { group: groups[g], groupIndex: g, options, optionIndex: o };
  }
  throw new EditError(404, `no alias option "${id}"`, 'id');
}

function findGroup(draft: RawConfig, name: string): RawMap | undefined {
  return rawList(draft, 'aliases').find((g) => g.input_model_id === name);
}

function requireDownstream(current: Config, id: string): void {
  if (!current.downstreams.some((d) => d.id === id)) throw new EditError(400, `unknown downstream "${id}"`, 'downstream_id');
}

function optionIdTaken(draft: RawConfig, id: string): boolean {
  return rawList(draft, 'aliases').some((g) => optionsOf(g).some((o) => o.id === id));
}

/** `gpt-4o` + `anthropic` → `gpt-4o-anthropic` (numbered when taken). */
function generateOptionId(draft: RawConfig, input: string, downstream: string): string {
  const base =
    `${input}-${downstream}`
      .replace(/[^A-Za-z0-9._-]+/g, '-')
      .replace(/-{2,}/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 100) || 'alias';
  let id = base;
  for (let n = 2; optionIdTaken(draft, id); n++) id = `${base}-${n}`;
  return id;
}

/** The active option of a group: the one marked, else the first. */
export function activeOptionId(group: RawMap): string | undefined {
  const options = optionsOf(group);
  return String((options.find((o) => o.is_active === true) ?? options[0])?.id ?? '') || undefined;
}

function setGroupFlags(group: RawMap, patch: { is_regex?: boolean; fallback?: boolean }): void {
  // false is the default: write it only where the file already says something.
  for (const k of ['is_regex', 'fallback'] as const) {
    const v = patch[k];
    if (v === undefined) continue;
    if (v) group[k] = true;
    else if (k in group) group[k] = false;
  }
}

export function createOption(draft: RawConfig, current: Config, input: OptionInput, scope: EditScope = {}): RawMap {
  requireDownstream(current, input.downstream_id);
  const id = input.id ?? generateOptionId(draft, input.input_model_id, input.downstream_id);
  if (optionIdTaken(draft, id)) throw new EditError(409, `alias option "${id}" already exists`, 'id');
  const option: RawMap = { id, downstream_id: input.downstream_id, output_model_id: input.output_model_id };
  const groups = rawList(draft, 'aliases', true);
  let group = findGroup(draft, input.input_model_id);
  if (!group) {
    group = { input_model_id: input.input_model_id };
    setGroupFlags(group, input);
    group.options = [option];
    groups.push(group);
    markActive(optionsOf(group), id);
  } else {
    setGroupFlags(group, input);
    const options = optionsOf(group);
    const wasActive = activeOptionId(group);
    options.push(option);
    markActive(options, input.activate ? id : (wasActive ?? id));
  }
  scope.outer = `aliases[${groups.indexOf(group)}]`;
  scope.prefix = `${scope.outer}.options[${optionsOf(group).indexOf(option)}]`;
  return option;
}

export function updateOption(draft: RawConfig, current: Config, id: string, patch: OptionPatch, scope: EditScope = {}): RawMap {
  const at = locate(draft, id);
  const option = at.options[at.optionIndex];
  if (patch.downstream_id !== undefined) requireDownstream(current, patch.downstream_id);
  applyPatch(option, { downstream_id: patch.downstream_id, output_model_id: patch.output_model_id });
  let group = at.group;
  if (patch.input_model_id !== undefined && patch.input_model_id !== at.group.input_model_id) {
    const wasActive = activeOptionId(at.group) === id;
    at.options.splice(at.optionIndex, 1);
    const groups = rawList(draft, 'aliases');
    if (at.options.length === 0) groups.splice(at.groupIndex, 1);
    else if (wasActive) markActive(at.options, String(at.options[0].id));
    let target = findGroup(draft, patch.input_model_id);
    if (!target) {
      target = { input_model_id: patch.input_model_id, options: [] };
      groups.push(target);
    }
    const targetActive = activeOptionId(target);
    optionsOf(target).push(option);
    markActive(optionsOf(target), patch.is_active || !targetActive ? id : targetActive);
    group = target;
  } else if (patch.is_active === true) {
    markActive(at.options, id);
  } else if (patch.is_active === false && activeOptionId(at.group) === id) {
    throw new EditError(400, 'a group always has one active option: activate another option instead', 'is_active');
  }
  setGroupFlags(group, patch);
  const groups = rawList(draft, 'aliases');
  scope.outer = `aliases[${groups.indexOf(group)}]`;
  scope.prefix = `${scope.outer}.options[${optionsOf(group).indexOf(option)}]`;
  return option;
}

export interface OptionDeletion {
  deleted: string;
  group_deleted: boolean;
  /** The group's active option afterwards, when the group remains. */
  active_id?: string;
}

export function deleteOption(draft: RawConfig, id: string): OptionDeletion {
  const at = locate(draft, id);
  const wasActive = activeOptionId(at.group) === id;
  at.options.splice(at.optionIndex, 1);
  if (at.options.length === 0) {
    rawList(draft, 'aliases').splice(at.groupIndex, 1);
    return { deleted: id, group_deleted: true };
  }
  if (wasActive) markActive(at.options, String(at.options[0].id));
  return { deleted: id, group_deleted: false, active_id: activeOptionId(at.group) };
}

/** The hot switch: this option serves its group's model from the next request on. */
export function activateOption(draft: RawConfig, id: string): { input_model_id: string; previous_id?: string } {
  const at = locate(draft, id);
  const previous = activeOptionId(at.group);
  markActive(at.options, id);
  return { input_model_id: String(at.group.input_model_id), previous_id: previous };
}

/** Listed groups first, in that order; the others keep their relative order after them. */
export function reorderGroups(draft: RawConfig, order: string[]): string[] {
  const groups = rawList(draft, 'aliases');
  const names = groups.map((g) => String(g.input_model_id));
  const seen = new Set<string>();
  order.forEach((name, i) => {
    if (!names.includes(name)) throw new EditError(400, `no alias group "${name}"`, `order[${i}]`);
    if (seen.has(name)) throw new EditError(400, `alias group "${name}" is listed twice`, `order[${i}]`);
    seen.add(name);
  });
  const reordered = [...order.map((n) => groups[names.indexOf(n)]), ...groups.filter((g) => !seen.has(String(g.input_model_id)))];
  groups.splice(0, groups.length, ...reordered);
  return reordered.map((g) => String(g.input_model_id));
}

export function deleteGroup(draft: RawConfig, name: string): { deleted: string; options_deleted: string[] } {
  const groups = rawList(draft, 'aliases');
  const i = groups.findIndex((g) => g.input_model_id === name);
  if (i === -1) throw new EditError(404, `no alias group "${name}"`, 'input_model_id');
  const [group] = groups.splice(i, 1);
  return { deleted: name, options_deleted: optionsOf(group).map((o) => String(o.id)) };
}
