/**
 * Generated bodies through a running daemon (issue 8 §4; `npm run fuzz` does 10⁵ per format):
 * valid requests of each client format routed to downstreams of all four formats, and invalid
 * ones (arbitrary JSON, wrong types, truncated, over the size limit, deeply nested, binary
 * garbage, empty). 0 crashes, 0 hangs, every answer in the client format's error or success
 * shape, every valid request answered 200. Two test files share this, so they run in parallel.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { FORMAT_IDS, type FormatId } from '../../src/ir/types.js';
import { startMockProvider, type MockProvider } from '../mocks/server.js';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { fuzzCases, fuzzDownstreams, makePool, type BodyKind, type FuzzPool } from './bodies.js';
import { judge, send } from './judge.js';
import { variedReplies } from './provider.js';

const PER_FORMAT = Number(process.env.TRESOR_FUZZ_BODIES ?? 1000);
const SEED = Number(process.env.TRESOR_FUZZ_SEED ?? 20261127);
const MAX_BODY = 64 * 1024;
const CONCURRENCY = 16;

export function fuzzThroughDaemon(formats: FormatId[]): void {
  describe(`${PER_FORMAT} generated bodies per client format through the daemon`, () => {
    let mock: MockProvider;
    let gw: TestDaemon;
    let pool: FuzzPool;
    const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    before(async () => {
      pool = makePool(SEED, 60);
      mock = await startMockProvider(variedReplies());
      gw = await startTestDaemon({ max_body_bytes: MAX_BODY, downstreams: fuzzDownstreams(mock.url) });
    });
    after(async () => {
      agent.destroy();
      await gw.close();
      await mock.close();
    });

    for (const format of formats) {
      test(`${format} client`, async () => {
        const base = new URL(gw.url);
        const cases = fuzzCases(format, PER_FORMAT, SEED + FORMAT_IDS.indexOf(format), MAX_BODY, pool);
        const counts: Partial<Record<BodyKind, number>> = {};
        const failures: string[] = [];
        let sent = 0;
        const worker = async () => {
          for (let next = cases.next(); !next.done; next = cases.next()) {
            const c = next.value;
            counts[c.kind] = (counts[c.kind] ?? 0) + 1;
            sent++;
            const problems = judge(c, await send(base, c, 10_000, agent));
            if (problems.length && failures.length < 10)
              failures.push(`${c.kind} ${c.client} ${c.path}: ${problems.join('; ')}\n  body: ${c.body.toString('utf8').slice(0, 300)}`);
          }
        };
        await Promise.all(Array.from({ length: CONCURRENCY }, worker));
        assert.equal(sent, PER_FORMAT);
        assert.deepEqual(failures, [], `bad answers (first 10) — kinds: ${JSON.stringify(counts)}`);
        const health = await fetch(`${gw.url}/api/health`);
        assert.equal(health.status, 200, 'the daemon still serves');
        await health.arrayBuffer();
      });
    }
  });
}
