import type { CommandContext } from './commands.js';
import { noExtraPositionals, parseCommandArgs, printJson, requirePositionals, UsageError } from './io.js';

export const CONFIG_USAGE = `Usage: tresor config <command> [--json]

  show                           the running settings (secrets masked)
  set KEY VALUE [KEY VALUE]...   change settings: log_level, proxy_api_keys (comma-separated),
                                 admin_password, capture_payloads, retry_on_empty, proxy_mode,
                                 cors_origins, metrics_token, fallback_deadline_ms,
                                 session_ttl_hours; VALUE "null" (or "") removes an optional one
`;

const LIST_KEYS = new Set(['proxy_api_keys', 'cors_origins']);
const BOOL_KEYS = new Set(['capture_payloads', 'retry_on_empty']);
const NUMBER_KEYS = new Set(['fallback_deadline_ms', 'session_ttl_hours']);

/** A command-line string as the setting's JSON value. */
function settingValue(key: string, value: string): unknown {
  if (value === 'null' || value === '') return null;
  if (LIST_KEYS.has(key)) {
    return value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  }
  if (BOOL_KEYS.has(key)) {
    if (value === 'true' || value === 'false') return value === 'true';
    throw new UsageError(`${key} takes true or false`, CONFIG_USAGE);
  }
  if (NUMBER_KEYS.has(key)) {
    const n = Number(value);
    if (!Number.isFinite(n)) throw new UsageError(`${key} takes a number`, CONFIG_USAGE);
    return n;
  }
  return value;
}

function showValue(v: unknown): string {
  if (v === null || v === undefined) return '-';
  if (Array.isArray(v)) return v.length ? v.join(', ') : '[]';
  return String(v);
}

export async function runConfig(args: string[], c: CommandContext): Promise<void> {
  const [command, ...rest] = args;
  const u = CONFIG_USAGE;
  switch (command) {
    case 'show': {
      const p = parseCommandArgs(rest, {}, u);
      noExtraPositionals(p, 0, u);
      const s = (await c.client().expect('GET', '/api/config')) as Record<string, unknown>;
      if (p.json) return printJson(c.io, s);
      const width = Math.max(...Object.keys(s).map((k) => k.length));
      c.io.stdout.write(
        Object.entries(s)
          .map(([k, v]) => `${k.padEnd(width)}  ${showValue(v)}`)
          .join('\n') + '\n',
      );
      return;
    }
    case 'set': {
      const p = parseCommandArgs(rest, {}, u);
      requirePositionals(p, ['KEY', 'VALUE'], u);
      if (p.positionals.length % 2 !== 0) throw new UsageError('give KEY VALUE pairs', u);
      const body: Record<string, unknown> = {};
      for (let i = 0; i < p.positionals.length; i += 2) body[p.positionals[i]] = settingValue(p.positionals[i], p.positionals[i + 1]);
      const s = (await c.client().expect('PUT', '/api/config', body)) as { changed: string[] };
      if (p.json) return printJson(c.io, s);
      c.io.stdout.write(s.changed.length ? `changed ${s.changed.join(', ')}\n` : 'nothing changed\n');
      return;
    }
    default:
      throw new UsageError(command ? `unknown config command "${command}"` : 'missing config command', u);
  }
}
