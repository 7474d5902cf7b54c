import type { AppContext } from '../app/context.js';
import { installAliasRoutes } from './aliases.js';
import { installAuthRoutes } from './auth.js';
import { installDownstreamRoutes } from './downstreams.js';
import { installRuleRoutes } from './rules.js';
import { installSettingsRoutes } from './settings.js';

/** Register every admin API route on ctx.adminRouter. */
export function installAdmin(ctx: AppContext): void {
  const r = ctx.adminRouter;
  r.get('/api/health', () => ({ body: { status: ctx.draining ? 'draining' : 'ok' }, status: ctx.draining ? 503 : 200 }), { public: true });
  r.get('/api/version', () => ({ body: { version: ctx.version, node: process.versions.node } }), { public: true });
  r.get('/api/plugins', () => ({ body: ctx.plugins.list() }));
  installAuthRoutes(ctx);
  installSettingsRoutes(ctx);
  installDownstreamRoutes(ctx);
  installAliasRoutes(ctx);
  installRuleRoutes(ctx);
}
