import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Newest modification time of any file under `dir`. */
export function newestMtime(dir: string): number {
  let max = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    max = Math.max(max, st.isDirectory() ? newestMtime(p) : st.mtimeMs);
  }
  return max;
}

/** Whether `built` exists and is at least as new as every file under `srcDir`. */
export function isFresh(built: string, srcDir: string): boolean {
  return existsSync(built) && statSync(built).mtimeMs >= newestMtime(srcDir);
}
