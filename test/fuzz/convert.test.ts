/**
 * Every valid request of one format converts, through the hub, into a request the target
 * provider's strict validator accepts — for all twelve directions (and the four same-format
 * round trips through the hub, used when a body plugin runs). The generated source request is
 * first checked against its own format's validator, so the generator cannot be wrong silently.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FORMAT_IDS, type FormatId } from '../../src/ir/types.js';
import { formatModule } from '../../src/formats/registry.js';
import { ReasoningStore } from '../../src/ir/reasoning-store.js';
import { GATEWAY_ANTHROPIC_VERSION } from '../../src/gateway/exchange.js';
import { MOCKS } from '../mocks/server.js';
import { renderRequest, scriptArb } from './requests.js';

const RUNS = Number(process.env.TRESOR_FUZZ_RUNS ?? 100);

/** Headers and URL a request of `format` reaches its provider with (as the gateway sends it). */
function wire(format: FormatId, model: string, stream: boolean): { headers: Record<string, string>; url: string } {
  const m = formatModule(format);
  return {
    headers: {
      'content-type': 'application/json',
      ...m.authHeaders('test-key-123'),
      ...(format === 'anthropic' ? { 'anthropic-version': GATEWAY_ANTHROPIC_VERSION } : {}),
    },
    url: m.upstreamPath(model, stream),
  };
}

describe('valid requests convert to requests the target provider accepts', () => {
  for (const from of FORMAT_IDS) {
    for (const to of FORMAT_IDS) {
      test(`${from} → ${to}${from === to ? ' (through the hub)' : ''}`, () => {
        fc.assert(
          fc.property(scriptArb, (script) => {
            const body = renderRequest(from, script, 'client-model');
            const src = wire(from, 'client-model', script.stream);
            assert.deepEqual(MOCKS[from].validateRequest(body, src.headers, src.url), [], 'the generated source request is valid');
            const ir = formatModule(from).decodeRequest(body, { pathModel: 'client-model', pathStream: script.stream });
            ir.model = 'target-model';
            const out = formatModule(to).encodeRequest(ir, {
              model: 'target-model',
              autoCache: true,
              anthropicVersion: GATEWAY_ANTHROPIC_VERSION,
              reasoningStore: new ReasoningStore(),
            });
            const dst = wire(to, 'target-model', script.stream);
            const problems = MOCKS[to].validateRequest(out, dst.headers, dst.url);
            assert.deepEqual(problems, [], `converted request rejected:\n${JSON.stringify(out, null, 1).slice(0, 3000)}`);
          }),
          { numRuns: RUNS },
        );
      });
    }
  }
});
