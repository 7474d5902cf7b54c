// The daemon process for bench/soak.ts and bench/fuzz.ts: `tresor run` from dist/ (as in
// production), or from the TypeScript sources with --from-src (then run under `node --import tsx`).
// Usage: node [--import tsx] [--import ./bench/soak-eld.mjs] bench/soak-daemon.mjs [--from-src] run --config FILE
const fromSrc = process.argv.includes('--from-src');
const args = process.argv.slice(2).filter((a) => a !== '--from-src');
const { main } = await import(fromSrc ? '../src/cli/main.ts' : '../dist/cli/main.js');
process.exitCode = await main(args);
