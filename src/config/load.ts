import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, resolve } from 'node:path';
import YAML from 'yaml';
import { configSchema, formatIssues, formatPath, type Config } from './schema.js';
import { writeFileAtomic } from './atomic.js';
import { expandHome } from '../util/paths.js';

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`invalid config ${file}:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** `--config FILE` > TRESOR_CONFIG > ./config.yaml > ~/.config/tresor/config.yaml */
export function discoverConfigPath(explicit?: string, env = process.env, cwd = process.cwd()): { path: string; exists: boolean } {
  if (explicit) return { path: resolve(cwd, expandHome(explicit)), exists: existsSync(resolve(cwd, expandHome(explicit))) };
  if (env.TRESOR_CONFIG) {
    const p = resolve(cwd, expandHome(env.TRESOR_CONFIG));
    return { path: p, exists: existsSync(p) };
  }
  const local = resolve(cwd, 'config.yaml');
  if (existsSync(local)) return { path: local, exists: true };
  const home = resolve(homedir(), '.config/tresor/config.yaml');
  return { path: home, exists: existsSync(home) };
}

const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * Replace `${NAME}` in every string value. Returns the expanded copy and the problems
 * (unset variables, by key path). The unexpanded tree is kept by the caller for write-back.
 */
export function expandEnv(value: unknown, env: NodeJS.ProcessEnv, path: (string | number)[] = [], problems: string[] = []): unknown {
  if (typeof value === 'string') {
    if (value.indexOf('${') === -1) return value;
    return value.replace(ENV_REF, (_m, name: string) => {
      const v = env[name];
      if (v === undefined) {
        problems.push(`${formatPath(path)}: environment variable ${name} is not set`);
        return '';
      }
      return v;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => expandEnv(v, env, [...path, i], problems));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = expandEnv(v, env, [...path, k], problems);
    return out;
  }
  return value;
}

export function hasEnvRef(s: string): boolean {
  return s.indexOf('${') !== -1 && new RegExp(ENV_REF.source).test(s);
}

export interface LoadedConfig {
  path: string;
  text: string;
  doc: YAML.Document.Parsed;
  /** The file's values before `${ENV}` expansion (what write-back must keep). */
  raw: unknown;
  config: Config;
}

/**
 * Checks one pipeline step against the plugin registry: [] when valid, else problems as
 * `plugin_id: ...` or `config.<key>: ...` (PluginRegistry.validateConfig). The registry
 * lives outside config/, so whoever has one (the daemon) passes this in.
 */
export type PluginStepCheck = (pluginId: string, config: unknown) => string[];

/** Every pipeline step's problems, by key path: `rules[0].pipeline_config[1].config.headers: ...`. */
export function pipelineProblems(config: Config, check: PluginStepCheck): string[] {
  const problems: string[] = [];
  config.rules.forEach((rule, i) => {
    rule.pipeline_config.forEach((step, j) => {
      const at = `rules[${i}].pipeline_config[${j}]`;
      for (const p of check(step.plugin_id, step.config ?? {})) problems.push(p.startsWith('config') ? `${at}.${p}` : `${at}.plugin_id: ${p}`);
    });
  });
  return problems;
}

/** Parse and validate config text. Throws ConfigError naming every problem by key path. */
export function parseConfigText(text: string, file: string, env: NodeJS.ProcessEnv = process.env, checkStep?: PluginStepCheck): LoadedConfig {
  const doc = YAML.parseDocument(text, { prettyErrors: true, keepSourceTokens: false });
  if (doc.errors.length)
    throw new ConfigError(
      file,
      doc.errors.map((e) => `YAML: ${e.message.split('\n')[0]}`),
    );
  const raw = doc.toJS() ?? {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(file, ['(root): must be a mapping of keys']);
  const problems: string[] = [];
  const expanded = expandEnv(raw, env, [], problems);
  if (problems.length) throw new ConfigError(file, problems);
  const parsed = configSchema.safeParse(expanded);
  if (!parsed.success) throw new ConfigError(file, formatIssues(parsed.error));
  const stepProblems = checkStep ? pipelineProblems(parsed.data, checkStep) : [];
  if (stepProblems.length) throw new ConfigError(file, stepProblems);
  return { path: file, text, doc, raw, config: parsed.data };
}

export function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env, checkStep?: PluginStepCheck): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(file, [`cannot read: ${(e as Error).message}`]);
  }
  return parseConfigText(text, file, env, checkStep);
}

export const STARTER_CONFIG = `# Tresor configuration. Docs: README.md ("Configuration reference").
# Edit while the daemon runs: changes apply within a second; invalid edits are rejected.

# Gateway, admin API and web UI all listen here.
bind_addr: "127.0.0.1:11510"

# Operational data (stats, request log, sessions). Losing it never loses configuration.
db_path: "~/.config/tresor/tresor.db"

# Protects the admin API and web UI. Without it they answer only on loopback.
# admin_password: "change-me"

# When set, apps must present one of these keys (Authorization: Bearer, x-api-key, ...).
# proxy_api_keys: [sk-proxy-123]

log_level: info          # debug | info | warn | error
capture_payloads: false  # keep raw bodies of recent requests for the inspector
retry_on_empty: false    # retry a 200 answer that has no content
proxy_mode: auto         # outbound proxy for downstream calls: auto | env | none

# Providers. api_key may be written \${ENV_VAR}.
downstreams: []
#  - id: openai
#    name: OpenAI
#    api_formats: [openai]
#    base_url: https://api.openai.com/v1
#    api_key: \${OPENAI_API_KEY}
#    output_model_ids: [gpt-4o]

# Per-request plugin pipelines.
rules: []

# Model names apps ask for, and which provider serves them. Activate another option to
# switch every app at once.
aliases: []
`;

/** Write the commented starter config (mode 0600) where discovery looked for one. */
export function writeStarterConfig(file: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileAtomic(file, STARTER_CONFIG);
}
