import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { Config } from './schema.js';
import { ConfigError, loadConfigFile, parseConfigText, type LoadedConfig, type PluginStepCheck } from './load.js';
import { writeFileAtomic } from './atomic.js';
import YAML from 'yaml';
import { rerenderConfigChange, spliceConfigChange } from './writeback.js';
import { cloneTree, deepEqual } from './tree.js';
import { watchConfigFile } from './watch.js';

/** The config file's values as written (before `${ENV}` expansion and defaults). */
export type RawConfig = Record<string, unknown>;

/** One problem of a config, by key path: `{path: "downstreams[0].base_url", message}`. */
export interface ConfigIssue {
  path: string;
  message: string;
}

/** A change would make the config invalid; nothing was written. */
export class ConfigInvalidError extends Error {
  constructor(readonly issues: ConfigIssue[]) {
    super(issues.map((i) => `${i.path}: ${i.message}`).join('; '));
    this.name = 'ConfigInvalidError';
  }
}

/** The file on disk is currently invalid (a hand edit in progress); it is not written over. */
export class ConfigConflictError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`the config file ${file} is currently invalid, so it was not changed: ${problems.join('; ')}`);
    this.name = 'ConfigConflictError';
  }
}

/** The file could not be written (read-only, disk full...); file and running config are unchanged. */
export class ConfigWriteError extends Error {
  constructor(
    readonly file: string,
    readonly code: string | undefined,
    reason: string,
  ) {
    super(`cannot write the config file ${file}: ${reason}; nothing was changed`);
    this.name = 'ConfigWriteError';
  }
}

/** Keys read once at start-up: changing them in the file needs a restart. */
const RESTART_KEYS = ['bind_addr', 'db_path', 'socket_path'] as const;

export interface ConfigManagerOptions {
  /** How the file is replaced; tests inject failures here. Default: atomic write, mode 0600. */
  writeFile?: (file: string, text: string) => void;
  /** Validates rules' pipeline steps (plugin ids and configs) with every load, reload and write. */
  checkPluginStep?: PluginStepCheck;
}

/**
 * Owns the running configuration: the last good file contents and the validated config.
 * Every change goes through one queue: API write-backs (`mutate`) and reloads of hand edits
 * never interleave, so none is lost. Listeners are told after every applied change.
 */
export class ConfigManager extends EventEmitter {
  private loaded: LoadedConfig;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly writeFile: (file: string, text: string) => void;
  private readonly checkStep?: PluginStepCheck;
  private logger?: Logger;
  private stopWatching?: () => void;
  /** Text of the last rejected hand edit, so it is reported once, not on every event. */
  private rejectedText?: string;

  constructor(
    readonly path: string,
    readonly env: NodeJS.ProcessEnv = process.env,
    opts: ConfigManagerOptions = {},
  ) {
    super();
    this.checkStep = opts.checkPluginStep;
    this.loaded = loadConfigFile(path, env, this.checkStep);
    this.writeFile = opts.writeFile ?? writeFileAtomic;
  }

  get current(): Config {
    return this.loaded.config;
  }

  /** The file as last loaded or written (text, YAML document, unexpanded values). */
  get file(): LoadedConfig {
    return this.loaded;
  }

  /** The file's values as written (`${ENV}` references unexpanded, no defaults). */
  get raw(): RawConfig {
    return this.loaded.raw as RawConfig;
  }

  /**
   * Change the configuration: `change` edits a copy of the file's values (references such as
   * `${OPENAI_KEY}` appear as written; putting a literal in their place replaces them). The
   * result is validated, written back keeping every untouched byte of the file, and only then
   * applied. Throws ConfigConflictError when the file on disk is invalid, ConfigInvalidError
   * when the change is, ConfigWriteError when the file cannot be written; in every such case
   * both the file and the running config stay as they were. Whatever `change` throws is
   * passed on, with nothing changed.
   */
  mutate<T>(change: (draft: RawConfig, current: Config) => T): Promise<T> {
    return this.serialize(() => {
      this.syncWithDisk();
      const before = this.loaded;
      const draft = cloneTree(before.raw as RawConfig);
      const result = change(draft, before.config);
      if (deepEqual(before.raw, draft)) return result;
      const next = this.render(before, draft);
      try {
        this.writeFile(this.path, next.text);
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        throw new ConfigWriteError(this.path, err.code, err.message);
      }
      this.rejectedText = undefined;
      this.apply(next);
      return result;
    });
  }

  /** Re-read the file now (what the watcher does). Resolves true when a new config was applied. */
  reload(): Promise<boolean> {
    return this.serialize(() => this.reloadFromDisk());
  }

