import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';

/**
 * Call `onChange` (debounced) whenever `file` may have changed. Watches the folder, not the
 * file: editors and our own atomic write-back replace the file by renaming, which a watch on
 * the old inode would miss. Returns a function that stops watching.
 */
export function watchConfigFile(file: string, onChange: () => void, debounceMs = 100): () => void {
  const name = basename(file);
  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  const fire = () => {
    clearTimeout(timer);
    timer = setTimeout(onChange, debounceMs);
    timer.unref();
  };
  try {
    watcher = watch(dirname(file), { persistent: false }, (_event, changed) => {
      if (changed === null || changed === name) fire();
    });
    watcher.on('error', () => {
      /* the folder went away; nothing left to watch */
    });
  } catch {
    watcher = undefined;
  }
  return () => {
    clearTimeout(timer);
    watcher?.close();
  };
}
