#!/usr/bin/env node
// Runs every *.test.ts under test/ and src/ with Node's own test runner (TypeScript via tsx).
// Usage: npm test [-- <substring filter>...]
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isFresh } from './freshness.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const filters = process.argv.slice(2).filter((a) => !a.startsWith('-'));

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

// End-to-end tests run the real `tresor` binary (dist/) and the built UI (web/dist/):
// rebuild whichever is older than its sources, so tests never run stale code.
function rebuildIfStale(label, srcDirs, output, cmd) {
  if (
    !isFresh(
      output,
      srcDirs.map((d) => join(root, d)),
    )
  ) {
    console.log(`# ${label} is older than its sources: rebuilding`);
    const r = spawnSync('npm', ['run', cmd], { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) process.exit(r.status ?? 1);
  }
}
rebuildIfStale('dist', ['src'], join(root, 'dist/bundle/tresor.mjs'), 'build:server');
rebuildIfStale('web/dist', ['web/src'], join(root, 'web/dist/index.html'), 'build:web');

const files = [...walk(join(root, 'src'), []), ...walk(join(root, 'test'), [])]
  .map((f) => relative(root, f))
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();

if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}

const args = ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=300000', ...files];
const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit', env: { ...process.env, TRESOR_TEST: '1' } });
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
