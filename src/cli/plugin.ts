import type { CommandContext } from './commands.js';
import { noExtraPositionals, parseCommandArgs, printJson, table, UsageError } from './io.js';

export const PLUGIN_USAGE = `Usage: tresor plugin list [--json]    the plugins rules can use, with their config schemas (--json)
`;

interface PluginInfo {
  id: string;
  kind: string;
  description: string;
}

export async function runPlugin(args: string[], c: CommandContext): Promise<void> {
  const [command, ...rest] = args;
  if (command !== 'list') throw new UsageError(command ? `unknown plugin command "${command}"` : 'missing plugin command', PLUGIN_USAGE);
  const p = parseCommandArgs(rest, {}, PLUGIN_USAGE);
  noExtraPositionals(p, 0, PLUGIN_USAGE);
  const plugins = (await c.client().expect('GET', '/api/plugins')) as PluginInfo[];
  if (p.json) return printJson(c.io, plugins);
  c.io.stdout.write(
    table(
      ['ID', 'KIND', 'DESCRIPTION'],
      plugins.map((x) => [x.id, x.kind, x.description]),
    ),
  );
}
