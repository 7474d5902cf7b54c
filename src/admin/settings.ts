import { z } from 'zod';
import type { AppContext } from '../app/context.js';
import { updateSettings } from '../config/edits/settings.js';
import { adminAuth } from './auth.js';
import { presentSettings } from './present.js';
import { ApiError } from './router.js';
import { changeConfig } from './write.js';

const settingsBody = z.record(z.string(), z.unknown());

export function installSettingsRoutes(ctx: AppContext): void {
  const r = ctx.adminRouter;

  r.get('/api/config', () => ({ body: presentSettings(ctx) }));

  /**
   * Partial update of the settings; `null` removes an optional one. Changing the admin
   * password ends every session and gives the caller a new one (so a web UI stays logged in).
   */
  r.put('/api/config', async (req) => {
    const parsed = settingsBody.safeParse(req.body ?? {});
    if (!parsed.success) throw new ApiError(400, 'the body must be a JSON object of settings');
    const change = await changeConfig(ctx, (draft, current) => updateSettings(draft, current, parsed.data));
    const headers: Record<string, string> = {};
    if (change.password_changed) {
      const auth = adminAuth(ctx);
      auth.revokeAll();
      if (ctx.config.current.admin_password) headers['set-cookie'] = auth.issueSession(req).cookie;
    }
    return { body: { ...presentSettings(ctx), changed: change.changed }, headers };
  });
}
