import { VERSION } from '../app/version.js';
import type { CommandContext } from './commands.js';
import { CommandFailed, noExtraPositionals, parseCommandArgs, printJson } from './io.js';

export const VERSION_USAGE = `Usage: tresor version [--json]    this CLI's version and the running daemon's
`;

/** Always succeeds: the CLI's version is known even when no daemon runs. */
export async function runVersion(args: string[], c: CommandContext): Promise<void> {
  const p = parseCommandArgs(args, {}, VERSION_USAGE);
  noExtraPositionals(p, 0, VERSION_USAGE);
  let daemon: { version: string; node: string } | undefined;
  let problem: string | undefined;
  try {
    daemon = (await c.client().expect('GET', '/api/version')) as { version: string; node: string };
  } catch (e) {
    if (!(e instanceof CommandFailed)) throw e;
    problem = e.message;
  }
  if (p.json) return printJson(c.io, { cli: VERSION, daemon: daemon?.version ?? null, node: process.versions.node });
  c.io.stdout.write(`tresor ${VERSION} (cli)\n`);
  c.io.stdout.write(daemon ? `daemon ${daemon.version} (node ${daemon.node})\n` : `daemon: ${problem}\n`);
}
