import type { AliasGroupConfig, AliasOptionConfig, Config, DownstreamConfig, RuleConfig } from '../config/schema.js';
import type { FormatId } from '../ir/types.js';

/** One way to serve a request: a downstream and the model to ask it for. */
export interface Target {
  downstream: DownstreamConfig;
  outputModel: string;
  option?: AliasOptionConfig;
}

export interface Resolution {
  /** The target to try first. */
  primary: Target;
  /** With fallback on: the other options of the group, in order (wrapping), each once. */
  fallbacks: Target[];
  group?: AliasGroupConfig;
}

interface CompiledRule {
  rule: RuleConfig;
  order: number;
  exactPath?: string;
  globPath?: RegExp;
  models?: Set<string>;
  formats?: Set<string>;
  downstreamFormats?: Set<string>;
  downstreams?: Set<string>;
}

/**
 * Everything the request path looks up, compiled once per config version: hash maps and
 * precompiled regexes instead of scans and per-request compilation.
 */
export class Routing {
  private readonly aliases = new Map<string, AliasGroupConfig>();
  private readonly regexAliases: { re: RegExp; group: AliasGroupConfig }[] = [];
  private readonly modelOwners = new Map<string, DownstreamConfig>();
  private readonly downstreams = new Map<string, DownstreamConfig>();
  private readonly rules: CompiledRule[];
  /** Cache of rule matches by the full key (path, model, formats, downstream). */
  private readonly ruleCache = new Map<string, RuleConfig[]>();

  constructor(readonly config: Config) {
    for (const d of config.downstreams) {
      if (d.is_enabled === false) continue;
      this.downstreams.set(d.id, d);
      for (const m of d.output_model_ids) if (!this.modelOwners.has(m)) this.modelOwners.set(m, d);
    }
    for (const g of config.aliases) {
      if (g.is_regex) this.regexAliases.push({ re: new RegExp(`^(?:${g.input_model_id})$`), group: g });
      else this.aliases.set(g.input_model_id, g);
    }
    this.rules = config.rules.map((rule, order) => compileRule(rule, order)).filter((r): r is CompiledRule => r !== undefined);
  }

  downstream(id: string): DownstreamConfig | undefined {
    return this.downstreams.get(id);
  }

  /** SPEC §4.2: exact alias, first matching regex alias, first downstream listing the model. */
  resolve(model: string): Resolution | undefined {
    const group = this.aliases.get(model) ?? this.regexAliases.find((a) => a.re.test(model))?.group;
    if (group) return this.resolveGroup(group);
    const owner = this.modelOwners.get(model);
    if (owner) return { primary: { downstream: owner, outputModel: model }, fallbacks: [] };
    return undefined;
  }

  private resolveGroup(group: AliasGroupConfig): Resolution | undefined {
    const opts = group.options;
    let active = opts.findIndex((o) => o.is_active);
    if (active === -1) active = 0;
    const targets: Target[] = [];
    for (let i = 0; i < opts.length; i++) {
      const o = opts[(active + i) % opts.length];
      const ds = this.downstreams.get(o.downstream_id);
      if (ds) targets.push({ downstream: ds, outputModel: o.output_model_id, option: o });
      if (!group.fallback) break;
    }
    if (targets.length === 0) return undefined;
    return { primary: targets[0], fallbacks: targets.slice(1), group };
  }

  /**
   * Matching enabled rules, in priority order: exact path + model > exact path > glob path,
   * ties in config order (SPEC §4.4).
   */
  matchRules(path: string, model: string, clientFormat: FormatId, downstreamFormat: FormatId, downstreamId: string): RuleConfig[] {
    if (this.rules.length === 0) return EMPTY;
    const key = `${path}\0${model}\0${clientFormat}\0${downstreamFormat}\0${downstreamId}`;
    const hit = this.ruleCache.get(key);
    if (hit) return hit;
    const matched: { r: CompiledRule; rank: number }[] = [];
    for (const r of this.rules) {
      if (r.exactPath !== undefined && r.exactPath !== path) continue;
      if (r.globPath && !r.globPath.test(path)) continue;
      if (r.models && !r.models.has(model)) continue;
      if (r.formats && !r.formats.has(clientFormat)) continue;
      if (r.downstreamFormats && !r.downstreamFormats.has(downstreamFormat)) continue;
      if (r.downstreams && !r.downstreams.has(downstreamId)) continue;
      const rank = r.exactPath !== undefined ? (r.models ? 0 : 1) : r.globPath ? 2 : 3;
      matched.push({ r, rank });
    }
    matched.sort((a, b) => a.rank - b.rank || a.r.order - b.r.order);
    const out = matched.map((m) => m.r.rule);
    if (this.ruleCache.size > 10_000) this.ruleCache.clear();
    this.ruleCache.set(key, out);
    return out;
  }

  /** Every model a client can ask for: downstream output models and non-regex alias names. */
  listModels(): { id: string; owned_by: string }[] {
    const seen = new Set<string>();
    const out: { id: string; owned_by: string }[] = [];
    for (const g of this.config.aliases) {
      if (g.is_regex || seen.has(g.input_model_id)) continue;
      seen.add(g.input_model_id);
      const active = g.options.find((o) => o.is_active) ?? g.options[0];
      out.push({ id: g.input_model_id, owned_by: active?.downstream_id ?? 'tresor' });
    }
    for (const d of this.downstreams.values()) {
      for (const m of d.output_model_ids) {
        if (seen.has(m)) continue;
        seen.add(m);
        out.push({ id: m, owned_by: d.id });
      }
    }
    return out;
  }
}

const EMPTY: RuleConfig[] = [];

function compileRule(rule: RuleConfig, order: number): CompiledRule | undefined {
  if (rule.is_enabled === false) return undefined;
  const c: CompiledRule = { rule, order };
  if (rule.pattern_path !== undefined) {
    if (rule.pattern_path.includes('*')) c.globPath = globToRegExp(rule.pattern_path);
    else c.exactPath = rule.pattern_path;
  }
  const models = [...(rule.pattern_models ?? []), ...(rule.pattern_model ? [rule.pattern_model] : [])];
  if (models.length) c.models = new Set(models);
  if (rule.match_format?.length) c.formats = new Set(rule.match_format);
  if (rule.match_downstream_format?.length) c.downstreamFormats = new Set(rule.match_downstream_format);
  if (rule.match_downstreams?.length) c.downstreams = new Set(rule.match_downstreams);
  return c;
}

/** '*' matches any run of characters (including '/'); everything else is literal. */
export function globToRegExp(glob: string): RegExp {
  const src = glob
    .split('*')
    .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${src}$`);
}

/** SPEC §4.3: the client's format when the downstream speaks it, else its first format. */
export function downstreamFormatFor(ds: DownstreamConfig, clientFormat: FormatId): FormatId {
  return (ds.api_formats as FormatId[]).includes(clientFormat) ? clientFormat : (ds.api_formats[0] as FormatId);
}
