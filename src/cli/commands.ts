import { AdminClient, resolveTarget } from './client.js';
import { CommandFailed, processIO, UsageError, type CliIO } from './io.js';
import { DOWNSTREAM_USAGE, runDownstream } from './downstream.js';
import { ALIAS_USAGE, runAlias } from './alias.js';
import { RULE_USAGE, runRule } from './rule.js';
import { PLUGIN_USAGE, runPlugin } from './plugin.js';
import { CONFIG_USAGE, runConfig } from './config-cmd.js';
import { LOGS_USAGE, runLogs } from './logs.js';
import { VERSION_USAGE, runVersion } from './version.js';

export const USAGE = `Usage: tresor [--config FILE] <command> [args] [--json]

  run                         start the daemon in the foreground
  downstream list|show|create|update|delete|add-model|remove-model|fetch-models
  alias      list|create|update|delete|delete-group|activate|reorder
  rule       list|show|create|update|delete|enable|disable
  plugin     list
  config     show|set
  logs       recent requests
  version

Commands other than run talk to the running daemon at the config's socket_path or
bind_addr (TRESOR_ADMIN_URL overrides), with the password from TRESOR_ADMIN_PASSWORD or
the config's admin_password. "tresor <group>" alone shows the group's commands.
Exit status: 0 success, 1 failed operation, 2 usage error.
`;

/** What a command group gets: where to write, and the daemon (connected on first use). */
export interface CommandContext {
  io: CliIO;
  client(): AdminClient;
}

type Group = [(args: string[], c: CommandContext) => Promise<void>, string];

const GROUPS: Record<string, Group> = {
  downstream: [runDownstream, DOWNSTREAM_USAGE],
  downstreams: [runDownstream, DOWNSTREAM_USAGE],
  alias: [runAlias, ALIAS_USAGE],
  aliases: [runAlias, ALIAS_USAGE],
  rule: [runRule, RULE_USAGE],
  rules: [runRule, RULE_USAGE],
  plugin: [runPlugin, PLUGIN_USAGE],
  plugins: [runPlugin, PLUGIN_USAGE],
  config: [runConfig, CONFIG_USAGE],
  logs: [runLogs, LOGS_USAGE],
  version: [runVersion, VERSION_USAGE],
};

const HELP = new Set(['help', '--help', '-h']);

/** Dispatch `tresor <group> ...` to the admin API client commands. Returns the exit status. */
export async function runCommandGroup(group: string, args: string[], config: string | undefined, io: CliIO = processIO()): Promise<number> {
  const entry = Object.prototype.hasOwnProperty.call(GROUPS, group) ? GROUPS[group] : undefined;
  if (!entry) {
    io.stderr.write(`tresor: unknown command "${group}"\n${USAGE}`);
    return 2;
  }
  const [run, usage] = entry;
  if (args.length === 1 && HELP.has(args[0])) {
    io.stdout.write(usage);
    return 0;
  }
  let client: AdminClient | undefined;
  const ctx: CommandContext = { io, client: () => (client ??= new AdminClient(resolveTarget(config, io.env))) };
  try {
    await run(args, ctx);
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`tresor: ${e.message}\n${e.usage ?? USAGE}`);
      return 2;
    }
    if (e instanceof CommandFailed) {
      io.stderr.write(`tresor: ${e.message}\n`);
      return 1;
    }
    io.stderr.write(`tresor: ${(e as Error).message ?? String(e)}\n`);
    return 1;
  }
}
