import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BodyCapture, PayloadCapture } from '../../src/gateway/capture.js';
import { payloadsOf } from '../../src/observe/types.js';

test('a body captured from chunks reads back whole, a character split between two chunks included', () => {
  const bytes = Buffer.from('data: {"text":"héllo wörld €"}\n\n');
  const cut = bytes.indexOf(0xe2) + 1; // inside the three bytes of €
  const c = new BodyCapture(1024);
  c.add(bytes.subarray(0, cut));
  c.add(bytes.subarray(cut));
  assert.deepEqual(c.result(), { body: bytes.toString('utf8'), truncated: false });
});

test('strings and Buffers mix; the result is the text in order', () => {
  const c = new BodyCapture(1024);
  c.add('event: a\n');
  c.add(Buffer.from('data: ü\n\n'));
  c.add('event: b\n');
  assert.equal(c.result().body, 'event: a\ndata: ü\n\nevent: b\n');
});

test('a capture stops at its limit, flags truncation, and never ends in half a character', () => {
  const c = new BodyCapture(10);
  c.add(Buffer.from('12345678'));
  c.add(Buffer.from('€€')); // the cap falls inside the first €
  const r = c.result();
  assert.equal(r.truncated, true);
  assert.equal(r.body, '12345678');
  c.add('more');
  assert.equal(c.result().body, '12345678', 'nothing is added after the cap');
  const s = new BodyCapture(4);
  s.add('abcdef');
  assert.deepEqual(s.result(), { body: 'abcd', truncated: true });
});

test('payloads are made when read: headers masked, URL as text, absent bodies left out', () => {
  const cap = new PayloadCapture(1024, Buffer.from('{"model":"m"}'), { authorization: 'Bearer sk-client-secret-1234', 'content-type': 'application/json' });
  cap.downstreamRequest = cap.body('{"model":"x"}');
  cap.downstreamHeaders = { 'x-api-key': 'sk-ant-downstream-9876', 'anthropic-version': '2023-06-01' };
  cap.downstreamUrl = new URL('http://127.0.0.1:9/v1/messages');
  const p = payloadsOf(cap);
  assert.equal(p.client_request?.body, '{"model":"m"}');
  assert.equal(p.downstream_request?.body, '{"model":"x"}');
  assert.equal(p.client_headers?.authorization, 'Bearer sk-…1234');
  assert.equal(p.downstream_headers?.['x-api-key'], 'sk-…9876');
  assert.equal(p.downstream_headers?.['anthropic-version'], '2023-06-01');
  assert.equal(p.downstream_url, 'http://127.0.0.1:9/v1/messages');
  assert.equal(p.downstream_response, undefined);
  assert.equal(p.client_response, undefined);
  assert.doesNotMatch(JSON.stringify(p), /sk-client-secret|sk-ant-downstream/);
});

test('plain captured payloads pass through payloadsOf unchanged', () => {
  const plain = { client_request: { body: '{}', truncated: false } };
  assert.equal(payloadsOf(plain), plain);
});
