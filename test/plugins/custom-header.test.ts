/**
 * custom_header: the configured headers reach the downstream for every client format ×
 * downstream format (pass-through included), buffered and streamed; the downstream's auth
 * and hop-by-hop headers cannot be overridden by it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FORMAT_IDS, type FormatId } from '../../src/ir/types.js';
import { customHeaderPlugin } from '../../src/plugins/builtin/custom-header.js';
import type { PluginContext } from '../../src/plugins/types.js';
import { CLIENTS } from '../conformance/clients.js';
import { alias, startRig, type Rig } from './rig.js';

const HOSTILE = {
  Authorization: 'Bearer sk-not-the-downstream-key',
  'x-api-key': 'not-the-downstream-key',
  'x-goog-api-key': 'not-the-downstream-key',
  'Proxy-Authorization': 'Basic abc',
  host: 'evil.example',
  connection: 'close',
  'keep-alive': 'timeout=1',
  'transfer-encoding': 'chunked',
  'content-length': '3',
  te: 'trailers',
  upgrade: 'websocket',
};

let rig: Rig;
before(async () => {
  rig = await startRig({
    aliases: FORMAT_IDS.map((f) => alias(`hdr-${f}`, f)),
    rules: [
      {
        id: 'team-headers',
        pattern_models: FORMAT_IDS.map((f) => `hdr-${f}`),
        pipeline_config: [{ plugin_id: 'custom_header', config: { headers: { 'X-Team': 'blue', 'x-trace-id': 'trace-42', ...HOSTILE } } }],
      },
    ],
  });
  rig.mock.respond((r) => ({ model: String(r.body.model ?? 'up'), text: 'Headers seen, thanks.' }));
});
after(() => rig?.close());

/** The auth header each downstream format expects, with the downstream's own key. */
function assertDownstreamAuth(ds: FormatId, headers: Record<string, string | string[] | undefined>): void {
  const key = `key-for-${ds}-downstream`;
  if (ds === 'anthropic') {
    assert.equal(headers['x-api-key'], key);
    assert.equal(headers.authorization, undefined);
  } else if (ds === 'gemini') {
    assert.equal(headers['x-goog-api-key'], key);
    assert.equal(headers.authorization, undefined);
  } else {
    assert.equal(headers.authorization, `Bearer ${key}`);
    assert.equal(headers['x-api-key'], undefined);
  }
  if (ds !== 'gemini') assert.equal(headers['x-goog-api-key'], undefined);
}

for (const client of FORMAT_IDS) {
  for (const ds of FORMAT_IDS) {
    for (const stream of [false, true]) {
      describe(`${client} client → ${ds} downstream (${stream ? 'stream' : 'non-stream'})`, () => {
        test('the headers arrive; auth and hop-by-hop headers are the gateway’s own', async () => {
          const before = rig.mock.requests.length;
          const got = await CLIENTS[client].run(rig.gw.url, 'client-key', { model: `hdr-${ds}`, turns: [{ role: 'user', text: 'Hi' }] }, stream);
          assert.equal(got.text, 'Headers seen, thanks.');
          const sent = rig.mock.requests.slice(before).find((r) => r.format === ds);
          assert.ok(sent);
          assert.deepEqual(sent.problems, []);
          const h = sent.headers;
          assert.equal(h['x-team'], 'blue');
          assert.equal(h['x-trace-id'], 'trace-42');
          assertDownstreamAuth(ds, h);
          assert.equal(h['proxy-authorization'], undefined);
          assert.equal(h.host, `127.0.0.1:${rig.mock.port}`);
          assert.equal(h.upgrade, undefined);
          assert.equal(h.te, undefined);
          assert.equal(h['keep-alive'], undefined);
          assert.notEqual(h['content-length'], '3', 'framing stays the HTTP client’s');
        });
      });
    }
  }
}

test('the instance never sets a protected header, whatever the config says', () => {
  const instance = customHeaderPlugin.create({ headers: { ...HOSTILE, 'X-Ok': 'yes' } });
  const headers: Record<string, string> = { authorization: 'Bearer real', 'x-existing': '1' };
  instance.headers!(headers, {} as PluginContext);
  assert.deepEqual(headers, { authorization: 'Bearer real', 'x-existing': '1', 'x-ok': 'yes' });
});
