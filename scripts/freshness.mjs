// Whether a build output is older than its sources: shared by the test runner
// (scripts/run-tests.mjs) and the benchmarks (bench/run.ts, bench/soak-lib.ts).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Newest modification time of `path` (a file) or of any file under it (0 when it is missing). */
export function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let t = 0;
  for (const name of readdirSync(path)) t = Math.max(t, newestMtime(join(path, name)));
  return t;
}

/** Whether `output` exists and is at least as new as each of `sources` (files or folders). */
export function isFresh(output, sources) {
  if (!existsSync(output)) return false;
  const built = statSync(output).mtimeMs;
  return sources.every((d) => newestMtime(d) <= built);
}
