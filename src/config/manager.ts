import { EventEmitter } from 'node:events';
import type { Config } from './schema.js';
import { loadConfigFile, type LoadedConfig } from './load.js';

/**
 * Owns the running configuration: the last good file contents and the validated config.
 * Listeners are told after every successful (re)load or write-back.
 */
export class ConfigManager extends EventEmitter {
  private loaded: LoadedConfig;

  constructor(
    readonly path: string,
    readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    super();
    this.loaded = loadConfigFile(path, env);
  }

  get current(): Config {
    return this.loaded.config;
  }

  /** The file as last loaded or written (text, YAML document, unexpanded values). */
  get file(): LoadedConfig {
    return this.loaded;
  }

  /** Swap in a newly validated config and notify listeners. */
  protected apply(next: LoadedConfig): void {
    const prev = this.loaded.config;
    this.loaded = next;
    this.emit('change', next.config, prev);
  }

  onChange(fn: (next: Config, prev: Config) => void): () => void {
    this.on('change', fn);
    return () => this.off('change', fn);
  }

  close(): void {
    this.removeAllListeners();
  }
}
