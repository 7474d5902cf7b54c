import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SseReader } from '../../src/util/sse.js';

const STREAM = 'event: message_start\ndata: {"a":1}\n\n: comment\n\nevent: ping\ndata: {}\r\n\r\ndata: line1\ndata: line2\n\nretry: 100\ndata: [DONE]\n\n';
const EXPECTED = [{ event: 'message_start', data: '{"a":1}' }, { event: 'ping', data: '{}' }, { data: 'line1\nline2' }, { data: '[DONE]' }];

test('SSE reader parses events, comments, CRLF and multi-line data', () => {
  const r = new SseReader();
  assert.deepEqual([...r.push(STREAM), ...r.end()], EXPECTED);
});

test('SSE reader yields identical events however the bytes are split', () => {
  const bytes = Buffer.from(STREAM + 'data: {"emoji":"ü€😀"}\r\n\r\n', 'utf8');
  const expected = [...EXPECTED, { data: '{"emoji":"ü€😀"}' }];
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 20 }), (cuts) => {
      const points = [...new Set(cuts)].sort((a, b) => a - b);
      const r = new SseReader();
      const out = [];
      let prev = 0;
      for (const p of [...points, bytes.length]) {
        out.push(...r.pushBytes(bytes.subarray(prev, p)));
        prev = p;
      }
      out.push(...r.end());
      assert.deepEqual(out, expected);
    }),
    { numRuns: 500 },
  );
});

test('SSE reader delivers a final event that lacks its blank line', () => {
  const r = new SseReader();
  assert.deepEqual(r.push('data: {"x":1}'), []);
  assert.deepEqual(r.end(), [{ data: '{"x":1}' }]);
});
