import { zeroUsage, type LogEntry } from '../../src/observe/types.js';
import { requestId } from '../../src/util/request-id.js';

/** A finished request's log entry as the gateway makes it for the benchmark's openai → anthropic case. */
export function benchEntry(stream: boolean): LogEntry {
  return {
    id: requestId(),
    time: new Date().toISOString(),
    client_addr: '127.0.0.1',
    client_format: 'openai',
    path: '/v1/chat/completions',
    model: 'bench-anthropic',
    downstream_id: 'mock-anthropic-fast',
    output_model: 'bench-anthropic',
    alias_option_id: null,
    rules: [],
    stream,
    status: 200,
    error: null,
    ttfb_ms: 4,
    duration_ms: 4.4,
    usage: { ...zeroUsage(), input_tokens: 42, output_tokens: 20 },
    plugins: ['openai2anthropic'],
    attempts: [{ downstream_id: 'mock-anthropic-fast', status: 200, duration_ms: 4 }],
  };
}
