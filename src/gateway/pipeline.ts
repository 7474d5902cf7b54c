import type { RuleConfig } from '../config/schema.js';
import type { FormatId } from '../ir/types.js';
import type { PluginRegistry } from '../plugins/registry.js';
import type { PluginInstance } from '../plugins/types.js';
import { converterId, mergeConverterConfigs } from '../plugins/builtin/converters.js';

export interface Pipeline {
  /** Plugins in request order (converter first). */
  readonly steps: readonly PluginInstance[];
  /** Names for the request log, in order. */
  readonly names: readonly string[];
  /** Whether the traffic must be decoded into the hub (conversion or a body plugin). */
  readonly needsHub: boolean;
  readonly hasStreamHooks: boolean;
}

/**
 * SPEC §4.5–6: when formats differ the matching converter runs first, whether or not a rule
 * names it; rules naming it contribute their config (model_maps combined, the higher-priority
 * rule winning a clash) instead of a second conversion. Converters for other format pairs
 * are not applicable to this request and are skipped.
 * Instances are cached per (rules, formats) since plugin configs only change with the config.
 */
export class PipelineBuilder {
  private cache = new Map<string, Pipeline>();

  constructor(private registry: PluginRegistry) {}

  reset(): void {
    this.cache.clear();
  }

  build(rules: readonly RuleConfig[], clientFormat: FormatId, downstreamFormat: FormatId): Pipeline {
    const key = `${clientFormat}>${downstreamFormat}|${rules.map((r) => r.id).join(',')}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const p = this.compose(rules, clientFormat, downstreamFormat);
    if (this.cache.size > 1000) this.cache.clear();
    this.cache.set(key, p);
    return p;
  }

  private compose(rules: readonly RuleConfig[], clientFormat: FormatId, downstreamFormat: FormatId): Pipeline {
    const converting = clientFormat !== downstreamFormat;
    const wanted = converting ? converterId(clientFormat, downstreamFormat) : undefined;
    const converterConfigs: unknown[] = [];
    const steps: PluginInstance[] = [];
    const names: string[] = [];
    let needsHub = converting;
    for (const rule of rules) {
      for (const step of rule.pipeline_config) {
        if (step.is_enabled === false) continue;
        const def = this.registry.get(step.plugin_id);
        if (!def) continue;
        if (def.kind === 'converter') {
          // the matching converter's config (model_map) is used; other directions don't apply
          if (step.plugin_id === wanted) converterConfigs.push(step.config);
          continue;
        }
        steps.push(this.registry.create(def.id, step.config));
        names.push(def.id);
        if (def.touchesBody) needsHub = true;
      }
    }
    if (wanted) {
      steps.unshift(this.registry.create(wanted, mergeConverterConfigs(converterConfigs)));
      names.unshift(wanted);
    }
    return { steps, names, needsHub, hasStreamHooks: steps.some((s) => s.streamEvent !== undefined) };
  }
}
