export const USAGE = `Usage: tresor [--config FILE] <command> [args] [--json]

  run                         start the daemon in the foreground
`;

/** Dispatch `tresor <group> ...` to the admin API client commands. */
export async function runCommandGroup(group: string, _args: string[], _config: string | undefined): Promise<number> {
  process.stderr.write(`tresor: unknown command "${group}"\n${USAGE}`);
  return 2;
}
