import type { Attempt, LogEntry, UsageCounts } from './types.js';
import { bytesOf } from '../util/byte-slabs.js';
import { ScratchBuffer } from '../util/scratch-buffer.js';

/**
 * A log entry as JSON, written field by field as UTF-8 straight into `out` from `at`: what
 * JSON.stringify(entry) gives (the same fields, in the order of LogEntry's declaration,
 * undefined ones left out), encoded, without making a string. Returns where it ended.
 * `out` must have entryRoom(e, state) bytes from `at` on. `state` is written instead of the
 * entry's own (a stream's start is sent to live viewers as `"started"`, without a copy).
 *
 * Why bytes: the JSON built as a string (even written out field by field instead of by
 * JSON.stringify, which on Node 20 looks up `toJSON` on each of the entry's objects) was
 * ~5 KB of short-lived strings per request, and kept in the ring and the pending batch it
 * outlived scavenges and was promoted (~2 KB a request): most of what logging cost the daemon
 * was garbage collection (bench/gc-by-mode.ts). The bytes go where they are kept (EntryLog).
 *
 * Every field must be written here: ENTRY_FIELDS, ATTEMPT_FIELDS and USAGE_FIELDS fail to
 * compile when a type gains a field they do not list, and the tests compare the output with
 * JSON.stringify for entries with every field set.
 */
export function writeEntry(e: LogEntry, out: Uint8Array, at: number, state: LogEntry['state'] = e.state): number {
  at = strField(out, at, K.open, e.id);
  at = strField(out, at, K.time, e.time);
  at = strField(out, at, K.clientAddr, e.client_addr);
  at = strOrNullField(out, at, K.clientFormat, e.client_format);
  at = strField(out, at, K.path, e.path);
  at = strOrNullField(out, at, K.model, e.model);
  at = strOrNullField(out, at, K.downstreamId, e.downstream_id);
  at = strOrNullField(out, at, K.outputModel, e.output_model);
  if (e.alias_option_id !== undefined) at = strOrNullField(out, at, K.aliasOptionId, e.alias_option_id);
  if (e.rules !== undefined) at = stringsField(out, at, K.rules, e.rules);
  at = numField(out, at, e.stream ? K.streamTrue : K.streamFalse, e.status);
  at = strOrNullField(out, at, K.error, e.error);
  at = key(out, at, K.ttfbMs);
  at = e.ttfb_ms === null ? key(out, at, K.null) : jsonNumber(out, at, e.ttfb_ms);
  at = numField(out, at, K.durationMs, e.duration_ms);
  const u = e.usage;
  at = numField(out, at, K.usage, u.input_tokens);
  at = numField(out, at, K.outputTokens, u.output_tokens);
  at = numField(out, at, K.cacheReadTokens, u.cache_read_tokens);
  at = numField(out, at, K.cacheCreationTokens, u.cache_creation_tokens);
  at = numField(out, at, K.reasoningTokens, u.reasoning_tokens);
  at = stringsField(out, at, K.plugins, e.plugins);
  at = key(out, at, K.attempts);
  for (let i = 0; i < e.attempts.length; i++) {
    const a = e.attempts[i];
    at = strField(out, at, i > 0 ? K.nextAttempt : K.firstAttempt, a.downstream_id);
    if (a.option_id !== undefined) at = strField(out, at, K.optionId, a.option_id);
    at = numField(out, at, K.status, a.status);
    if (a.error !== undefined) at = strField(out, at, K.error, a.error);
    at = numField(out, at, K.durationMs, a.duration_ms);
    out[at++] = 0x7d; // }
  }
  out[at++] = 0x5d; // ]
  if (state !== undefined) at = strField(out, at, K.state, state);
  out[at++] = 0x7d; // }
  return at;
}

/**
 * Bytes writeEntry may need for `e` (a bound, cheap to compute: a character takes at most 6
 * bytes, `\u001f` or a lone surrogate escaped; a number at most 24).
 */
export function entryRoom(e: LogEntry, state: LogEntry['state'] = e.state): number {
  let chars =
    e.id.length +
    e.time.length +
    e.client_addr.length +
    e.path.length +
    lengthOf(e.client_format) +
    lengthOf(e.model) +
    lengthOf(e.downstream_id) +
    lengthOf(e.output_model) +
    lengthOf(e.alias_option_id) +
    lengthOf(e.error) +
    lengthOf(state);
  let names = e.plugins.length;
  for (const p of e.plugins) chars += p.length;
  if (e.rules) {
    names += e.rules.length;
    for (const r of e.rules) chars += r.length;
  }
  for (const a of e.attempts) chars += a.downstream_id.length + lengthOf(a.option_id) + lengthOf(a.error);
  // (a list member's quotes and comma; an attempt's names and numbers)
  return ENTRY_ROOM + 3 * names + ATTEMPT_ROOM * e.attempts.length + 6 * chars;
}

