import type { CommandContext } from './commands.js';
import { boolOption, noExtraPositionals, parseCommandArgs, printJson, requirePositionals, stringOption, table, UsageError } from './io.js';
import { segment } from './client.js';

export const ALIAS_USAGE = `Usage: tresor alias <command> [--json]

  list                                    groups in order, options, which is active (*)
  create MODEL DOWNSTREAM OUTPUT_MODEL [--id ID] [--regex] [--fallback] [--activate]
                                          add an option to the group for MODEL (created if new)
  update ID [--downstream DS] [--output-model M] [--model MODEL]
            [--regex true|false] [--fallback true|false]
  delete ID                               delete an option (an emptied group goes too)
  delete-group MODEL                      delete a whole group
  activate ID                             switch every app asking for the group's model to ID
  reorder MODEL...                        these groups first, in this order
`;

interface Group {
  input_model_id: string;
  is_regex: boolean;
  fallback: boolean;
  active_id: string;
  options: { id: string; downstream_id: string; output_model_id: string; is_active: boolean }[];
}

export async function runAlias(args: string[], c: CommandContext): Promise<void> {
  const [command, ...rest] = args;
  const u = ALIAS_USAGE;
  switch (command) {
    case 'list': {
      const p = parseCommandArgs(rest, {}, u);
      noExtraPositionals(p, 0, u);
      const groups = (await c.client().expect('GET', '/api/aliases')) as Group[];
      if (p.json) return printJson(c.io, groups);
      if (groups.length === 0) {
        c.io.stdout.write('no aliases\n');
        return;
      }
      const rows: string[][] = [];
      for (const g of groups) {
        const flags = [g.is_regex ? 'regex' : '', g.fallback ? 'fallback' : ''].filter(Boolean).join(',');
        g.options.forEach((o, i) =>
          rows.push([i === 0 ? g.input_model_id : '', i === 0 ? flags : '', o.is_active ? '*' : '', o.id, o.downstream_id, o.output_model_id]),
        );
      }
      c.io.stdout.write(table(['MODEL', 'FLAGS', 'ACTIVE', 'OPTION', 'DOWNSTREAM', 'OUTPUT MODEL'], rows));
      return;
    }
    case 'create': {
      const p = parseCommandArgs(rest, { id: { type: 'string' }, regex: { type: 'boolean' }, fallback: { type: 'boolean' }, activate: { type: 'boolean' } }, u);
      const [input, downstream, output] = requirePositionals(p, ['MODEL', 'DOWNSTREAM', 'OUTPUT_MODEL'], u);
      noExtraPositionals(p, 3, u);
      const body: Record<string, unknown> = { input_model_id: input, downstream_id: downstream, output_model_id: output };
      const id = stringOption(p.values.id);
      if (id) body.id = id;
      if (p.values.regex) body.is_regex = true;
      if (p.values.fallback) body.fallback = true;
      if (p.values.activate) body.activate = true;
      const o = (await c.client().expect('POST', '/api/aliases', body)) as { id: string; is_active: boolean };
      if (p.json) return printJson(c.io, o);
      c.io.stdout.write(`created alias option ${o.id}: ${input} -> ${downstream} / ${output}${o.is_active ? ' (active)' : ''}\n`);
      return;
    }
    case 'update': {
      const p = parseCommandArgs(
        rest,
        {
          downstream: { type: 'string' },
          'output-model': { type: 'string' },
          model: { type: 'string' },
          regex: { type: 'string' },
          fallback: { type: 'string' },
        },
        u,
      );
      const [id] = requirePositionals(p, ['ID'], u);
      noExtraPositionals(p, 1, u);
      const body: Record<string, unknown> = {};
      const downstream = stringOption(p.values.downstream);
      if (downstream !== undefined) body.downstream_id = downstream;
      const output = stringOption(p.values['output-model']);
      if (output !== undefined) body.output_model_id = output;
      const model = stringOption(p.values.model);
      if (model !== undefined) body.input_model_id = model;
      const regex = boolOption(p.values.regex, 'regex', u);
      if (regex !== undefined) body.is_regex = regex;
      const fallback = boolOption(p.values.fallback, 'fallback', u);
      if (fallback !== undefined) body.fallback = fallback;
      if (Object.keys(body).length === 0) throw new UsageError('update needs at least one of --downstream, --output-model, --model, --regex, --fallback', u);
      const o = await c.client().expect('PUT', `/api/aliases/${segment(id)}`, body);
      if (p.json) return printJson(c.io, o);
      c.io.stdout.write(`updated alias option ${id}\n`);
      return;
    }
    case 'delete': {
      const p = parseCommandArgs(rest, {}, u);
      const [id] = requirePositionals(p, ['ID'], u);
      noExtraPositionals(p, 1, u);
      const r = (await c.client().expect('DELETE', `/api/aliases/${segment(id)}`)) as { group_deleted: boolean; active_id?: string };
      if (p.json) return printJson(c.io, r);
      c.io.stdout.write(`deleted alias option ${id}${r.group_deleted ? ' (its group had no other option and was deleted)' : ''}\n`);
      return;
    }
    case 'delete-group': {
      const p = parseCommandArgs(rest, {}, u);
      const [model] = requirePositionals(p, ['MODEL'], u);
      noExtraPositionals(p, 1, u);
      const r = (await c.client().expect('DELETE', `/api/aliases/group/${segment(model)}`)) as { options_deleted: string[] };
      if (p.json) return printJson(c.io, r);
      c.io.stdout.write(`deleted alias group ${model} (options ${r.options_deleted.join(', ')})\n`);
      return;
    }
    case 'activate': {
      const p = parseCommandArgs(rest, {}, u);
      const [id] = requirePositionals(p, ['ID'], u);
      noExtraPositionals(p, 1, u);
      const o = (await c.client().expect('PUT', `/api/aliases/${segment(id)}/activate`)) as {
        input_model_id: string;
        downstream_id: string;
        output_model_id: string;
        previous_id: string | null;
      };
      if (p.json) return printJson(c.io, o);
      const was = o.previous_id && o.previous_id !== id ? ` (was ${o.previous_id})` : '';
      c.io.stdout.write(`${o.input_model_id} -> ${o.downstream_id} / ${o.output_model_id}: option ${id} active${was}\n`);
      return;
    }
    case 'reorder': {
      const p = parseCommandArgs(rest, {}, u);
      requirePositionals(p, ['MODEL'], u);
      const groups = (await c.client().expect('POST', '/api/aliases/reorder', { order: p.positionals })) as Group[];
      if (p.json) return printJson(c.io, groups);
      c.io.stdout.write(`alias order: ${groups.map((g) => g.input_model_id).join(', ')}\n`);
      return;
    }
    default:
      throw new UsageError(command ? `unknown alias command "${command}"` : 'missing alias command', u);
  }
}
