import { z } from 'zod';
import type { $ZodIssue } from 'zod/v4/core';
import { formatPath } from '../config/schema.js';
import type { PluginDefinition, PluginInstance } from './types.js';

export interface PluginInfo {
  id: string;
  description: string;
  kind: 'converter' | 'transform';
  config_schema: unknown;
}

/** The built-in plugins by id, with their config schemas as JSON Schema for the API and UI. */
export class PluginRegistry {
  private defs = new Map<string, PluginDefinition<unknown>>();
  private infos: PluginInfo[] = [];

  register<C>(def: PluginDefinition<C>): void {
    if (this.defs.has(def.id)) throw new Error(`plugin ${def.id} registered twice`);
    this.defs.set(def.id, def as PluginDefinition<unknown>);
    this.infos.push({
      id: def.id,
      description: def.description,
      kind: def.kind,
      config_schema: z.toJSONSchema(def.configSchema, { io: 'input', unrepresentable: 'any' }),
    });
  }

  get(id: string): PluginDefinition<unknown> | undefined {
    return this.defs.get(id);
  }

  list(): PluginInfo[] {
    return this.infos;
  }

  /** Problems with one pipeline step's config, as "config.key: message" lines; [] when valid. */
  validateConfig(pluginId: string, config: unknown): string[] {
    const def = this.defs.get(pluginId);
    if (!def) return [`unknown plugin "${pluginId}"`];
    const r = def.configSchema.safeParse(config ?? {});
    return r.success ? [] : r.error.issues.map(describeIssue);
  }

  /** Instantiate a step; throws when the config does not validate (config load checks first). */
  create(pluginId: string, config: unknown): PluginInstance {
    const def = this.defs.get(pluginId);
    if (!def) throw new Error(`unknown plugin "${pluginId}"`);
    return def.create(def.configSchema.parse(config ?? {}));
  }
}

/** "config.headers.Authorization: auth and hop-by-hop headers cannot be set..." — the key path, then the most specific message. */
function describeIssue(issue: $ZodIssue): string {
  let path: PropertyKey[] = issue.path;
  let message = issue.message;
  if (issue.code === 'unrecognized_keys' && issue.keys.length) {
    path = [...path, issue.keys[0]];
    message = issue.keys.length > 1 ? `unknown keys ${issue.keys.join(', ')}` : 'unknown key';
  } else if (issue.code === 'invalid_key' && issue.issues[0]) {
    message = issue.issues[0].message;
  }
  return `config${path.length ? '.' + formatPath(path) : ''}: ${message}`;
}
