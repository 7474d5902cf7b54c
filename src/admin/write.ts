import type { AppContext } from '../app/context.js';
import type { Config } from '../config/schema.js';
import { ConfigConflictError, ConfigInvalidError, ConfigWriteError, type RawConfig } from '../config/manager.js';
import { EditError, type EditScope } from '../config/edits/common.js';
import { ApiError } from './router.js';

/**
 * Run a config change through the manager (validated, written to the file, then applied) and
 * turn its refusals into API errors: an invalid file on disk → 409, an invalid result → 400
 * naming the field, an unwritable file → 500 with the reason; an EditError keeps its status.
 */
export async function changeConfig<T>(ctx: AppContext, change: (draft: RawConfig, current: Config, scope: EditScope) => T): Promise<T> {
  const scope: EditScope = {};
  try {
    return await ctx.config.mutate((draft, current) => change(draft, current, scope));
  } catch (e) {
    throw toApiError(e, scope);
  }
}

export function toApiError(e: unknown, scope: EditScope = {}): unknown {
  if (e instanceof EditError) return new ApiError(e.status, e.message, e.field, e.extra);
  if (e instanceof ConfigConflictError) return new ApiError(409, e.message, undefined, { problems: e.problems });
  if (e instanceof ConfigWriteError) return new ApiError(500, e.message, undefined, e.code ? { code: e.code } : undefined);
  if (e instanceof ConfigInvalidError) {
    const scopes = [scope.prefix, scope.outer].filter((s): s is string => s !== undefined);
    const issue = e.issues.find((i) => scopes.some((s) => within(i.path, s))) ?? e.issues[0];
    const at = scopes.find((s) => within(issue.path, s));
    const field = at !== undefined ? issue.path.slice(at.length).replace(/^\./, '') || undefined : issue.path;
    return new ApiError(400, `${field ?? issue.path}: ${issue.message}`, field, { problems: e.issues.map((i) => `${i.path}: ${i.message}`) });
  }
  return e;
}

/** Is `path` the entity at `prefix` or inside it (`rules[1]` holds `rules[1].id`, not `rules[10]`)? */
function within(path: string, prefix: string | undefined): boolean {
  if (!prefix) return false;
  return path === prefix || path.startsWith(prefix + '.') || path.startsWith(prefix + '[');
}
