import { discoverConfigPath, writeStarterConfig, ConfigError } from '../config/load.js';
import { startDaemon } from '../app/daemon.js';

/** `tresor run [--config FILE]`: the daemon in the foreground until SIGINT/SIGTERM. */
export async function runDaemon(configFlag: string | undefined): Promise<number> {
  const found = discoverConfigPath(configFlag);
  if (!found.exists) {
    writeStarterConfig(found.path);
    process.stdout.write(`tresor: no config found; wrote a starter config to ${found.path}\n`);
  }
  let daemon;
  try {
    daemon = await startDaemon({ configPath: found.path });
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`tresor: ${e.message}\n`);
      return 1;
    }
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EADDRINUSE') {
      process.stderr.write(`tresor: address already in use (${err.message}); is another tresor running?\n`);
      return 1;
    }
    throw e;
  }
  const d = daemon;
  return new Promise<number>((resolve) => {
    let signals = 0;
    const onSignal = (sig: NodeJS.Signals) => {
      signals++;
      if (signals > 1) {
        process.stderr.write(`tresor: second ${sig}, exiting now\n`);
        process.exit(1);
      }
      d.ctx.logger.info({ signal: sig }, 'shutting down: draining in-flight requests');
      void d.close().then(() => resolve(0));
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
