import { createRequire } from 'node:module';
import type * as UndiciTypes from 'undici';

/**
 * undici's dispatchers without the rest of the package. `import 'undici'` evaluates all of it
 * (fetch, WebSocket, cookies, HTTP/2, mocks…), about a quarter of the daemon's start-up CPU;
 * the gateway needs only Agent and EnvHttpProxyAgent and the request API that undici's index
 * attaches to every dispatcher. Types still come from the package's declarations. Should a
 * future undici move these files, the whole package is loaded instead.
 */
interface Lean {
  Agent: typeof UndiciTypes.Agent;
  EnvHttpProxyAgent: typeof UndiciTypes.EnvHttpProxyAgent;
}

function loadLean(): Lean {
  const require = createRequire(import.meta.url);
  try {
    const dispatcher = require('undici/lib/dispatcher/dispatcher.js') as { prototype: object };
    const api = require('undici/lib/api/index.js') as object;
    // what undici/index.js does: request(), stream(), pipeline()... on every dispatcher
    if (!('request' in dispatcher.prototype)) Object.assign(dispatcher.prototype, api);
    return {
      Agent: require('undici/lib/dispatcher/agent.js') as Lean['Agent'],
      EnvHttpProxyAgent: require('undici/lib/dispatcher/env-http-proxy-agent.js') as Lean['EnvHttpProxyAgent'],
    };
  } catch {
    const all = require('undici') as typeof UndiciTypes;
    return { Agent: all.Agent, EnvHttpProxyAgent: all.EnvHttpProxyAgent };
  }
}

const lean = loadLean();
export const Agent = lean.Agent;
export const EnvHttpProxyAgent = lean.EnvHttpProxyAgent;
export type { Dispatcher } from 'undici';
