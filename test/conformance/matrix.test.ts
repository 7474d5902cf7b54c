/**
 * The 4 × 4 conformance matrix: every client format (official SDK) × every downstream format
 * (strict mock provider), non-streaming and streaming, for each scenario. Prints the matrix.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FORMAT_IDS, type FormatId } from '../../src/ir/types.js';
import { formatModule } from '../../src/formats/registry.js';
import { startMockProvider, type MockProvider } from '../mocks/server.js';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { CLIENTS } from './clients.js';
import { SCENARIOS, type CellContext } from './scenarios.js';

const PROXY_KEY = 'sk-proxy-conformance';
const results = new Map<string, { pass: number; total: number; failed: string[] }>();

let mock: MockProvider;
let gw: TestDaemon;

before(async () => {
  mock = await startMockProvider();
  gw = await startTestDaemon({
    proxy_api_keys: [PROXY_KEY],
    downstreams: FORMAT_IDS.map((f) => ({
      id: `ds-${f}`,
      api_formats: [f],
      base_url: f === 'openai' ? `${mock.url}/v1` : mock.url,
      api_key: `key-for-${f}-downstream`,
      output_model_ids: [`up-${f}`],
    })),
    aliases: FORMAT_IDS.map((f) => ({
      input_model_id: `via-${f}`,
      options: [{ id: `opt-${f}`, downstream_id: `ds-${f}`, output_model_id: `up-${f}` }],
    })),
  });
});

after(async () => {
  await gw?.close();
  await mock?.close();
  printMatrix();
});

function printMatrix(): void {
  const short: Record<FormatId, string> = { openai: 'openai', openai_responses: 'responses', anthropic: 'anthropic', gemini: 'gemini' };
  const lines = ['', 'Conformance matrix (client ↓ × downstream →), scenarios passed / run, non-stream | stream'];
  lines.push(['client \\ downstream', ...FORMAT_IDS.map((f) => short[f])].map((s) => s.padEnd(22)).join(''));
  for (const c of FORMAT_IDS) {
    const row = [short[c]];
    for (const d of FORMAT_IDS) {
      const ns = results.get(`${c}>${d}>json`);
      const st = results.get(`${c}>${d}>sse`);
      row.push(`${ns ? `${ns.pass}/${ns.total}` : '-'} | ${st ? `${st.pass}/${st.total}` : '-'}`);
    }
    lines.push(row.map((s) => s.padEnd(22)).join(''));
  }
  const failures = [...results.entries()].filter(([, v]) => v.failed.length);
  if (failures.length) lines.push('failed: ' + failures.map(([k, v]) => `${k}: ${v.failed.join(', ')}`).join('; '));
  console.log(lines.join('\n'));
}

for (const client of FORMAT_IDS) {
  for (const downstream of FORMAT_IDS) {
    for (const stream of [false, true]) {
      describe(`${client} client → ${downstream} downstream (${stream ? 'stream' : 'non-stream'})`, () => {
        const key = `${client}>${downstream}>${stream ? 'sse' : 'json'}`;
        for (const sc of SCENARIOS) {
          if (sc.streamOnly && !stream) continue;
          test(sc.name, async () => {
            const cell = results.get(key) ?? { pass: 0, total: 0, failed: [] };
            results.set(key, cell);
            cell.total++;
            const model = `via-${downstream}`;
            const before = mock.requests.length;
            mock.respond(() => sc.reply(`up-${downstream}`));
            const cx: CellContext = { client, downstream, stream };
            try {
              let result;
              let thrown: unknown;
              try {
                result = await CLIENTS[client].run(gw.url, PROXY_KEY, sc.input(model), stream);
              } catch (e) {
                thrown = e;
              }
              const received = mock.requests.slice(before).find((r) => r.format === downstream);
              cx.received = received;
              if (received) {
                if (received.problems.length) throw new Error(`the strict mock rejected the request: ${received.problems.join('; ')}`);
                const pathModel = downstream === 'gemini' ? decodeURIComponent(received.path.split('/models/')[1]?.split(':')[0] ?? '') : undefined;
                cx.receivedIR = formatModule(downstream).decodeRequest(received.body, { pathModel, pathStream: received.stream });
                if (received.stream !== stream) throw new Error(`client stream=${stream} but downstream request stream=${received.stream}`);
              }
              if (thrown !== undefined) {
                if (!sc.expectError) throw thrown;
                sc.expectError(thrown, cx);
              } else {
                if (result!.streamedText !== undefined) assert.equal(result!.streamedText, result!.text, 'streamed deltas add up to the final text');
                sc.check(result!, cx);
              }
              cell.pass++;
            } catch (e) {
              cell.failed.push(sc.name);
              throw e;
            }
          });
        }
      });
    }
  }
}
