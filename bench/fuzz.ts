/**
 * `npm run fuzz [-- --count=N --concurrency=C --seed=S --timeout=MS --formats=a,b --dist]`:
 * 10⁵ generated bodies per client format (default) through a running daemon process: valid
 * requests of each format routed to downstreams of all four formats (strict mock providers in
 * this process), and invalid ones — arbitrary JSON, wrong types, truncated, over the size limit,
 * deeply nested, binary garbage, empty. Asserts 0 crashes (the daemon process is alive and no
 * 500 came back), 0 hangs (per-request timeout), every answer in the client format's error or
 * success shape, and every valid request answered 200. Exits 1 on any failure.
 *
 * The same generator and judge run 1,000 per format inside `npm test` (test/fuzz/daemon-*.test.ts).
 */
import { Agent } from 'node:http';
import { FORMAT_IDS, type FormatId } from '../src/ir/types.js';
import { startMockProvider } from '../test/mocks/server.js';
import { fuzzCases, fuzzDownstreams, makePool, type BodyKind } from '../test/fuzz/bodies.js';
import { judge, send } from '../test/fuzz/judge.js';
import { variedReplies } from '../test/fuzz/provider.js';
import { distIsFresh, fdCount, flag, fmt, option, rssMb, startDaemonChild, stopDaemonChild } from './soak-lib.js';

const COUNT = Number(option('count', '100000'));
const CONCURRENCY = Number(option('concurrency', '48'));
const SEED = Number(option('seed', '20261127'));
const TIMEOUT_MS = Number(option('timeout', '15000'));
const FORMATS = option('formats', FORMAT_IDS.join(',')).split(',') as FormatId[];
const MAX_BODY = 64 * 1024;
const fromSrc = !flag('dist') || !distIsFresh();

interface FormatResult {
  format: FormatId;
  sent: number;
  seconds: number;
  kinds: Partial<Record<BodyKind, number>>;
  statuses: Record<string, number>;
  hangs: number;
  bad: number;
  examples: string[];
}

async function main(): Promise<number> {
  const t0 = performance.now();
  const mock = await startMockProvider(variedReplies());
  const daemon = await startDaemonChild({ log_level: 'info', max_body_bytes: MAX_BODY, downstreams: fuzzDownstreams(mock.url) }, { fromSrc, label: 'fuzz' });
  console.log(
    `fuzz: daemon pid ${daemon.pid} (${fromSrc ? 'src via tsx' : 'dist'}) at ${daemon.url}; ${COUNT} bodies per format, concurrency ${CONCURRENCY}, seed ${SEED}`,
  );
  const pool = makePool(SEED, 400);
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const base = new URL(daemon.url);
  const results: FormatResult[] = [];
  let crashed = false;
  void daemon.exited.then(({ code, signal }) => {
    if (!stopping) {
      crashed = true;
      console.error(`fuzz: the daemon exited during the run (code ${code}, signal ${signal})`);
    }
  });
  let stopping = false;

  for (const format of FORMATS) {
    const r: FormatResult = { format, sent: 0, seconds: 0, kinds: {}, statuses: {}, hangs: 0, bad: 0, examples: [] };
    const started = performance.now();
    const cases = fuzzCases(format, COUNT, SEED + FORMAT_IDS.indexOf(format), MAX_BODY, pool);
    const progress = setInterval(() => {
      const s = (performance.now() - started) / 1000;
      console.log(
        `  ${format}: ${r.sent}/${COUNT} (${fmt(r.sent / s, 0)}/s), ${r.bad} bad, ${r.hangs} hangs, daemon RSS ${fmt(rssMb(daemon.pid), 0)} MB, fds ${fdCount(daemon.pid)}`,
      );
    }, 15_000);
    const worker = async () => {
      for (let next = cases.next(); !next.done && !crashed; next = cases.next()) {
        const c = next.value;
        r.sent++;
        r.kinds[c.kind] = (r.kinds[c.kind] ?? 0) + 1;
        const a = await send(base, c, TIMEOUT_MS, agent);
        const key = a.failure ?? String(a.status);
        r.statuses[key] = (r.statuses[key] ?? 0) + 1;
        if (a.failure === 'timeout') r.hangs++;
        const problems = judge(c, a);
        if (problems.length) {
          r.bad++;
          if (r.examples.length < 5) {
            r.examples.push(`${c.kind} ${c.client} ${c.path}: ${problems.join('; ')}\n      body: ${c.body.toString('utf8').slice(0, 240)}`);
            console.log(`    ✗ ${r.examples.at(-1)}`);
          }
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    clearInterval(progress);
    r.seconds = (performance.now() - started) / 1000;
    results.push(r);
    console.log(`  ${format}: done, ${r.sent} bodies in ${fmt(r.seconds, 0)} s, ${r.bad} bad, ${r.hangs} hangs`);
    if (crashed) break;
  }

  const alive = daemon.child.exitCode === null;
  const rss = alive ? rssMb(daemon.pid) : NaN;
  stopping = true;
  agent.destroy();
  const exitCode = await stopDaemonChild(daemon);
  await mock.close();

  console.log('\nfuzz results');
  console.log('format            bodies   bad  hangs  500s  statuses');
  let failed = crashed || !alive || exitCode !== 0;
  for (const r of results) {
    const s500 = r.statuses['500'] ?? 0;
    console.log(
      `${r.format.padEnd(16)} ${String(r.sent).padStart(7)} ${String(r.bad).padStart(5)} ${String(r.hangs).padStart(6)} ${String(s500).padStart(5)}  ${Object.entries(
        r.statuses,
      )
        .sort()
        .map(([k, v]) => `${k}:${v}`)
        .join(' ')}`,
    );
    console.log(`${''.padEnd(16)} kinds: ${JSON.stringify(r.kinds)}`);
    for (const e of r.examples) console.log(`    ✗ ${e}`);
    if (r.bad > 0 || r.sent < COUNT) failed = true;
  }
  console.log(
    `daemon: ${alive ? 'alive' : 'DEAD'} at the end, RSS ${fmt(rss, 0)} MB, graceful exit code ${exitCode}; ${fmt((performance.now() - t0) / 1000, 0)} s in all`,
  );
  console.log(failed ? 'FUZZ FAILED' : 'fuzz passed: 0 crashes, 0 hangs, every answer in its client format’s shape');
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
