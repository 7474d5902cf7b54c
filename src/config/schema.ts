import { z } from 'zod';
import { FORMAT_IDS } from '../ir/types.js';

/**
 * The whole config file, as one zod schema: types, validation and error messages.
 * Keys that later features use are declared here from the start so a file valid today
 * stays valid.
 */

const idString = z
  .string()
  .min(1, 'must not be empty')
  .max(128)
  .regex(/^[A-Za-z0-9._-]+$/, 'may contain only letters, digits, ".", "_" and "-"');

export const formatId = z.enum(FORMAT_IDS as [string, ...string[]]);

const httpUrl = z
  .string()
  .min(1)
  .refine((s) => {
    try {
      const u = new URL(s);
      return u.protocol === 'http:' || u.protocol === 'https:';
    } catch {
      return false;
    }
  }, 'must be an http(s) URL');

const bindAddr = z.string().refine((s) => parseBindAddr(s) !== undefined, 'must be host:port, e.g. "127.0.0.1:11510"');

export const timeoutsSchema = z
  .object({
    connect_ms: z.number().int().positive().default(10_000),
    first_byte_ms: z.number().int().positive().default(120_000),
    idle_ms: z.number().int().positive().default(120_000),
  })
  .strict();

export const downstreamSchema = z
  .object({
    id: idString,
    name: z.string().optional(),
    api_formats: z.array(formatId).min(1, 'list at least one format'),
    base_url: httpUrl,
    format_urls: z.partialRecord(formatId, httpUrl).optional(), // partial: zod 4 records over an enum otherwise demand every key
    api_key: z.string().optional(),
    api_keys: z.array(z.string().min(1)).min(1).optional(),
    /** Extra headers sent to this downstream on every request. */
    headers: z.record(z.string(), z.string()).optional(),
    timeouts: timeoutsSchema.partial().optional(),
    auto_cache: z.boolean().optional(),
    output_model_ids: z.array(z.string().min(1)).default([]),
    is_enabled: z.boolean().optional(),
  })
  .strict()
  .refine((d) => !(d.api_key !== undefined && d.api_keys !== undefined), {
    message: 'set api_key or api_keys, not both',
    path: ['api_keys'],
  });

export const pipelineStepSchema = z
  .object({
    plugin_id: z.string().min(1),
    config: z.record(z.string(), z.unknown()).optional(),
    is_enabled: z.boolean().optional(),
  })
  .strict();

export const ruleSchema = z
  .object({
    id: idString,
    name: z.string().optional(),
    pattern_path: z.string().min(1).optional(),
    pattern_models: z.array(z.string().min(1)).optional(),
    pattern_model: z.string().min(1).optional(),
    match_format: z.array(formatId).optional(),
    match_downstream_format: z.array(formatId).optional(),
    match_downstreams: z.array(z.string()).optional(),
    pipeline_config: z.array(pipelineStepSchema).default([]),
    is_enabled: z.boolean().optional(),
  })
  .strict();

export const aliasOptionSchema = z
  .object({
    id: idString,
    downstream_id: z.string().min(1),
    output_model_id: z.string().min(1),
    is_active: z.boolean().optional(),
  })
  .strict();

export const aliasGroupSchema = z
  .object({
    input_model_id: z.string().min(1),
    is_regex: z.boolean().optional(),
    fallback: z.boolean().optional(),
    options: z.array(aliasOptionSchema).min(1, 'an alias group needs at least one option'),
  })
  .strict();

const logLevel = z.enum(['debug', 'info', 'warn', 'error']);

