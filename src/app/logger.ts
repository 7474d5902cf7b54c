import pino, { type Logger, type DestinationStream } from 'pino';

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

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
