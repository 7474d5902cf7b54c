// `tresor` from the TypeScript sources, for tests that need a real daemon process
// (signals, exit codes): node --import tsx test/resilience/run-daemon.ts run --config FILE
import { main } from '../../src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
