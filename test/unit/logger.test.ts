import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger, destinationOf, PrettyDestination, prettyLine } from '../../src/app/logger.js';
import { requestLogLine } from '../../src/observe/entry-json.js';

const entry = {
  id: '01a21e0d-396d-7537-ad82-88c49ecf7cc0',
  time: '2026-11-27T17:28:32.878Z',
  client_addr: '127.0.0.1',
  path: '/v1/chat/completions',
  model: 'gpt-4o',
  downstream_id: 'an',
  stream: true,
  status: 200,
  error: null,
  duration_ms: 57.9,
  usage: { input_tokens: 42, output_tokens: 20 },
};

test('a request line is the entry with pino level and msg, and reads as one line in a terminal', () => {
  const line = requestLogLine(JSON.stringify(entry));
  assert.ok(line.endsWith('\n') && !line.slice(0, -1).includes('\n'));
  const rec = JSON.parse(line) as Record<string, unknown>;
  assert.equal(rec.level, 'info');
  assert.equal(rec.msg, 'request');
  assert.equal(rec.model, 'gpt-4o');
  const pretty = prettyLine(rec);
  assert.match(
    pretty,
    /^\d\d:\d\d:\d\d\.\d{3} INFO {2}request \/v1\/chat\/completions 200 gpt-4o → an \(stream\) 57\.9 ms {2}in=42 out=20 id=01a21e0d-396d-7537-ad82-88c49ecf7cc0 client=127\.0\.0\.1$/,
  );
  assert.doesNotMatch(pretty, /error=/, 'a null error is left out');
});

test('pretty lines: other fields as key=value, colours by level, control characters never raw', () => {
  const warn = prettyLine({ level: 'warn', time: '2026-11-27T12:00:01.234Z', msg: 'slow downstream', downstream: 'an', ms: 812 });
  assert.equal(warn, '12:00:01.234 \x1b[33mWARN \x1b[0m slow downstream  downstream=an ms=812');
  const forged = prettyLine({
    level: 'info',
    time: '2026-11-27T12:00:01.234Z',
    msg: 'request',
    path: '/x\n12:00:02.000 ERROR forged',
    status: 404,
    error: 'bad\r\nline',
  });
  assert.equal(forged.split('\n').length, 1, 'client text cannot start a new line');
  assert.match(forged, /"\/x\\n12:00:02\.000 ERROR forged"/);
  assert.match(forged, /error="bad\\r\\nline"/);
});

test('the pretty destination formats each line of a batched write, and passes through what is not JSON', () => {
  const out: string[] = [];
  const dest = new PrettyDestination({ write: (s) => out.push(s) });
  dest.write(requestLogLine(JSON.stringify(entry)) + requestLogLine(JSON.stringify({ ...entry, status: 502, error: 'down' })) + 'plain text\n');
  const lines = out.join('').split('\n').filter(Boolean);
  assert.equal(lines.length, 3);
  assert.match(lines[0], / 200 gpt-4o/);
  assert.match(lines[1], / 502 gpt-4o .* error=down$/);
  assert.equal(lines[2], 'plain text');
});

test('the daemon logger redacts secrets, and destinationOf reaches the stream it writes to', () => {
  const chunks: string[] = [];
  const sink = new Writable({
    write(c: Buffer, _e, cb) {
      chunks.push(c.toString());
      cb();
    },
  });
  const logger = createLogger('info', sink);
  logger.info({ api_key: 'sk-secret-123456', downstream: { authorization: 'Bearer sk-x' } }, 'configured');
  destinationOf(logger).write('{"level":"info","msg":"direct"}\n');
  const text = chunks.join('');
  assert.doesNotMatch(text, /sk-secret-123456|Bearer sk-x/);
  assert.match(text, /\[redacted\]/);
  assert.match(text, /"msg":"direct"/);
});
