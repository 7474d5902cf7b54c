import type { CommandContext } from './commands.js';
import {
  boolOption,
  jsonOption,
  listOption,
  noExtraPositionals,
  pairsOption,
  parseCommandArgs,
  printJson,
  requirePositionals,
  stringOption,
  table,
  UsageError,
} from './io.js';
import { segment } from './client.js';
import { showResource } from './show.js';

export const DOWNSTREAM_USAGE = `Usage: tresor downstream <command> [--json]

  list                                  all downstreams (keys masked)
  show ID                               one downstream
  create ID --format F --base-url URL [--api-key KEY | --api-key-env NAME]
         [--name NAME] [--model M]... [--format-url FORMAT=URL]... [--header K=V]...
         [--auto-cache true|false] [--data JSON]
  update ID [the same flags]            change only what is given (--model replaces the list)
  delete ID                             also drops it from rules and alias options
  add-model ID MODEL...                 list model ids it serves
  remove-model ID MODEL...
  fetch-models ID [--add | --add-model M...]   ask the provider; add all or some
`;

const FIELD_FLAGS = {
  format: { type: 'string', multiple: true },
  'base-url': { type: 'string' },
  'api-key': { type: 'string' },
  'api-key-env': { type: 'string' },
  name: { type: 'string' },
  model: { type: 'string', multiple: true },
  'format-url': { type: 'string', multiple: true },
  header: { type: 'string', multiple: true },
  'auto-cache': { type: 'string' },
  data: { type: 'string' },
} as const;

interface Presented {
  id: string;
  name?: string;
  api_formats: string[];
  base_url: string;
  api_key?: string;
  api_keys?: string[];
  output_model_ids: string[];
  is_enabled?: boolean;
}

/** The request body the flags describe (only the flags given). */
function bodyFromFlags(values: Record<string, string | boolean | string[] | undefined>): Record<string, unknown> {
  const u = DOWNSTREAM_USAGE;
  const data = jsonOption(values.data, 'data', u);
  if (data !== undefined && (typeof data !== 'object' || data === null || Array.isArray(data))) throw new UsageError('--data must be a JSON object', u);
  const body: Record<string, unknown> = { ...(data as Record<string, unknown> | undefined) };
  const formats = listOption(values.format);
  if (formats) body.api_formats = formats;
  const baseUrl = stringOption(values['base-url']);
  if (baseUrl !== undefined) body.base_url = baseUrl;
  const key = stringOption(values['api-key']);
  const keyEnv = stringOption(values['api-key-env']);
  if (key !== undefined && keyEnv !== undefined) throw new UsageError('give --api-key or --api-key-env, not both', u);
  if (key !== undefined) body.api_key = key;
  // Written to the file as a reference: the key itself stays in the environment.
  if (keyEnv !== undefined) body.api_key = `\${${keyEnv}}`;
  const name = stringOption(values.name);
  if (name !== undefined) body.name = name;
  const models = listOption(values.model);
  if (models) body.output_model_ids = models;
  const formatUrls = pairsOption(values['format-url'], 'format-url', u);
  if (formatUrls) body.format_urls = formatUrls;
  const headers = pairsOption(values.header, 'header', u);
  if (headers) body.headers = headers;
  const autoCache = boolOption(values['auto-cache'], 'auto-cache', u);
  if (autoCache !== undefined) body.auto_cache = autoCache;
  return body;
}

function keyOf(d: Presented): string {
  if (d.api_key) return d.api_key;
  if (d.api_keys?.length) return `${d.api_keys.length} keys`;
  return '-';
}

