import YAML from 'yaml';
import type { CommandContext } from './commands.js';
import { segment } from './client.js';
import { noExtraPositionals, parseCommandArgs, printJson, requirePositionals } from './io.js';

/** `<group> show ID`: one admin API resource, as YAML for people or its JSON with --json. */
export async function showResource(c: CommandContext, rest: string[], usage: string, collection: string): Promise<void> {
  const p = parseCommandArgs(rest, {}, usage);
  const [id] = requirePositionals(p, ['ID'], usage);
  noExtraPositionals(p, 1, usage);
  const item = await c.client().expect('GET', `/api/${collection}/${segment(id)}`);
  if (p.json) return printJson(c.io, item);
  c.io.stdout.write(YAML.stringify(item, { lineWidth: 0 }));
}
