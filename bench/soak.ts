/**
 * `npm run soak [-- --requests=N --concurrency=C --warmup=N --dist]`: a long mixed run against a
 * daemon process (issue 8 §5). ≥ 200,000 requests by default: all four client formats, streaming
 * and not, pass-through and converted, with upstream errors (500/503/429/400), broken and garbage
 * answers, streams cut or failed midway, fallback across alias options, and client aborts mixed in.
 *
 * After warm-up it samples the daemon's RSS and open file descriptors (/proc) every second, and
 * its event-loop delay through bench/soak-eld.mjs (preloaded with --import, perf_hooks). It prints
 * RSS growth after warm-up, descriptor counts at rest after warm-up and at the end, and the
 * event-loop delay p99; it exits 1 when a target is missed (RSS growth ≥ 10 %, more descriptors
 * at rest at the end than after warm-up, ELD p99 ≥ 50 ms), a request hung, or the daemon died.
 */
import { Agent, request } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FORMAT_IDS, type FormatId } from '../src/ir/types.js';
import { startMockProvider, type MockAction, type ReceivedRequest } from '../test/mocks/server.js';
import { clientHeaders, clientPath, simpleBody, type ClientKind } from '../test/resilience/client-shapes.js';
import { distIsFresh, fdCount, flag, fmt, median, option, rssMb, sleep, startDaemonChild, stopDaemonChild } from './soak-lib.js';

const REQUESTS = Number(option('requests', '200000'));
const CONCURRENCY = Number(option('concurrency', '32'));
const WARMUP = Number(option('warmup', String(Math.round(REQUESTS * 0.1))));
/** Requests per second across all workers (0: as fast as the daemon answers, i.e. saturation). */
const RATE = Number(option('rate', '0'));
const TIMEOUT_MS = 30_000;
const fromSrc = !flag('dist') || !distIsFresh();

type Scenario = 'ok' | 'tools' | 'e500' | 'e503' | 'e429' | 'e400' | 'reset' | 'garbage' | 'halfjson' | 'break' | 'errmid' | 'fallback' | 'abort';
const SCENARIOS: [Scenario, number][] = [
  ['ok', 55],
  ['tools', 5],
  ['e500', 4],
  ['e503', 2],
  ['e429', 3],
  ['e400', 2],
  ['reset', 2],
  ['garbage', 2],
  ['halfjson', 1],
  ['break', 4],
  ['errmid', 3],
  ['fallback', 7],
  ['abort', 10],
];
const TOTAL_WEIGHT = SCENARIOS.reduce((s, [, w]) => s + w, 0);

function scenarioAt(i: number): Scenario {
  // a fixed, well-mixed sequence (golden-ratio stride) rather than randomness: reproducible
  let x = ((i * 0.6180339887) % 1) * TOTAL_WEIGHT;
  for (const [s, w] of SCENARIOS) if ((x -= w) < 0) return s;
  return 'ok';
}

/** The mock's answer, chosen by the scenario marker the client put in its message. */
function providerAction(r: ReceivedRequest): MockAction {
  const m = /#soak=(\w+)/.exec(JSON.stringify(r.body));
  const s = (m?.[1] ?? 'ok') as Scenario;
  const model = typeof r.body.model === 'string' ? r.body.model : 'mock-model';
  const usage = { input: 20, output: 9, cacheRead: 3 };
  switch (s) {
    case 'e500':
      return { error: { status: 500, message: 'soak: internal error' } };
    case 'e503':
      return { error: { status: 503, message: 'soak: overloaded' } };
    case 'fallback':
      // the fallback group's first option fails; its second (another downstream) answers
      return r.url.includes('/flaky') ? { error: { status: 503, message: 'soak: overloaded' } } : { model, text: 'answered by the fallback option', usage };
    case 'e429':
      return { error: { status: 429, message: 'soak: rate limited', retryAfter: '1' } };
    case 'e400':
      return { error: { status: 400, message: 'soak: bad request' } };
    case 'reset':
      return { fault: 'reset' };
    case 'garbage':
      return { fault: 'garbage' };
    case 'halfjson':
      return { fault: 'half-json' };
    case 'break':
      return r.stream ? { model, text: 'one two three four five six', breakAfter: 2, usage } : { model, text: 'whole', usage };
    case 'errmid':
      return r.stream ? { model, text: 'one two three four five six', errorAfter: 2, usage } : { model, text: 'whole', usage };
    case 'tools':
      return { model, toolCalls: [{ id: 'call_soak1', name: 'lookup', arguments: { q: 'x' } }], finish: 'tool_calls', usage };
    case 'abort':
      return { model, text: Array.from({ length: 40 }, (_, i) => `w${i}`).join(' '), usage };
    default:
      return { model, text: 'Soak test answer with a few words in it.', reasoning: r.stream ? 'brief thought' : undefined, usage };
  }
}

