import type { Logger } from 'pino';
import type { ConfigManager } from '../config/manager.js';
import { ReasoningStore } from '../ir/reasoning-store.js';
import { PluginRegistry } from '../plugins/registry.js';
import type { RequestObserver } from '../observe/types.js';
import { Router } from '../admin/router.js';

/**
 * Everything a request handler may reach, built once by the daemon. Components that other
 * modules implement are typed by what the rest of the code needs from them.
 */
export interface AppContext {
  readonly version: string;
  readonly startedAt: number;
  readonly config: ConfigManager;
  readonly logger: Logger;
  readonly plugins: PluginRegistry;
  readonly reasoningStore: ReasoningStore;
  /** Request log, stats and metrics sink (batched off the request path). */
  observer: RequestObserver;
  /** Admin API routes (/api/..., /metrics). */
  readonly adminRouter: Router;
  /** Origin of the daemon itself (http://host:port), for CSRF checks. */
  selfOrigins: Set<string>;
  /** Set while shutting down: new gateway requests get 503. */
  draining: boolean;
  /** Components register cleanup here; the daemon runs them in reverse order on close. */
  readonly closers: (() => void | Promise<void>)[];
  /** Run when shutdown begins, before in-flight requests drain (e.g. end SSE log viewers). */
  readonly drainHooks: (() => void)[];
  /** Named services other modules attach (store, logs, stats, metrics, sessions...). */
  readonly services: Record<string, unknown>;
}

/** A context with nothing installed yet: no observer, no routes, no services (the daemon and test harnesses fill them in). */
export function createContext(parts: { version: string; config: ConfigManager; logger: Logger; plugins?: PluginRegistry }): AppContext {
  return {
    version: parts.version,
    startedAt: Date.now(),
    config: parts.config,
    logger: parts.logger,
    plugins: parts.plugins ?? new PluginRegistry(),
    reasoningStore: new ReasoningStore(),
    observer: { finished() {} },
    adminRouter: new Router(),
    selfOrigins: new Set(),
    draining: false,
    closers: [],
    drainHooks: [],
    services: {},
  };
}
