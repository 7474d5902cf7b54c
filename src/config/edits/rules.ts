import type { Config } from '../schema.js';
import type { RawConfig } from '../manager.js';
import { containsMask, restoreMasked } from '../secrets.js';
import { expandEnv } from '../load.js';
import { applyPatch, EditError, rawList, type EditScope, type RawMap } from './common.js';

/** Problems with one step's plugin config ("config.headers: ..."); [] when valid. */
export type StepValidator = (pluginId: string, config: unknown) => string[];

function indexOf(current: Config, id: string): number {
  const i = current.rules.findIndex((r) => r.id === id);
  if (i === -1) throw new EditError(404, `no rule "${id}"`, 'id');
  return i;
}

/** Each pipeline step names a known plugin and a config its schema accepts; referenced downstreams exist. */
function checkRule(rule: RawMap, current: Config, validate: StepValidator, env: NodeJS.ProcessEnv): void {
  const steps = rule.pipeline_config;
  if (Array.isArray(steps)) {
    steps.forEach((step, i) => {
      if (!step || typeof step !== 'object') return;
      const s = step as RawMap;
      if (typeof s.plugin_id !== 'string') return;
      const problems = validate(s.plugin_id, expandEnv(s.config ?? {}, env));
      if (problems.length) {
        const first = problems[0];
        const sub = first.startsWith('config') ? first.slice(0, first.indexOf(':')) : 'plugin_id';
        throw new EditError(400, `pipeline_config[${i}].${first}`, `pipeline_config[${i}].${sub}`, { problems });
      }
    });
  }
  if (containsMask(steps))
    throw new EditError(400, 'pipeline_config holds a masked value that matches no stored secret; send the real value', 'pipeline_config');
  const md = rule.match_downstreams;
  if (Array.isArray(md)) {
    md.forEach((d, i) => {
      if (!current.downstreams.some((x) => x.id === d)) throw new EditError(400, `unknown downstream "${String(d)}"`, `match_downstreams[${i}]`);
    });
  }
}

export function createRule(draft: RawConfig, current: Config, input: RawMap, validate: StepValidator, env: NodeJS.ProcessEnv, scope: EditScope = {}): RawMap {
  const id = String(input.id);
  if (current.rules.some((r) => r.id === id)) throw new EditError(409, `rule "${id}" already exists`, 'id');
  const rule: RawMap = {};
  applyPatch(rule, input);
  checkRule(rule, current, validate, env);
  const list = rawList(draft, 'rules', true);
  scope.prefix = `rules[${list.length}]`;
  list.push(rule);
  return rule;
}

export function updateRule(
  draft: RawConfig,
  current: Config,
  id: string,
  patch: RawMap,
  validate: StepValidator,
  env: NodeJS.ProcessEnv,
  scope: EditScope = {},
): RawMap {
  const i = indexOf(current, id);
  if (patch.id !== undefined && patch.id !== id) throw new EditError(400, 'a rule id cannot be changed; create a new one instead', 'id');
  const rule = rawList(draft, 'rules')[i];
  const restored = restoreMasked(patch, rule, current.rules[i]) as RawMap;
  // pattern_model and pattern_models say the same thing: setting one replaces the other.
  if (restored.pattern_models !== undefined && restored.pattern_models !== null) delete rule.pattern_model;
  if (restored.pattern_model !== undefined && restored.pattern_model !== null) delete rule.pattern_models;
  applyPatch(rule, restored);
  checkRule(rule, current, validate, env);
  scope.prefix = `rules[${i}]`;
  return rule;
}

export function deleteRule(draft: RawConfig, current: Config, id: string): { deleted: string } {
  const i = indexOf(current, id);
  rawList(draft, 'rules').splice(i, 1);
  return { deleted: id };
}