const MODEL_OF: Record<FormatId, string> = { openai: 'soak-openai', openai_responses: 'soak-responses', anthropic: 'soak-anthropic', gemini: 'soak-gemini' };

function daemonConfig(mockUrl: string, slowUrl: string): Record<string, unknown> {
  const versioned = (f: FormatId, url: string) => (f === 'openai' || f === 'openai_responses' ? `${url}/v1` : url);
  return {
    log_level: 'info',
    downstreams: [
      ...FORMAT_IDS.map((f) => ({
        id: `ds-${f}`,
        api_formats: [f],
        base_url: versioned(f, mockUrl),
        // two keys on one downstream: rotation and 429 rests are part of the soak
        ...(f === 'openai' ? { api_keys: ['sk-soak-key-aaaa1111', 'sk-soak-key-bbbb2222'] } : { api_key: `sk-soak-${f}-123456` }),
        output_model_ids: [MODEL_OF[f]],
        timeouts: { connect_ms: 2000, first_byte_ms: 10_000, idle_ms: 10_000 },
      })),
      { id: 'ds-flaky', api_formats: ['anthropic'], base_url: `${mockUrl}/flaky`, api_key: 'sk-soak-flaky-1234', output_model_ids: [] },
      { id: 'ds-slow', api_formats: ['openai'], base_url: `${slowUrl}/v1`, api_key: 'sk-soak-slow-1234', output_model_ids: ['soak-slow'] },
    ],
    aliases: [
      {
        input_model_id: 'soak-fallback',
        fallback: true,
        options: [
          { id: 'fb-flaky', downstream_id: 'ds-flaky', output_model_id: 'flaky-model' },
          { id: 'fb-gemini', downstream_id: 'ds-gemini', output_model_id: 'soak-gemini' },
        ],
      },
    ],
  };
}

interface Tally {
  done: number;
  /** Milliseconds to the complete answer, per scenario (client aborts excluded). */
  latency: Partial<Record<Scenario, number[]>>;
  statuses: Record<string, number>;
  hangs: number;
  networkErrors: number;
  aborted: number;
}

/** One soak request: send, read (or abort partway), count. */
function soakRequest(base: URL, agent: Agent, i: number, t: Tally): Promise<void> {
  const scenario = scenarioAt(i);
  const kind: ClientKind = i % 9 === 0 ? 'gemini_array' : FORMAT_IDS[i % 4];
  const format: FormatId = kind === 'gemini_array' ? 'gemini' : kind;
  const stream = scenario === 'abort' || (i >> 2) % 2 === 0;
  const model = scenario === 'fallback' ? 'soak-fallback' : scenario === 'abort' ? 'soak-slow' : MODEL_OF[FORMAT_IDS[(i >> 3) % 4]];
  const client: ClientKind = scenario === 'abort' ? 'openai' : kind;
  const body = simpleBody(client, model, stream) as Record<string, unknown>;
  const marker = `hello #soak=${scenario} ${i}`;
  if (format === 'gemini' && client !== 'openai') body.contents = [{ role: 'user', parts: [{ text: marker }] }];
  else if (client === 'openai_responses') body.input = marker;
  else body.messages = [{ role: 'user', content: marker }];
  const text = JSON.stringify(body);
  return new Promise((resolve) => {
    let finished = false;
    const started = performance.now();
    const finish = (key: string) => {
      if (finished) return;
      finished = true;
      clearTimeout(guard);
      if (scenario !== 'abort') (t.latency[scenario] ??= []).push(performance.now() - started);
      t.done++;
      t.statuses[key] = (t.statuses[key] ?? 0) + 1;
      resolve();
    };
    const req = request(
      {
        host: base.hostname,
        port: base.port,
        method: 'POST',
        path: clientPath(client, model, stream),
        headers: { ...clientHeaders(client), 'content-length': Buffer.byteLength(text) },
        agent,
      },
      (res) => {
        if (scenario === 'abort') {
          // leave after the first bytes of the stream, or at once on every fourth
          const leave = () => {
            t.aborted++;
            req.destroy();
            finish('client-abort');
          };
          if (i % 4 === 0) leave();
          else res.once('data', leave);
          res.on('error', () => {});
          return;
        }
        res.on('data', () => {});
        res.on('end', () => finish(String(res.statusCode)));
        res.on('error', () => {
          t.networkErrors++;
          finish('response-error');
        });
      },
    );
    const guard = setTimeout(() => {
      t.hangs++;
      req.destroy();
      finish('hang');
    }, TIMEOUT_MS);
    req.on('error', () => {
      if (finished) return;
      t.networkErrors++;
      finish('network-error');
    });
    req.end(text);
  });
}

