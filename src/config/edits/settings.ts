import type { Config } from '../schema.js';
import type { RawConfig } from '../manager.js';
import { containsMask, restoreMasked } from '../secrets.js';
import { EditError, type RawMap } from './common.js';

/** Settings the API may change; the rest of the file's top-level keys are edited by hand. */
export const WRITABLE_SETTINGS = [
  'log_level',
  'proxy_api_keys',
  'admin_password',
  'capture_payloads',
  'retry_on_empty',
  'proxy_mode',
  'cors_origins',
  'metrics_token',
  'fallback_deadline_ms',
  'session_ttl_hours',
] as const;

/** Settings shown by GET /api/config but only changed in the file (they need a restart). */
export const READ_ONLY_SETTINGS = ['bind_addr', 'db_path', 'socket_path'] as const;

/** The admin password never shows, even in part: `…` stands for "set", and sending it back keeps it. */
export const PASSWORD_MASK = '…';

export const SECRET_SETTINGS = new Set(['admin_password', 'proxy_api_keys', 'metrics_token']);

/** Which settings were changed, and whether the admin password was among them. */
export interface SettingsChange {
  changed: string[];
  password_changed: boolean;
}

export function updateSettings(draft: RawConfig, current: Config, patch: RawMap): SettingsChange {
  const restored = restoreMasked(patch, draft, current) as RawMap;
  const changed: string[] = [];
  for (const [k, v] of Object.entries(restored)) {
    if ((READ_ONLY_SETTINGS as readonly string[]).includes(k))
      throw new EditError(400, `${k} is changed in the config file (it takes effect after a restart)`, k);
    if (!(WRITABLE_SETTINGS as readonly string[]).includes(k)) throw new EditError(400, `unknown setting "${k}"`, k);
    if (v === undefined || (k === 'admin_password' && v === PASSWORD_MASK)) continue;
    if (SECRET_SETTINGS.has(k) && containsMask(v)) throw new EditError(400, `${k} holds a masked value that matches no stored secret; send the real value`, k);
    const before = draft[k];
    if (v === null || (k === 'admin_password' && v === '')) delete draft[k];
    else draft[k] = v;
    if (JSON.stringify(before) !== JSON.stringify(draft[k])) changed.push(k);
  }
  return { changed, password_changed: changed.includes('admin_password') };
}