  /** Apply valid hand edits of the file within a second; log invalid ones and keep serving. */
  watch(logger: Logger, debounceMs = 100): void {
    this.logger = logger;
    this.stopWatching?.();
    this.stopWatching = watchConfigFile(this.path, () => void this.reload().catch(() => undefined), debounceMs);
  }

  onChange(fn: (next: Config, prev: Config) => void): () => void {
    this.on('change', fn);
    return () => this.off('change', fn);
  }

  close(): void {
    this.stopWatching?.();
    this.stopWatching = undefined;
    this.removeAllListeners();
  }

  /** Swap in a newly validated config and notify listeners. */
  protected apply(next: LoadedConfig): void {
    const prev = this.loaded.config;
    this.loaded = next;
    try {
      this.emit('change', next.config, prev);
    } catch (e) {
      this.logger?.error({ err: (e as Error).message }, 'a config change listener failed');
    }
  }

  private serialize<T>(fn: () => T): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private readDisk(): string {
    return readFileSync(this.path, 'utf8');
  }

  /** Before a write-back: take in a valid hand edit the watcher has not applied yet; refuse over an invalid one. */
  private syncWithDisk(): void {
    let text: string;
    try {
      text = this.readDisk();
    } catch (e) {
      throw new ConfigConflictError(this.path, [`cannot read it: ${(e as Error).message}`]);
    }
    if (text === this.loaded.text) return;
    try {
      this.apply(parseConfigText(text, this.path, this.env, this.checkStep));
      this.logger?.info({ config: this.path }, 'config file changed on disk; reloaded before applying a change');
    } catch (e) {
      if (e instanceof ConfigError) throw new ConfigConflictError(this.path, e.problems);
      throw e;
    }
  }

  private reloadFromDisk(): boolean {
    let text: string;
    try {
      text = this.readDisk();
    } catch {
      // Mid-rename or deleted: keep serving; the next event tells us more.
      return false;
    }
    // Our own write-backs land here too: they equal what is loaded, so nothing reloads.
    if (text === this.loaded.text || text === this.rejectedText) return false;
    let next: LoadedConfig;
    try {
      next = parseConfigText(text, this.path, this.env, this.checkStep);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      this.rejectedText = text;
      this.logger?.error({ config: this.path, problems: e.problems }, `config file edit rejected, keeping the running config: ${e.problems.join('; ')}`);
      return false;
    }
    this.rejectedText = undefined;
    const prev = this.loaded.config;
    this.apply(next);
    const needRestart = RESTART_KEYS.filter((k) => !deepEqual(prev[k], next.config[k]));
    this.logger?.info({ config: this.path }, 'config file changed; reloaded');
    if (needRestart.length) this.logger?.warn({ keys: needRestart }, `changing ${needRestart.join(', ')} takes effect after a restart`);
    return true;
  }

  /**
   * The new file text for `draft`, parsed and validated. The comment-keeping splice is
   * checked by the same parse that validates it; should it not hold exactly the draft's
   * values, the Document re-render is used instead.
   */
  private render(before: LoadedConfig, draft: RawConfig): LoadedConfig {
    const spliced = spliceConfigChange(before.text, before.raw, draft);
    if (spliced !== undefined) {
      const loaded = this.tryParse(spliced);
      if (deepEqual(loaded.raw, draft)) {
        if (loaded.error) throw loaded.error;
        return loaded.value!;
      }
    }
    this.logger?.warn({ config: this.path }, 'config write-back could not keep the exact formatting of the file; re-rendered it');
    const text = rerenderConfigChange(before.text, before.raw, draft);
    const loaded = this.tryParse(text);
    if (loaded.error) throw loaded.error;
    return loaded.value!;
  }

  /** Parse and validate; the file's values come back even when validation fails. */
  private tryParse(text: string): { raw: unknown; value?: LoadedConfig; error?: ConfigInvalidError } {
    try {
      const value = parseConfigText(text, this.path, this.env, this.checkStep);
      return { raw: value.raw, value };
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      let raw: unknown;
      try {
        const doc = YAML.parseDocument(text);
        raw = doc.errors.length ? undefined : (doc.toJS() ?? {});
      } catch {
        raw = undefined;
      }
      return { raw, error: new ConfigInvalidError(e.problems.map(toIssue)) };
    }
  }
}

/** "downstreams[0].base_url: must be an http(s) URL" → {path, message}. */
function toIssue(problem: string): ConfigIssue {
  const at = problem.indexOf(': ');
  return at === -1 ? { path: '(root)', message: problem } : { path: problem.slice(0, at), message: problem.slice(at + 2) };
}