interface Sample {
  at: number;
  done: number;
  rss: number;
  fds: number;
}

interface EldLine {
  t: number;
  mark?: boolean;
  p50?: number;
  p99?: number;
  max?: number;
  since?: { p50: number; p99: number; max: number; samples: number };
}

async function main(): Promise<number> {
  const t0 = performance.now();
  const mock = await startMockProvider(providerAction);
  const slow = await startMockProvider(providerAction, { chunkDelayMs: 5 });
  const eldFile = join(process.env.TMPDIR ?? '/tmp', `tresor-soak-eld-${process.pid}.jsonl`);
  const daemon = await startDaemonChild(daemonConfig(mock.url, slow.url), { fromSrc, eldFile, label: 'soak' });
  console.log(
    `soak: daemon pid ${daemon.pid} (${fromSrc ? 'src via tsx' : 'dist'}); ${REQUESTS} requests, concurrency ${CONCURRENCY}, ${RATE > 0 ? `${RATE}/s` : 'unpaced'}, warm-up ${WARMUP}`,
  );
  let died = false;
  let stopping = false;
  void daemon.exited.then(({ code, signal }) => {
    if (!stopping) {
      died = true;
      console.error(`soak: the daemon exited during the run (code ${code}, signal ${signal})\n${readFileSync(daemon.stderrFile, 'utf8').slice(-2000)}`);
    }
  });

  const base = new URL(daemon.url);
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const tally: Tally = { done: 0, latency: {}, statuses: {}, hangs: 0, networkErrors: 0, aborted: 0 };
  const samples: Sample[] = [];
  let next = 0;

  /** Run requests [next, until) with CONCURRENCY workers. */
  let nextSlot = performance.now();
  /** With --rate, wait for this request's start time (an open-loop schedule). */
  const paced = async () => {
    if (RATE <= 0) return;
    const now = performance.now();
    const slot = Math.max(now, nextSlot);
    nextSlot = slot + 1000 / RATE;
    if (slot > now) await sleep(slot - now);
  };
  const runUntil = async (until: number) => {
    const worker = async () => {
      while (next < until && !died) {
        await paced();
        if (next >= until) break;
        await soakRequest(base, agent, next++, tally);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  };
  /**
   * Figures with no traffic, in the same idle state after warm-up and at the end: the client's
   * keep-alive sockets are closed, and the daemon's to the providers have timed out (the mock
   * servers close idle ones after Node's 5 s default), so only what the daemon holds remains.
   */
  const atRest = async () => {
    agent.destroy();
    await sleep(6500);
    return { rss: rssMb(daemon.pid), fds: fdCount(daemon.pid) };
  };

  await runUntil(WARMUP);
  const afterWarmup = await atRest();
  process.kill(daemon.pid, 'SIGUSR2'); // event-loop delay counted from here
  const warmupEnd = performance.now();
  console.log(`  warm-up done (${WARMUP} requests): RSS ${fmt(afterWarmup.rss)} MB, ${afterWarmup.fds} fds at rest`);

  const sampler = setInterval(() => {
    try {
      samples.push({ at: performance.now(), done: tally.done, rss: rssMb(daemon.pid), fds: fdCount(daemon.pid) });
    } catch {
      /* the daemon is gone */
    }
  }, 1000);
  const progress = setInterval(() => {
    const s = samples.at(-1);
    const rate = (tally.done - WARMUP) / ((performance.now() - warmupEnd) / 1000);
    if (s) console.log(`  ${tally.done}/${REQUESTS} (${fmt(rate, 0)}/s): RSS ${fmt(s.rss)} MB, ${s.fds} fds, ${tally.hangs} hangs`);
  }, 20_000);
  nextSlot = performance.now();
  await runUntil(REQUESTS);
  clearInterval(sampler);
  clearInterval(progress);
  const atEnd = died ? { rss: NaN, fds: NaN } : await atRest();
  const seconds = (performance.now() - warmupEnd) / 1000;

  stopping = true;
  agent.destroy();
  await sleep(2100); // one more ELD line
  const exitCode = await stopDaemonChild(daemon);
  await mock.close();
  await slow.close();

  // RSS: medians of the first and last fifth of the post-warm-up samples (GC sawtooth smoothed)
  const fifth = Math.max(1, Math.floor(samples.length / 5));
  const rssEarly = median(samples.slice(0, fifth).map((s) => s.rss));
  const rssLate = median(samples.slice(-fifth).map((s) => s.rss));
  const growth = ((rssLate - rssEarly) / rssEarly) * 100;
  const restGrowth = ((atEnd.rss - afterWarmup.rss) / afterWarmup.rss) * 100;
  const fdsDuring = samples.map((s) => s.fds);

  const eld: EldLine[] = existsSync(eldFile)
    ? readFileSync(eldFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as EldLine)
    : [];
  const markAt = eld.findIndex((l) => l.mark);
  const afterMark = markAt === -1 ? [] : eld.slice(markAt + 1).filter((l) => l.since);
  const eldRun = afterMark.at(-1)?.since;
  const intervalP99 = afterMark.map((l) => l.p99 ?? 0);

  console.log('\nsoak results');
  console.log(
    `  requests: ${tally.done} in ${fmt((performance.now() - t0) / 1000, 0)} s (${fmt((tally.done - WARMUP) / seconds, 0)}/s after warm-up), concurrency ${CONCURRENCY}`,
  );
  console.log(`  answers: ${JSON.stringify(Object.fromEntries(Object.entries(tally.statuses).sort()))}`);
  console.log(`  client aborts: ${tally.aborted}; hangs: ${tally.hangs}; unexpected network errors: ${tally.networkErrors}`);
  const pct = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))];
  for (const sc of ['ok', 'fallback', 'e500', 'e429', 'reset', 'break'] as Scenario[]) {
    const xs = tally.latency[sc] ?? [];
    if (xs.length) console.log(`  latency ${sc.padEnd(8)} n=${xs.length}: median ${fmt(pct(xs, 0.5))} ms, p99 ${fmt(pct(xs, 0.99))} ms`);
  }
  console.log(`  RSS after warm-up: ${fmt(rssEarly)} MB (median, first fifth) → ${fmt(rssLate)} MB (median, last fifth): growth ${fmt(growth)} %`);
  console.log(`  RSS at rest: ${fmt(afterWarmup.rss)} MB after warm-up → ${fmt(atEnd.rss)} MB at the end (${fmt(restGrowth)} %)`);
  console.log(
    `  open fds at rest: ${afterWarmup.fds} after warm-up → ${atEnd.fds} at the end; during load min ${Math.min(...fdsDuring)}, max ${Math.max(...fdsDuring)}`,
  );
  console.log(
    `  event-loop delay after warm-up: p50 ${fmt(eldRun?.p50 ?? NaN, 2)} ms, p99 ${fmt(eldRun?.p99 ?? NaN, 2)} ms, max ${fmt(eldRun?.max ?? NaN, 2)} ms; worst 2-s interval p99 ${fmt(Math.max(...intervalP99), 2)} ms`,
  );
  console.log(`  daemon: ${died ? 'DIED' : 'alive'}; graceful exit code ${exitCode}`);

  const misses: string[] = [];
  if (died) misses.push('the daemon died');
  if (tally.hangs > 0) misses.push(`${tally.hangs} hangs`);
  if (!(growth < 10)) misses.push(`RSS growth ${fmt(growth)} % ≥ 10 %`);
  if (!(atEnd.fds <= afterWarmup.fds)) misses.push(`fds at rest grew ${afterWarmup.fds} → ${atEnd.fds}`);
  if (!(eldRun && eldRun.p99 < 50)) misses.push(`event-loop delay p99 ${fmt(eldRun?.p99 ?? NaN)} ms ≥ 50 ms`);
  if (exitCode !== 0) misses.push(`exit code ${exitCode}`);
  console.log(misses.length ? `SOAK FAILED: ${misses.join('; ')}` : 'soak passed: RSS growth < 10 %, constant descriptors, event-loop delay p99 < 50 ms');
  return misses.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
