import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Logger } from 'pino';
import { ConfigManager } from '../config/manager.js';
import { parseBindAddr } from '../config/schema.js';
import { PluginRegistry } from '../plugins/registry.js';
import { registerBuiltinPlugins } from '../plugins/builtins.js';
import { handleAdmin, sendJson } from '../admin/http.js';
import { installAdmin } from '../admin/index.js';
import { listenAdminSocket } from '../admin/socket.js';
import { installObservability } from '../observe/index.js';
import { Gateway, MAX_URL_LENGTH } from '../gateway/gateway.js';
import { serveStatic } from './static.js';
import { createLogger } from './logger.js';
import { VERSION } from './version.js';
import { createContext, type AppContext } from './context.js';

export interface DaemonOptions {
  configPath: string;
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
}

export interface Daemon {
  readonly ctx: AppContext;
  readonly server: Server;
  /** http://host:port the daemon listens on. */
  readonly url: string;
  readonly port: number;
  /** Stop accepting, drain in-flight gateway requests (up to graceMs), release everything. */
  close(graceMs?: number): Promise<void>;
}

export async function startDaemon(opts: DaemonOptions): Promise<Daemon> {
  const plugins = new PluginRegistry();
  registerBuiltinPlugins(plugins);
  const config = new ConfigManager(opts.configPath, opts.env ?? process.env, {
    checkPluginStep: (pluginId, stepConfig) => plugins.validateConfig(pluginId, stepConfig),
  });
  const logger = opts.logger ?? createLogger(config.current.log_level);

  const ctx = createContext({ version: VERSION, config, logger, plugins });
  config.onChange((next, prev) => {
    if (next.log_level !== prev.log_level) logger.level = next.log_level;
  });

  await installObservability(ctx);
  installAdmin(ctx);
  const gateway = new Gateway(ctx);
  ctx.services.gateway = gateway;

  const cfg = config.current;
  const server = createServer(
    {
      // Node refuses a request timeout shorter than the headers timeout.
      requestTimeout: Math.max(cfg.request_timeout_ms, cfg.headers_timeout_ms),
      headersTimeout: cfg.headers_timeout_ms,
      keepAliveTimeout: cfg.keep_alive_timeout_ms,
      maxHeaderSize: MAX_HEADER_BYTES,
      // Both timeouts are only enforced when Node sweeps its connections (every 30 s by
      // default), which let a header-dripping client hold a socket 30 s past the limit.
      connectionsCheckingInterval: Math.max(25, Math.min(1000, Math.floor(cfg.headers_timeout_ms / 4))),
    },
    (req, res) => dispatch(ctx, gateway, req, res),
  );
  // Slow-loris guard: the whole header block must arrive within headers_timeout_ms.
  server.headersTimeout = cfg.headers_timeout_ms;
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    s.setNoDelay(true);
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (socket.writable) socket.end(clientErrorResponse(err.code));
    else socket.destroy();
  });

  const bind = parseBindAddr(cfg.bind_addr);
  if (!bind) throw new Error(`invalid bind_addr ${cfg.bind_addr}`);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(bind.port, bind.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const hostForUrl = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const url = `http://${hostForUrl}:${addr.port}`;
  ctx.selfOrigins.add(url);
  ctx.selfOrigins.add(`http://localhost:${addr.port}`);
  ctx.selfOrigins.add(`http://127.0.0.1:${addr.port}`);
  logger.info({ url, config: config.path, version: VERSION }, 'tresor listening');
  if (cfg.socket_path) {
    try {
      ctx.closers.push(await listenAdminSocket(ctx, cfg.socket_path));
    } catch (e) {
      server.close();
      throw e;
    }
  }
  // Hand edits of the file apply live from here on.
  config.watch(logger);

  let closing: Promise<void> | undefined;
  const close = (graceMs = config.current.shutdown_grace_ms): Promise<void> => {
    closing ??= (async () => {
      ctx.draining = true;
      server.close();
      server.closeIdleConnections();
      for (const fn of ctx.drainHooks) fn();
      await gateway.drain(graceMs);
      for (const s of sockets) s.destroy();
      for (const fn of ctx.closers.reverse()) {
        try {
          await fn();
        } catch (e) {
          logger.error({ err: (e as Error).message }, 'error while closing');
        }
      }
      config.close();
      logger.info('tresor stopped');
      logger.flush?.();
    })();
    return closing;
  };

  return { ctx, server, url, port: addr.port, close };
}

/** Request headers (request line included) larger than this get 431. */
const MAX_HEADER_BYTES = 64 * 1024;

/** The raw answer to a request Node's parser refused, before any handler saw it. */
function clientErrorResponse(code: string | undefined): string {
  const [status, text] =
    code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large']
      : code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout']
        : [400, 'Bad Request'];
  const body = JSON.stringify({ error: text.toLowerCase() });
  return `HTTP/1.1 ${status} ${text}\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`;
}

function dispatch(ctx: AppContext, gateway: Gateway, req: IncomingMessage, res: ServerResponse): void {
  const rawUrl = req.url ?? '/';
  const q = rawUrl.indexOf('?');
  const path = q === -1 ? rawUrl : rawUrl.slice(0, q);
  if (rawUrl.length > MAX_URL_LENGTH && !gateway.handles(path)) {
    // gateway paths answer this in the client's format (Gateway.serve)
    req.resume();
    sendJson(res, 414, { error: `URL longer than ${MAX_URL_LENGTH} characters` });
    return;
  }
  if (gateway.handles(path)) {
    gateway.handle(req, res, path, q === -1 ? '' : rawUrl.slice(q + 1));
    return;
  }
  if (path === '/metrics' || path === '/api' || path.startsWith('/api/')) {
    void handleAdmin(ctx, req, res, path, new URLSearchParams(q === -1 ? '' : rawUrl.slice(q + 1)));
    return;
  }
  if (req.method === 'GET' || req.method === 'HEAD') {
    if (serveStatic(req, res, path)) return;
  }
  sendJson(res, 404, { error: `not found: ${req.method} ${path}` });
}
