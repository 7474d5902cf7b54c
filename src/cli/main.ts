import { runDaemon } from './run.js';
import { VERSION } from '../app/version.js';
import { runCommandGroup, USAGE } from './commands.js';

// For programs that embed the daemon (the benchmark's "observability off" variant) from the
// one-file build, dist/bundle/tresor.mjs, which is made from this module.
export { startDaemon } from '../app/daemon.js';

/**
 * `tresor [--config FILE] <group> <command> [args] [--json]`. `--config` may stand anywhere.
 * Exit codes: 0 success, 1 failed operation, 2 usage error.
 */
export async function main(argv: string[]): Promise<number> {
  const args: string[] = [];
  let config: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--config' || a === '-c') {
      config = argv[++i];
      if (config === undefined) {
        process.stderr.write('tresor: --config needs a file\n');
        return 2;
      }
    } else if (a.startsWith('--config=')) config = a.slice(9);
    else args.push(a);
  }
  const [group, ...rest] = args;
  if (!group || group === 'help' || group === '--help' || group === '-h') {
    process.stdout.write(USAGE);
    return group ? 0 : 2;
  }
  if (group === 'run') return runDaemon(config);
  if (group === '--version' || group === '-v') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  return runCommandGroup(group, rest, config);
}
