import type { AppContext } from '../app/context.js';

/** Register every admin API route on ctx.adminRouter. */
export function installAdmin(ctx: AppContext): void {
  const r = ctx.adminRouter;
  r.get('/api/health', () => ({ body: { status: ctx.draining ? 'draining' : 'ok' }, status: ctx.draining ? 503 : 200 }), { public: true });
  r.get('/api/version', () => ({ body: { version: ctx.version, node: process.versions.node } }), { public: true });
  r.get('/api/plugins', () => ({ body: ctx.plugins.list() }));
}
