import { homedir } from 'node:os';
import { resolve } from 'node:path';

/** `~` and `~/…` as the user's home directory; any other path unchanged. */
export function expandHome(p: string): string {
  if (p === '~') return homedir();
  if (p.startsWith('~/')) return resolve(homedir(), p.slice(2));
  return p;
}