export async function runDownstream(args: string[], c: CommandContext): Promise<void> {
  const [command, ...rest] = args;
  const u = DOWNSTREAM_USAGE;
  switch (command) {
    case 'list': {
      const p = parseCommandArgs(rest, {}, u);
      noExtraPositionals(p, 0, u);
      const list = (await c.client().expect('GET', '/api/downstreams')) as Presented[];
      if (p.json) return printJson(c.io, list);
      if (list.length === 0) {
        c.io.stdout.write('no downstreams\n');
        return;
      }
      c.io.stdout.write(
        table(
          ['ID', 'FORMATS', 'BASE URL', 'KEY', 'MODELS'],
          list.map((d) => [d.id + (d.is_enabled === false ? ' (disabled)' : ''), d.api_formats.join(','), d.base_url, keyOf(d), d.output_model_ids.join(', ')]),
        ),
      );
      return;
    }
    case 'show':
      return showResource(c, rest, u, 'downstreams');
    case 'create':
    case 'update': {
      const p = parseCommandArgs(rest, FIELD_FLAGS, u);
      const [id] = requirePositionals(p, ['ID'], u);
      noExtraPositionals(p, 1, u);
      const body = bodyFromFlags(p.values);
      if (command === 'create') {
        if (!body.api_formats) throw new UsageError('create needs --format', u);
        if (!body.base_url) throw new UsageError('create needs --base-url', u);
        const d = await c.client().expect('POST', '/api/downstreams', { id, ...body });
        if (p.json) return printJson(c.io, d);
        c.io.stdout.write(`created downstream ${id}\n`);
        return;
      }
      if (Object.keys(body).length === 0) throw new UsageError('update needs at least one field flag', u);
      const d = await c.client().expect('PUT', `/api/downstreams/${segment(id)}`, body);
      if (p.json) return printJson(c.io, d);
      c.io.stdout.write(`updated downstream ${id}\n`);
      return;
    }
    case 'delete': {
      const p = parseCommandArgs(rest, {}, u);
      const [id] = requirePositionals(p, ['ID'], u);
      noExtraPositionals(p, 1, u);
      const r = (await c.client().expect('DELETE', `/api/downstreams/${segment(id)}`)) as {
        rules_changed: { id: string; disabled: boolean }[];
        alias_options_deleted: string[];
        alias_groups_deleted: string[];
        alias_groups_reactivated: { input_model_id: string; active_id: string }[];
      };
      if (p.json) return printJson(c.io, r);
      const lines = [`deleted downstream ${id}`];
      for (const rule of r.rules_changed)
        lines.push(`  rule ${rule.id}: removed from match_downstreams${rule.disabled ? ' (no downstream left: rule disabled)' : ''}`);
      if (r.alias_options_deleted.length) lines.push(`  alias options deleted: ${r.alias_options_deleted.join(', ')}`);
      if (r.alias_groups_deleted.length) lines.push(`  alias groups deleted (no option left): ${r.alias_groups_deleted.join(', ')}`);
      for (const g of r.alias_groups_reactivated) lines.push(`  alias ${g.input_model_id}: now served by option ${g.active_id}`);
      c.io.stdout.write(lines.join('\n') + '\n');
      return;
    }
    case 'add-model':
    case 'remove-model': {
      const p = parseCommandArgs(rest, {}, u);
      const [id, ...models] = requirePositionals(p, ['ID', 'MODEL'], u);
      let last: unknown;
      for (const m of models) {
        last =
          command === 'add-model'
            ? await c.client().expect('POST', `/api/downstreams/${segment(id)}/models`, { model_id: m })
            : await c.client().expect('DELETE', `/api/downstreams/${segment(id)}/models/${segment(m)}`);
      }
      if (p.json) return printJson(c.io, last);
      const ids = (last as { output_model_ids: string[] }).output_model_ids;
      c.io.stdout.write(`${id} models: ${ids.length ? ids.join(', ') : '(none)'}\n`);
      return;
    }
    case 'fetch-models': {
      const p = parseCommandArgs(rest, { add: { type: 'boolean' }, 'add-model': { type: 'string', multiple: true } }, u);
      const [id] = requirePositionals(p, ['ID'], u);
      noExtraPositionals(p, 1, u);
      const some = listOption(p.values['add-model']);
      if (p.values.add === true && some) throw new UsageError('give --add or --add-model, not both', u);
      const body = p.values.add === true ? { add: true } : some ? { add: some } : {};
      const r = (await c.client().expect('POST', `/api/downstreams/${segment(id)}/fetch-models`, body)) as {
        models: string[];
        added: string[];
        output_model_ids: string[];
      };
      if (p.json) return printJson(c.io, r);
      const rows = r.models.map((m) => [m, r.added.includes(m) ? 'added' : r.output_model_ids.includes(m) ? 'listed' : '']);
      c.io.stdout.write(rows.length ? table(['MODEL', 'STATUS'], rows) : 'the provider listed no models\n');
      if (!p.values.add && !some && rows.length) c.io.stdout.write(`(nothing added; use --add or --add-model M to add)\n`);
      return;
    }
    default:
      throw new UsageError(command ? `unknown downstream command "${command}"` : 'missing downstream command', u);
  }
}