/** Field names, punctuation, literals and the entry's eight numbers (24 bytes each at most). */
const ENTRY_ROOM = 768;
/** An attempt's names, punctuation and two numbers. */
const ATTEMPT_ROOM = 160;

function lengthOf(s: string | null | undefined): number {
  return s ? s.length : 0;
}

/** Where entryJson writes (grown when an entry needs more). */
const scratch = new ScratchBuffer(16 * 1024);

/** The entry's JSON as a string (what writeEntry writes, decoded): for what is not on the request path. */
export function entryJson(e: LogEntry): string {
  const out = scratch.take(entryRoom(e));
  return out.toString('utf8', 0, writeEntry(e, out, 0));
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

const LINE_START = Buffer.from(REQUEST_LINE_START);

/**
 * Where writeRequestLines() starts in `jsonl`, JSON lines `n` in all, to begin at the `from`-th
 * (`from` < `n`), and how many bytes it writes from there.
 */
export function requestLinesRoom(jsonl: Uint8Array, n: number, from: number): { at: number; size: number } {
  const src = bytesOf(jsonl);
  let at = 0;
  for (let i = 0; i < from; i++) at = src.indexOf(0x0a, at) + 1;
  // (each line loses the entry's "{" and gains the line's start)
  return { at, size: src.length - at + (LINE_START.length - 1) * (n - from) };
}

/**
 * requestLogLine() of each entry of `jsonl` (JSON lines as UTF-8) from byte `at` on (see
 * requestLinesRoom), as UTF-8 written into `out` at `o`; the offset after them. Made by copying
 * bytes (on the write thread: no strings for its garbage collector).
 */
export function writeRequestLines(jsonl: Uint8Array, at: number, out: Buffer, o: number): number {
  const src = bytesOf(jsonl);
  while (at < src.length) {
    const next = src.indexOf(0x0a, at) + 1;
    o += LINE_START.copy(out, o);
    o += src.copy(out, o, at + 1, next);
    at = next;
  }
  return o;
}

function ascii(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

/** The JSON's fixed text (field names, punctuation, literals) as bytes: copied with one set() each. */
const K = {
  aliasOptionId: ascii(',"alias_option_id":'),
  attempts: ascii(',"attempts":['),
  cacheCreationTokens: ascii(',"cache_creation_tokens":'),
  cacheReadTokens: ascii(',"cache_read_tokens":'),
  clientAddr: ascii(',"client_addr":'),
  clientFormat: ascii(',"client_format":'),
  downstreamId: ascii(',"downstream_id":'),
  durationMs: ascii(',"duration_ms":'),
  error: ascii(',"error":'),
  firstAttempt: ascii('{"downstream_id":'),
  model: ascii(',"model":'),
  nextAttempt: ascii(',{"downstream_id":'),
  null: ascii('null'),
  open: ascii('{"id":'),
  optionId: ascii(',"option_id":'),
  outputModel: ascii(',"output_model":'),
  outputTokens: ascii(',"output_tokens":'),
  path: ascii(',"path":'),
  plugins: ascii('},"plugins":'),
  reasoningTokens: ascii(',"reasoning_tokens":'),
  rules: ascii(',"rules":'),
  state: ascii(',"state":'),
  status: ascii(',"status":'),
  streamFalse: ascii(',"stream":false,"status":'),
  streamTrue: ascii(',"stream":true,"status":'),
  time: ascii(',"time":'),
  ttfbMs: ascii(',"ttfb_ms":'),
  usage: ascii(',"usage":{"input_tokens":'),
};

/** A field: its name (with what comes before it) and its value. */
function strField(out: Uint8Array, at: number, k: Uint8Array, s: string): number {
  return str(out, key(out, at, k), s);
}

function strOrNullField(out: Uint8Array, at: number, k: Uint8Array, s: string | null): number {
  return strOrNull(out, key(out, at, k), s);
}

function numField(out: Uint8Array, at: number, k: Uint8Array, n: number): number {
  return jsonNumber(out, key(out, at, k), n);
}

function stringsField(out: Uint8Array, at: number, k: Uint8Array, list: readonly string[]): number {
  return strings(out, key(out, at, k), list);
}

function key(out: Uint8Array, at: number, k: Uint8Array): number {
  out.set(k, at);
  return at + k.length;
}

/** ASCII text as is (what String(number) gives). */
function raw(out: Uint8Array, at: number, s: string): number {
  for (let i = 0; i < s.length; i++) out[at++] = s.charCodeAt(i);
  return at;
}

const HEX = '0123456789abcdef';

/** `\u` and four lower-case hex digits, as JSON.stringify escapes. */
function escaped(out: Uint8Array, at: number, c: number): number {
  out[at++] = 0x5c;
  out[at++] = 0x75;
  out[at++] = HEX.charCodeAt(c >> 12);
  out[at++] = HEX.charCodeAt((c >> 8) & 15);
  out[at++] = HEX.charCodeAt((c >> 4) & 15);
  out[at++] = HEX.charCodeAt(c & 15);
  return at;
}

/** The short escapes JSON.stringify uses, by character code (0: none). */
const SHORT_ESCAPE = new Uint8Array(0x5d);
SHORT_ESCAPE[0x08] = 0x62; // \b
SHORT_ESCAPE[0x09] = 0x74; // \t
SHORT_ESCAPE[0x0a] = 0x6e; // \n
SHORT_ESCAPE[0x0c] = 0x66; // \f
SHORT_ESCAPE[0x0d] = 0x72; // \r
SHORT_ESCAPE[0x22] = 0x22; // \"
SHORT_ESCAPE[0x5c] = 0x5c; // \\

/**
 * A JSON string as UTF-8: quotes, backslashes and control characters escaped, lone surrogates
 * as `\udxxx` (as JSON.stringify does), everything else encoded.
 */
function str(out: Uint8Array, at: number, s: string): number {
  out[at++] = 0x22;
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      if (c >= 0x20 && c !== 0x22 && c !== 0x5c) out[at++] = c;
      else if (SHORT_ESCAPE[c] === 0) at = escaped(out, at, c);
      else {
        out[at++] = 0x5c;
        out[at++] = SHORT_ESCAPE[c];
      }
    } else if (c < 0x800) {
      out[at++] = 0xc0 | (c >> 6);
      out[at++] = 0x80 | (c & 0x3f);
    } else if (c < 0xd800 || c > 0xdfff) {
      out[at++] = 0xe0 | (c >> 12);
      out[at++] = 0x80 | ((c >> 6) & 0x3f);
      out[at++] = 0x80 | (c & 0x3f);
    } else {
      const d = i + 1 < n ? s.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        out[at++] = 0xf0 | (cp >> 18);
        out[at++] = 0x80 | ((cp >> 12) & 0x3f);
        out[at++] = 0x80 | ((cp >> 6) & 0x3f);
        out[at++] = 0x80 | (cp & 0x3f);
        i++;
      } else {
        at = escaped(out, at, c);
      }
    }
  }
  out[at++] = 0x22;
  return at;
}

function strOrNull(out: Uint8Array, at: number, s: string | null): number {
  return s === null ? key(out, at, K.null) : str(out, at, s);
}

function strings(out: Uint8Array, at: number, list: readonly string[]): number {
  out[at++] = 0x5b;
  for (let i = 0; i < list.length; i++) {
    if (i > 0) out[at++] = 0x2c;
    at = str(out, at, list[i]);
  }
  out[at++] = 0x5d;
  return at;
}

/** A number as JSON writes it: integers digit by digit, others as JavaScript prints them, non-finite ones as null. */
export function jsonNumber(out: Uint8Array, at: number, n: number): number {
  if (!Number.isFinite(n)) return key(out, at, K.null);
  if (!Number.isInteger(n) || n >= 1e15 || n <= -1e15) return raw(out, at, `${n}`);
  if (n < 0) {
    out[at++] = 0x2d;
    n = -n;
  }
  let digits = 1;
  for (let t = n; t >= 10; t = Math.floor(t / 10)) digits++;
  at += digits;
  for (let i = at - 1, t = n; i >= at - digits; i--, t = Math.floor(t / 10)) out[i] = 0x30 + (t % 10);
  return at;
}

/** The fields writeEntry writes, in order; the `satisfies` clauses below keep them complete. */
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
