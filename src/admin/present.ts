import type { AppContext } from '../app/context.js';
import type { AliasGroupConfig } from '../config/schema.js';
import { hasEnvRef } from '../config/load.js';
import { isSecretKey, presentTree } from '../config/secrets.js';
import { isPlainObject } from '../config/tree.js';
import { PASSWORD_MASK, READ_ONLY_SETTINGS, WRITABLE_SETTINGS } from '../config/edits/settings.js';
import { ApiError } from './router.js';

/**
 * What the API shows of the configuration: values as loaded, `${NAME}` where the file has a
 * reference, secrets masked (`sk-…abcd`).
 */

function rawItem(ctx: AppContext, key: 'downstreams' | 'rules', i: number): unknown {
  const list = ctx.config.raw[key];
  return Array.isArray(list) ? list[i] : undefined;
}

const downstreamSecret = (path: readonly (string | number)[]) =>
  path[0] === 'api_key' || path[0] === 'api_keys' || (path[0] === 'headers' && typeof path[1] === 'string' && isSecretKey(path[1]));

/** Plugin configs may carry credentials (a custom Authorization header): mask by key name. */
const ruleSecret = (path: readonly (string | number)[]) => {
  if (path[0] !== 'pipeline_config') return false;
  const key = [...path].reverse().find((p) => typeof p === 'string');
  return typeof key === 'string' && key !== 'config' && isSecretKey(key);
};

export function presentDownstream(ctx: AppContext, id: string): unknown {
  const cfg = ctx.config.current;
  const i = cfg.downstreams.findIndex((d) => d.id === id);
  if (i === -1) throw new ApiError(404, `no downstream "${id}"`, 'id');
  return presentTree(cfg.downstreams[i], rawItem(ctx, 'downstreams', i), downstreamSecret);
}

export function presentDownstreams(ctx: AppContext): unknown[] {
  return ctx.config.current.downstreams.map((d, i) => presentTree(d, rawItem(ctx, 'downstreams', i), downstreamSecret));
}

export function presentRule(ctx: AppContext, id: string): unknown {
  const cfg = ctx.config.current;
  const i = cfg.rules.findIndex((r) => r.id === id);
  if (i === -1) throw new ApiError(404, `no rule "${id}"`, 'id');
  return withEnabled(presentTree(cfg.rules[i], rawItem(ctx, 'rules', i), ruleSecret));
}

export function presentRules(ctx: AppContext): unknown[] {
  return ctx.config.current.rules.map((r, i) => withEnabled(presentTree(r, rawItem(ctx, 'rules', i), ruleSecret)));
}

/** `is_enabled` is optional in the file (default true); the API always says it. */
function withEnabled(rule: unknown): unknown {
  return isPlainObject(rule) ? { ...rule, is_enabled: rule.is_enabled !== false } : rule;
}

export interface PresentedOption {
  id: string;
  downstream_id: string;
  output_model_id: string;
  is_active: boolean;
}

export interface PresentedGroup {
  input_model_id: string;
  is_regex: boolean;
  fallback: boolean;
  active_id: string;
  options: PresentedOption[];
}

function presentGroup(g: AliasGroupConfig): PresentedGroup {
  const active = (g.options.find((o) => o.is_active) ?? g.options[0]).id;
  return {
    input_model_id: g.input_model_id,
    is_regex: g.is_regex === true,
    fallback: g.fallback === true,
    active_id: active,
    options: g.options.map((o) => ({ id: o.id, downstream_id: o.downstream_id, output_model_id: o.output_model_id, is_active: o.id === active })),
  };
}

export function presentAliases(ctx: AppContext): PresentedGroup[] {
  return ctx.config.current.aliases.map(presentGroup);
}

/** One option with its group's settings. */
export function presentOption(ctx: AppContext, id: string): PresentedOption & Omit<PresentedGroup, 'options' | 'active_id'> {
  for (const g of presentAliases(ctx)) {
    const o = g.options.find((x) => x.id === id);
    if (o) return { ...o, input_model_id: g.input_model_id, is_regex: g.is_regex, fallback: g.fallback };
  }
  throw new ApiError(404, `no alias option "${id}"`, 'id');
}

export function presentSettings(ctx: AppContext): Record<string, unknown> {
  const cfg = ctx.config.current;
  const raw = ctx.config.raw;
  const out: Record<string, unknown> = {};
  const secret = (path: readonly (string | number)[]) => path[0] === 'proxy_api_keys' || path[0] === 'metrics_token';
  for (const k of WRITABLE_SETTINGS) {
    if (k === 'admin_password') continue;
    const v = cfg[k];
    out[k] = v === undefined ? null : presentTree(v, raw[k], secret, [k]);
  }
  const rawPassword = raw.admin_password;
  out.admin_password = typeof rawPassword === 'string' && hasEnvRef(rawPassword) ? rawPassword : cfg.admin_password ? PASSWORD_MASK : null;
  out.admin_password_set = Boolean(cfg.admin_password);
  for (const k of READ_ONLY_SETTINGS) out[k] = cfg[k] ?? null;
  out.config_path = ctx.config.path;
  return out;
}
