import type { Attempt, LogEntry, UsageCounts } from './types.js';

/**
 * A log entry as JSON, written field by field: what JSON.stringify(entry) gives (the same
 * fields, in the order of LogEntry's declaration, undefined ones left out), at a fraction of
 * its cost. On Node 20, JSON.stringify looks up `toJSON` on every object it meets; for an
 * entry (five objects and arrays) that was ~2 µs of the ~7 µs the observer spends on a
 * request on the event loop (bench/observer-cost.ts).
 *
 * Every field must be written here: ENTRY_FIELDS, ATTEMPT_FIELDS and USAGE_FIELDS fail to
 * compile when a type gains a field they do not list, and the tests compare entryJson with
 * JSON.stringify for entries with every field set.
 */
export function entryJson(e: LogEntry): string {
  let out =
    `{"id":${str(e.id)},"time":${str(e.time)},"client_addr":${str(e.client_addr)},"client_format":${strOrNull(e.client_format)}` +
    `,"path":${str(e.path)},"model":${strOrNull(e.model)},"downstream_id":${strOrNull(e.downstream_id)},"output_model":${strOrNull(e.output_model)}`;
  if (e.alias_option_id !== undefined) out += `,"alias_option_id":${strOrNull(e.alias_option_id)}`;
  if (e.rules !== undefined) out += `,"rules":${strings(e.rules)}`;
  out +=
    `,"stream":${e.stream},"status":${num(e.status)},"error":${strOrNull(e.error)},"ttfb_ms":${numOrNull(e.ttfb_ms)},"duration_ms":${num(e.duration_ms)}` +
    `,"usage":${usageJson(e.usage)},"plugins":${strings(e.plugins)},"attempts":${attempts(e.attempts)}`;
  if (e.state !== undefined) out += `,"state":${str(e.state)}`;
  return out + '}';
}

/** How a request's stdout line starts: pino's level and message, then the entry's fields. */
const REQUEST_LINE_START = '{"level":"info","msg":"request",';

/**
 * The stdout line for a finished request: the log entry itself (the JSON the request log
 * stores, `time` being when the request arrived) with pino's `level` and `msg`, so it reads
 * like the daemon's other lines. Built from the entry's JSON, which the observer makes anyway,
 * instead of serializing a second object per request. The entry holds no secret: it needs no
 * redaction.
 */
export function requestLogLine(entryJson: string): string {
  return `${REQUEST_LINE_START}${entryJson.slice(1)}\n`;
}

/** requestLogLine() of each entry of JSON lines (each JSON and a newline), from the `from`-th on. */
export function requestLines(jsonl: string, from = 0): string {
  let out = '';
  for (let at = 0, i = 0; at < jsonl.length; i++) {
    const next = jsonl.indexOf('\n', at) + 1;
    if (i >= from) out += REQUEST_LINE_START + jsonl.slice(at + 1, next);
    at = next;
  }
  return out;
}

function usageJson(u: UsageCounts): string {
  return (
    `{"input_tokens":${num(u.input_tokens)},"output_tokens":${num(u.output_tokens)},"cache_read_tokens":${num(u.cache_read_tokens)}` +
    `,"cache_creation_tokens":${num(u.cache_creation_tokens)},"reasoning_tokens":${num(u.reasoning_tokens)}}`
  );
}

function attempts(list: readonly Attempt[]): string {
  let out = '[';
  for (let i = 0; i < list.length; i++) {
    const a = list[i];
    if (i > 0) out += ',';
    out += `{"downstream_id":${str(a.downstream_id)}`;
    if (a.option_id !== undefined) out += `,"option_id":${str(a.option_id)}`;
    out += `,"status":${num(a.status)}`;
    if (a.error !== undefined) out += `,"error":${str(a.error)}`;
    out += `,"duration_ms":${num(a.duration_ms)}}`;
  }
  return out + ']';
}

function strings(list: readonly string[]): string {
  let out = '[';
  for (let i = 0; i < list.length; i++) out += (i > 0 ? ',' : '') + str(list[i]);
  return out + ']';
}

/** What JSON needs escaped: quotes, backslashes, control characters, and lone surrogates (which JSON.stringify escapes). */
// eslint-disable-next-line no-control-regex -- control characters are exactly what must be found
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

function str(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`;
}

function strOrNull(s: string | null): string {
  return s === null ? 'null' : str(s);
}

function num(n: number): string {
  return Number.isFinite(n) ? `${n}` : 'null';
}

function numOrNull(n: number | null): string {
  return n === null ? 'null' : num(n);
}

/** The fields entryJson writes, in order; the `satisfies` clauses below keep them complete. */
export const ENTRY_FIELDS = [
  'id',
  'time',
  'client_addr',
  'client_format',
  'path',
  'model',
  'downstream_id',
  'output_model',
  'alias_option_id',
  'rules',
  'stream',
  'status',
  'error',
  'ttfb_ms',
  'duration_ms',
  'usage',
  'plugins',
  'attempts',
  'state',
] as const satisfies readonly (keyof LogEntry)[];
export const ATTEMPT_FIELDS = ['downstream_id', 'option_id', 'status', 'error', 'duration_ms'] as const satisfies readonly (keyof Attempt)[];
export const USAGE_FIELDS = [
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_creation_tokens',
  'reasoning_tokens',
] as const satisfies readonly (keyof UsageCounts)[];

/** `true` only when `List` names every key of `T` (a compile error below otherwise). */
type Lists<T, List extends readonly unknown[]> = [Exclude<keyof T, List[number]>] extends [never] ? true : false;
const complete: [Lists<LogEntry, typeof ENTRY_FIELDS>, Lists<Attempt, typeof ATTEMPT_FIELDS>, Lists<UsageCounts, typeof USAGE_FIELDS>] = [true, true, true];
void complete;
