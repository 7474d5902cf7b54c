import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Where a command writes, and the environment it reads (tests pass their own). */
export interface CliIO {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
  env: NodeJS.ProcessEnv;
}

export function processIO(): CliIO {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env };
}

/** Exit 2: the command line itself is wrong. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly usage?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Exit 1: the operation failed (the daemon refused, or is not running). */
export class CommandFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommandFailed';
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

export interface ParsedArgs {
  positionals: string[];
  values: Record<string, string | boolean | string[] | undefined>;
  json: boolean;
}

/** Parse one command's arguments; `--json` is accepted by every command. Unknown flags are usage errors. */
export function parseCommandArgs(args: string[], options: Options, usage: string): ParsedArgs {
  try {
    const { values, positionals } = parseArgs({ args, options: { ...options, json: { type: 'boolean' } }, allowPositionals: true, strict: true });
    const v = values as ParsedArgs['values'];
    return { positionals, values: v, json: v.json === true };
  } catch (e) {
    throw new UsageError((e as Error).message.split('\n')[0], usage);
  }
}

export function requirePositionals(p: ParsedArgs, names: string[], usage: string): string[] {
  if (p.positionals.length < names.length) throw new UsageError(`missing ${names.slice(p.positionals.length).join(', ')}`, usage);
  return p.positionals;
}

export function noExtraPositionals(p: ParsedArgs, count: number, usage: string): void {
  if (p.positionals.length > count) throw new UsageError(`unexpected argument "${p.positionals[count]}"`, usage);
}

/** `--model a,b --model c` → [a, b, c]. */
export function listOption(v: string | boolean | string[] | undefined): string[] | undefined {
  if (v === undefined || typeof v === 'boolean') return undefined;
  const parts = (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(','));
  return parts.map((s) => s.trim()).filter(Boolean);
}

export function stringOption(v: string | boolean | string[] | undefined): string | undefined {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v[v.length - 1];
  return undefined;
}

/** `true`/`false`/`yes`/`no` as a flag value. */
export function boolOption(v: string | boolean | string[] | undefined, name: string, usage: string): boolean | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'boolean') return v;
  const s = stringOption(v)?.toLowerCase();
  if (s === 'true' || s === 'yes' || s === '1' || s === 'on') return true;
  if (s === 'false' || s === 'no' || s === '0' || s === 'off') return false;
  throw new UsageError(`--${name} takes true or false`, usage);
}

/** `k=v` pairs (`--header x-a=1 --header x-b=2`) as an object. */
export function pairsOption(v: string | boolean | string[] | undefined, name: string, usage: string): Record<string, string> | undefined {
  if (v === undefined || typeof v === 'boolean') return undefined;
  const out: Record<string, string> = {};
  for (const item of Array.isArray(v) ? v : [v]) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`--${name} takes KEY=VALUE, got "${item}"`, usage);
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

export function jsonOption(v: string | boolean | string[] | undefined, name: string, usage: string): unknown {
  const s = stringOption(v);
  if (s === undefined) return undefined;
  try {
    return JSON.parse(s);
  } catch {
    throw new UsageError(`--${name} must be JSON`, usage);
  }
}

/** Columns aligned with two spaces; the header in capitals. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

export function printJson(io: CliIO, value: unknown): void {
  io.stdout.write(JSON.stringify(value, null, 2) + '\n');
}
