import type { CommandContext } from './commands.js';
import { jsonOption, listOption, noExtraPositionals, parseCommandArgs, printJson, requirePositionals, stringOption, table, UsageError } from './io.js';
import { segment } from './client.js';
import { showResource } from './show.js';

export const RULE_USAGE = `Usage: tresor rule <command> [--json]

  list                                 all rules
  show ID                              one rule
  create ID [--name NAME] [--path P] [--model M]... [--format F]...
            [--downstream-format F]... [--downstream DS]...
            [--plugin PLUGIN[=JSON_CONFIG]]... | [--pipeline JSON] [--disabled]
  update ID [the same flags]           change only what is given (lists are replaced)
  delete ID
  enable ID | disable ID
`;

const FIELD_FLAGS = {
  name: { type: 'string' },
  path: { type: 'string' },
  model: { type: 'string', multiple: true },
  format: { type: 'string', multiple: true },
  'downstream-format': { type: 'string', multiple: true },
  downstream: { type: 'string', multiple: true },
  plugin: { type: 'string', multiple: true },
  pipeline: { type: 'string' },
  disabled: { type: 'boolean' },
} as const;

interface Rule {
  id: string;
  name?: string;
  pattern_path?: string;
  pattern_models?: string[];
  pattern_model?: string;
  match_format?: string[];
  match_downstream_format?: string[];
  match_downstreams?: string[];
  pipeline_config: { plugin_id: string; is_enabled?: boolean }[];
  is_enabled: boolean;
}

/** `--plugin openai2anthropic` or `--plugin 'custom_header={"headers":{"x-a":"1"}}'`. */
function stepsFromPlugins(values: string[], u: string): unknown[] {
  return values.map((v) => {
    const eq = v.indexOf('=');
    if (eq === -1) return { plugin_id: v };
    let config: unknown;
    try {
      config = JSON.parse(v.slice(eq + 1));
    } catch {
      throw new UsageError(`--plugin ${v.slice(0, eq)}=...: the config must be JSON`, u);
    }
    return { plugin_id: v.slice(0, eq), config };
  });
}

function bodyFromFlags(values: Record<string, string | boolean | string[] | undefined>): Record<string, unknown> {
  const u = RULE_USAGE;
  const body: Record<string, unknown> = {};
  const name = stringOption(values.name);
  if (name !== undefined) body.name = name;
  const path = stringOption(values.path);
  if (path !== undefined) body.pattern_path = path;
  const models = listOption(values.model);
  if (models) body.pattern_models = models;
  const formats = listOption(values.format);
  if (formats) body.match_format = formats;
  const dsFormats = listOption(values['downstream-format']);
  if (dsFormats) body.match_downstream_format = dsFormats;
  const downstreams = listOption(values.downstream);
  if (downstreams) body.match_downstreams = downstreams;
  const plugins = Array.isArray(values.plugin) ? values.plugin : undefined;
  const pipeline = jsonOption(values.pipeline, 'pipeline', u);
  if (plugins && pipeline !== undefined) throw new UsageError('give --plugin or --pipeline, not both', u);
  if (plugins) body.pipeline_config = stepsFromPlugins(plugins, u);
  if (pipeline !== undefined) {
    if (!Array.isArray(pipeline)) throw new UsageError('--pipeline must be a JSON array of steps', u);
    body.pipeline_config = pipeline;
  }
  if (values.disabled === true) body.is_enabled = false;
  return body;
}

function criteria(r: Rule): string {
  const parts: string[] = [];
  const models = r.pattern_models ?? (r.pattern_model ? [r.pattern_model] : undefined);
  if (models?.length) parts.push(`model=${models.join('|')}`);
  if (r.match_format?.length) parts.push(`format=${r.match_format.join('|')}`);
  if (r.match_downstream_format?.length) parts.push(`ds-format=${r.match_downstream_format.join('|')}`);
  if (r.match_downstreams?.length) parts.push(`downstream=${r.match_downstreams.join('|')}`);
  return parts.join(' ') || '-';
}

export async function runRule(args: string[], c: CommandContext): Promise<void> {
  const [command, ...rest] = args;
  const u = RULE_USAGE;
  switch (command) {
    case 'list': {
      const p = parseCommandArgs(rest, {}, u);
      noExtraPositionals(p, 0, u);
      const rules = (await c.client().expect('GET', '/api/rules')) as Rule[];
      if (p.json) return printJson(c.io, rules);
      if (rules.length === 0) {
        c.io.stdout.write('no rules\n');
        return;
      }
      c.io.stdout.write(
        table(
          ['ID', 'ENABLED', 'PATH', 'MATCH', 'PIPELINE'],
          rules.map((r) => [
            r.id,
            r.is_enabled ? 'yes' : 'no',
            r.pattern_path ?? '*',
            criteria(r),
            r.pipeline_config.map((s) => s.plugin_id + (s.is_enabled === false ? '(off)' : '')).join(' > ') || '-',
          ]),
        ),
      );
      return;
    }
    case 'show':
      return showResource(c, rest, u, 'rules');
    case 'create':
    case 'update': {
      const p = parseCommandArgs(rest, FIELD_FLAGS, u);
      const [id] = requirePositionals(p, ['ID'], u);
      noExtraPositionals(p, 1, u);
      const body = bodyFromFlags(p.values);
      if (command === 'create') {
        const r = await c.client().expect('POST', '/api/rules', { id, ...body });
        if (p.json) return printJson(c.io, r);
        c.io.stdout.write(`created rule ${id}\n`);
        return;
      }
      if (Object.keys(body).length === 0) throw new UsageError('update needs at least one field flag', u);
      const r = await c.client().expect('PUT', `/api/rules/${segment(id)}`, body);
      if (p.json) return printJson(c.io, r);
      c.io.stdout.write(`updated rule ${id}\n`);
      return;
    }
    case 'delete':
    case 'enable':
    case 'disable': {
      const p = parseCommandArgs(rest, {}, u);
      const [id] = requirePositionals(p, ['ID'], u);
      noExtraPositionals(p, 1, u);
      const r =
        command === 'delete'
          ? await c.client().expect('DELETE', `/api/rules/${segment(id)}`)
          : await c.client().expect('PUT', `/api/rules/${segment(id)}`, { is_enabled: command === 'enable' });
      if (p.json) return printJson(c.io, r);
      c.io.stdout.write(`${command === 'delete' ? 'deleted' : command === 'enable' ? 'enabled' : 'disabled'} rule ${id}\n`);
      return;
    }
    default:
      throw new UsageError(command ? `unknown rule command "${command}"` : 'missing rule command', u);
  }
}
