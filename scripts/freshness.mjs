// Whether a build output is older than its sources: shared by the test runner
// (scripts/run-tests.mjs) and the benchmarks (bench/run.ts, bench/soak-lib.ts).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Newest modification time of any file under `dir` (0 when it is missing). */
export function newestMtime(dir) {
  if (!existsSync(dir)) return 0;
  let t = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    t = Math.max(t, st.isDirectory() ? newestMtime(p) : st.mtimeMs);
  }
  return t;
}

/** Whether `output` exists and is at least as new as every file under each of `srcDirs`. */
export function isFresh(output, srcDirs) {
  if (!existsSync(output)) return false;
  const built = statSync(output).mtimeMs;
  return srcDirs.every((d) => newestMtime(d) <= built);
}
