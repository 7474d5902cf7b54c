import pino, { type Logger, type DestinationStream, type LoggerOptions } from 'pino';

/** Keys whose values never reach a log line. */
export const REDACT_PATHS = [
  'api_key',
  'api_keys',
  'admin_password',
  'password',
  'proxy_api_keys',
  'metrics_token',
  'authorization',
  '*.api_key',
  '*.api_keys',
  '*.authorization',
  '*.password',
  'headers.authorization',
  'headers["x-api-key"]',
  'headers["x-goog-api-key"]',
];

/** Line format shared by the daemon's logger and the request logger. */
const LINE_OPTIONS: LoggerOptions = {
  base: undefined,
  timestamp: pino.stdTimeFunctions.isoTime,
  formatters: { level: (label) => ({ level: label }) },
};

/**
 * The daemon's logger: JSON lines on stdout, or readable lines when stdout is a terminal.
 * Every line passes through redaction of the secret-bearing keys.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const dest = destination ?? (process.stdout.isTTY ? new PrettyDestination(process.stdout) : pino.destination({ dest: 1, sync: false }));
  return pino({ ...LINE_OPTIONS, level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, dest);
}

/** Where `logger` writes (its pino destination), for lines written without pino. */
export function destinationOf(logger: Logger): DestinationStream {
  return (logger as unknown as Record<symbol, DestinationStream>)[pino.symbols.streamSym];
}

/**
 * The file descriptor `logger` writes to when it is a plain one (pino.destination: no
 * formatting of its own, such as the pretty terminal lines), else undefined: request lines
 * may then be written there from the database write thread.
 */
export function plainDestinationFd(logger: Logger): number | undefined {
  // pino.destination()'s SonicBoom: an open fd, and `reopen` (for log rotation) beside it
  const dest = destinationOf(logger) as DestinationStream & { fd?: unknown; reopen?: unknown };
  return typeof dest?.fd === 'number' && dest.fd >= 0 && typeof dest.reopen === 'function' ? dest.fd : undefined;
}

const LEVEL_TAGS: Record<string, string> = { trace: 'TRACE', debug: 'DEBUG', info: 'INFO ', warn: 'WARN ', error: 'ERROR', fatal: 'FATAL' };
const LEVEL_COLOURS: Record<string, string> = { warn: '\x1b[33m', error: '\x1b[31m', fatal: '\x1b[31m', debug: '\x1b[90m', trace: '\x1b[90m' };

/**
 * Pretty lines for a terminal: `12:00:01.234 INFO  request /v1/chat/completions 200 …`
 * then the remaining fields as key=value. Takes pino's JSON lines, one or several per write.
 */
export class PrettyDestination implements DestinationStream {
  constructor(private readonly out: { write(s: string): unknown }) {}

  write(text: string): void {
    let out = '';
    for (const line of text.split('\n')) {
      if (line === '') continue;
      try {
        out += prettyLine(JSON.parse(line) as Record<string, unknown>) + '\n';
      } catch {
        out += line + '\n';
      }
    }
    this.out.write(out);
  }
}

export function prettyLine(rec: Record<string, unknown>): string {
  const { level, time, msg, ...rest } = rec;
  const lvl = String(level ?? 'info');
  // a request line's time is when the request arrived: show when it finished, as for other lines
  const clock = msg === 'request' ? new Date().toISOString().slice(11, 23) : typeof time === 'string' ? time.slice(11, 23) : '';
  const colour = LEVEL_COLOURS[lvl] ?? '';
  let head = `${clock} ${colour}${LEVEL_TAGS[lvl] ?? lvl.toUpperCase()}${colour ? '\x1b[0m' : ''} ${text(msg ?? '')}`;
  let fields: Record<string, unknown> = rest;
  if (msg === 'request') {
    // the request log entry: its gist in the head, a few more fields after it
    const r = rest;
    const usage = (r.usage ?? {}) as Record<string, unknown>;
    head += ` ${text(r.path)} ${text(r.status)} ${text(r.model)} → ${text(r.downstream_id)}${r.stream ? ' (stream)' : ''} ${text(r.duration_ms)} ms`;
    fields = { in: usage.input_tokens, out: usage.output_tokens, id: r.id, client: r.client_addr, error: r.error };
  }
  const pairs = Object.entries(fields)
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => `${k}=${text(v)}`);
  return pairs.length ? `${head}  ${pairs.join(' ')}` : head;
}

/** A value for a pretty line: plain when it is a simple string, else JSON (so no control character or newline gets through raw). */
function text(v: unknown): string {
  // eslint-disable-next-line no-control-regex
  if (typeof v === 'string' && !/[\x00-\x1f\x7f]/.test(v)) return v;
  return JSON.stringify(v) ?? String(v);
}