export const configSchema = z
  .object({
    bind_addr: bindAddr.default('127.0.0.1:11510'),
    db_path: z.string().min(1).default('~/.config/tresor/tresor.db'),
    admin_password: z.string().optional(),
    proxy_api_keys: z.array(z.string().min(1)).optional(),
    log_level: logLevel.default('info'),
    capture_payloads: z.boolean().default(false),
    /** How many recent requests keep captured payloads. */
    capture_max_entries: z.number().int().positive().default(100),
    /** Cap per captured body, in bytes. */
    capture_max_bytes: z.number().int().positive().default(1_048_576),
    /** Request-log history kept in SQLite. */
    log_max_entries: z.number().int().positive().default(100_000),
    log_retention_days: z.number().positive().default(30),
    retry_on_empty: z.boolean().default(false),
    proxy_mode: z.enum(['auto', 'env', 'none']).default('auto'),
    socket_path: z.string().optional(),
    cors_origins: z.array(z.string().min(1)).default([]),
    max_body_bytes: z.number().int().positive().default(33_554_432),
    metrics_token: z.string().optional(),
    fallback_deadline_ms: z.number().int().positive().default(30_000),
    headers_timeout_ms: z.number().int().positive().default(10_000),
    /** The whole request (headers and body) must arrive within this; responses are not limited. */
    request_timeout_ms: z.number().int().positive().default(300_000),
    keep_alive_timeout_ms: z.number().int().positive().default(65_000),
    shutdown_grace_ms: z.number().int().nonnegative().default(30_000),
    session_ttl_hours: z
      .number()
      .positive()
      .default(24 * 7),
    downstreams: z.array(downstreamSchema).default([]),
    rules: z.array(ruleSchema).default([]),
    aliases: z.array(aliasGroupSchema).default([]),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const dsIds = new Set<string>();
    cfg.downstreams.forEach((d, i) => {
      if (dsIds.has(d.id)) ctx.addIssue({ code: 'custom', path: ['downstreams', i, 'id'], message: `duplicate downstream id "${d.id}"` });
      dsIds.add(d.id);
    });
    const ruleIds = new Set<string>();
    cfg.rules.forEach((r, i) => {
      if (ruleIds.has(r.id)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'id'], message: `duplicate rule id "${r.id}"` });
      ruleIds.add(r.id);
    });
    const optionIds = new Set<string>();
    const groupNames = new Set<string>();
    cfg.aliases.forEach((g, gi) => {
      if (groupNames.has(g.input_model_id))
        ctx.addIssue({ code: 'custom', path: ['aliases', gi, 'input_model_id'], message: `duplicate alias group "${g.input_model_id}"` });
      groupNames.add(g.input_model_id);
      if (g.is_regex) {
        try {
          new RegExp(`^(?:${g.input_model_id})$`);
        } catch (e) {
          ctx.addIssue({ code: 'custom', path: ['aliases', gi, 'input_model_id'], message: `invalid regex: ${(e as Error).message}` });
        }
      }
      let active = 0;
      g.options.forEach((o, oi) => {
        if (optionIds.has(o.id)) ctx.addIssue({ code: 'custom', path: ['aliases', gi, 'options', oi, 'id'], message: `duplicate alias option id "${o.id}"` });
        optionIds.add(o.id);
        if (!dsIds.has(o.downstream_id))
          ctx.addIssue({ code: 'custom', path: ['aliases', gi, 'options', oi, 'downstream_id'], message: `unknown downstream "${o.downstream_id}"` });
        if (o.is_active) active++;
      });
      if (active > 1) ctx.addIssue({ code: 'custom', path: ['aliases', gi, 'options'], message: 'more than one option has is_active: true' });
    });
  });

export type Config = z.infer<typeof configSchema>;
export type DownstreamConfig = z.infer<typeof downstreamSchema>;
export type RuleConfig = z.infer<typeof ruleSchema>;
export type AliasGroupConfig = z.infer<typeof aliasGroupSchema>;
export type AliasOptionConfig = z.infer<typeof aliasOptionSchema>;
export type PipelineStepConfig = z.infer<typeof pipelineStepSchema>;
export type Timeouts = z.infer<typeof timeoutsSchema>;

export function parseBindAddr(s: string): { host: string; port: number } | undefined {
  const m = /^(\[[^\]]+\]|[^:]+|):(\d{1,5})$/.exec(s.trim());
  if (!m) return undefined;
  const port = Number(m[2]);
  if (port > 65535) return undefined;
  const host = m[1] === '' ? '0.0.0.0' : m[1].replace(/^\[|\]$/g, '');
  return { host, port };
}

/** "downstreams[0].base_url: must be an http(s) URL" */
export function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`);
}

export function formatPath(path: readonly PropertyKey[]): string {
  let s = '';
  for (const p of path) {
    if (typeof p === 'number') s += `[${p}]`;
    else s += s ? `.${String(p)}` : String(p);
  }
  return s || '(root)';
}
