import type { AliasGroup, AuthStatus, Downstream, LogDetail, LogEntry, PluginInfo, Rule, Settings, StatsRow } from './types.js';

/** A failed admin call: the server's own message, and the field it blames when it names one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type Listener = () => void;
const expiredListeners = new Set<Listener>();

/** Called when any call answers 401: the session is gone, the app shows the login again. */
export function onSessionExpired(fn: Listener): () => void {
  expiredListeners.add(fn);
  return () => expiredListeners.delete(fn);
}

/** The server's error text, falling back to the status line when the body has none. */
async function errorFrom(res: Response): Promise<ApiError> {
  let message = `${res.status} ${res.statusText}`.trim();
  let field: string | undefined;
  try {
    const text = await res.text();
    try {
      const j = JSON.parse(text) as { error?: unknown; field?: unknown };
      if (typeof j.error === 'string') message = j.error;
      else if (j.error && typeof j.error === 'object' && typeof (j.error as { message?: unknown }).message === 'string')
        message = (j.error as { message: string }).message;
      if (typeof j.field === 'string') field = j.field;
    } catch {
      if (text.trim()) message = `${res.status}: ${text.trim().slice(0, 300)}`;
    }
  } catch {
    /* body unreadable: keep the status line */
  }
  return new ApiError(res.status, message, field);
}

export async function request<T>(method: string, path: string, body?: unknown, opts: { noExpire?: boolean } = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: body === undefined ? { accept: 'application/json' } : { 'content-type': 'application/json', accept: 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    });
  } catch (e) {
    throw new ApiError(0, `cannot reach the Tresor daemon (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!res.ok) {
    const err = await errorFrom(res);
    if (res.status === 401 && !opts.noExpire) for (const fn of expiredListeners) fn();
    throw err;
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  if (!text) return undefined as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new ApiError(res.status, `the daemon answered ${method} ${path} with something that is not JSON`);
  }
}

const enc = encodeURIComponent;

/** Lists may come bare or wrapped ({downstreams: [...]}); the UI accepts both. */
function listOf<T>(v: unknown, key: string): T[] {
  if (Array.isArray(v)) return v as T[];
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    for (const k of [key, 'items', 'data']) if (Array.isArray(o[k])) return o[k] as T[];
  }
  return [];
}

/** GET /api/auth/status → `{password_required, authenticated, loopback_only}`. */
function authStatusFrom(v: unknown): AuthStatus {
  const o = (v ?? {}) as { password_required?: unknown; authenticated?: unknown };
  return { passwordSet: o.password_required === true, authenticated: o.authenticated === true };
}

/** Model ids out of whatever list shape the provider discovery returns. */
export function modelIdsFrom(v: unknown): string[] {
  const raw = Array.isArray(v) ? v : listOf<unknown>(v, 'models');
  return raw
    .map((m) =>
      typeof m === 'string' ? m : m && typeof m === 'object' ? String((m as { id?: unknown; name?: unknown }).id ?? (m as { name?: unknown }).name ?? '') : '',
    )
    .map((s) => s.replace(/^models\//, ''))
    .filter(Boolean);
}

export const api = {
  authStatus: async (): Promise<AuthStatus> => authStatusFrom(await request('GET', '/api/auth/status', undefined, { noExpire: true })),
  login: (password: string) => request<unknown>('POST', '/api/auth/login', { password }, { noExpire: true }),
  logout: () => request<unknown>('POST', '/api/auth/logout', undefined, { noExpire: true }),
  version: () => request<{ version: string }>('GET', '/api/version'),

  settings: () => request<Settings>('GET', '/api/config'),
  saveSettings: (patch: Partial<Settings>) => request<Settings>('PUT', '/api/config', patch),

  downstreams: async () => listOf<Downstream>(await request('GET', '/api/downstreams'), 'downstreams'),
  createDownstream: (d: Partial<Downstream>) => request<Downstream>('POST', '/api/downstreams', d),
  updateDownstream: (id: string, d: Partial<Downstream>) => request<Downstream>('PUT', `/api/downstreams/${enc(id)}`, d),
  deleteDownstream: (id: string) => request<unknown>('DELETE', `/api/downstreams/${enc(id)}`),
  fetchModels: async (id: string) => modelIdsFrom(await request('POST', `/api/downstreams/${enc(id)}/fetch-models`, {})),

  aliases: async () => listOf<AliasGroup>(await request('GET', '/api/aliases'), 'groups'),
  createAlias: (o: {
    id: string;
    input_model_id: string;
    downstream_id: string;
    output_model_id: string;
    is_regex?: boolean;
    fallback?: boolean;
    is_active?: boolean;
  }) => request<unknown>('POST', '/api/aliases', o),
  updateAlias: (id: string, patch: Record<string, unknown>) => request<unknown>('PUT', `/api/aliases/${enc(id)}`, patch),
  deleteAlias: (id: string) => request<unknown>('DELETE', `/api/aliases/${enc(id)}`),
  activateAlias: (id: string) => request<unknown>('PUT', `/api/aliases/${enc(id)}/activate`, {}),
  deleteGroup: (input: string) => request<unknown>('DELETE', `/api/aliases/group/${enc(input)}`),
  reorderGroups: (order: string[]) => request<unknown>('POST', '/api/aliases/reorder', { order }),

  rules: async () => listOf<Rule>(await request('GET', '/api/rules'), 'rules'),
  createRule: (r: Rule) => request<Rule>('POST', '/api/rules', r),
  updateRule: (id: string, r: Partial<Rule>) => request<Rule>('PUT', `/api/rules/${enc(id)}`, r),
  deleteRule: (id: string) => request<unknown>('DELETE', `/api/rules/${enc(id)}`),
  plugins: async () => listOf<PluginInfo>(await request('GET', '/api/plugins'), 'plugins'),

  logs: async (q: Record<string, string | number | undefined>) => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') params.set(k, String(v));
    const r = await request<{ entries?: LogEntry[]; next_before?: string | number | null } | LogEntry[]>('GET', `/api/logs?${params}`);
    return Array.isArray(r) ? { entries: r, next_before: null } : { entries: r.entries ?? [], next_before: r.next_before ?? null };
  },
  log: (id: string) => request<LogDetail>('GET', `/api/logs/${enc(id)}`),

  stats: async (group_by: string, from: number, to: number) =>
    listOf<StatsRow>(await request('GET', `/api/stats?group_by=${group_by}&from=${from}&to=${to}`), 'rows'),
};
