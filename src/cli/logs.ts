import type { CommandContext } from './commands.js';
import { noExtraPositionals, parseCommandArgs, printJson, stringOption, table, UsageError } from './io.js';

export const LOGS_USAGE = `Usage: tresor logs [--limit N] [--model M] [--downstream DS] [--status CODE] [--json]
  the most recent gateway requests, newest first
`;

interface Entry {
  time: string;
  status: number;
  client_format: string | null;
  model: string | null;
  downstream_id: string | null;
  output_model: string | null;
  duration_ms: number;
  usage?: { input_tokens: number; output_tokens: number };
  error: string | null;
}

export async function runLogs(args: string[], c: CommandContext): Promise<void> {
  const p = parseCommandArgs(
    args,
    { limit: { type: 'string' }, model: { type: 'string' }, downstream: { type: 'string' }, status: { type: 'string' } },
    LOGS_USAGE,
  );
  noExtraPositionals(p, 0, LOGS_USAGE);
  const q = new URLSearchParams();
  const limit = stringOption(p.values.limit) ?? '20';
  if (!/^\d+$/.test(limit)) throw new UsageError('--limit takes a number', LOGS_USAGE);
  q.set('limit', limit);
  for (const k of ['model', 'downstream', 'status'] as const) {
    const v = stringOption(p.values[k]);
    if (v !== undefined) q.set(k, v);
  }
  const r = (await c.client().expect('GET', `/api/logs?${q}`)) as { entries: Entry[] };
  if (p.json) return printJson(c.io, r);
  if (r.entries.length === 0) {
    c.io.stdout.write('no requests logged\n');
    return;
  }
  c.io.stdout.write(
    table(
      ['TIME', 'STATUS', 'FORMAT', 'MODEL', 'DOWNSTREAM', 'OUTPUT MODEL', 'MS', 'TOKENS IN/OUT', 'ERROR'],
      r.entries.map((e) => [
        e.time,
        String(e.status),
        e.client_format ?? '-',
        e.model ?? '-',
        e.downstream_id ?? '-',
        e.output_model ?? '-',
        String(e.duration_ms),
        e.usage ? `${e.usage.input_tokens}/${e.usage.output_tokens}` : '-',
        e.error ?? '',
      ]),
    ),
  );
}
