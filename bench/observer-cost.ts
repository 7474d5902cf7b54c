/**
 * `node --import tsx bench/observer-cost.ts [entries=200000] [rounds=5]`: what the request
 * observer (issue 5: log ring, SQLite log and stats, stdout lines, metrics, health, live view,
 * captures) costs per request, measured without the network: the load benchmark's figures
 * move by tens of percent with this VM's speed, while the observer's share is a few percent.
 *
 * The real observer (installObservability, a SQLite file, pino writing to a file) is fed
 * finished requests the way the gateway feeds it under load (a few per event-loop turn, a
 * `started` first for streams); the CPU time of the whole process (every thread: the write
 * thread and V8's GC helpers too) and of the main thread alone is divided by the entries.
 * Variants alternate within each round and the medians are printed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as turn } from 'node:timers/promises';
import pino from 'pino';
import { createContext } from '../src/app/context.js';
import { ConfigManager } from '../src/config/manager.js';
import { CaptureSlabs, PayloadCapture } from '../src/gateway/capture.js';
import { installObservability, type Observability } from '../src/observe/index.js';
import { benchEntry } from './lib/entries.js';
import { cpuMs } from './lib/procfs.js';

const total = Number(process.argv[2] ?? 200_000);
const rounds = Number(process.argv[3] ?? 5);
const PER_TURN = 8;

type Variant = 'off' | 'on' | 'capture';

const REQ_TEXT = JSON.stringify({ model: 'bench-anthropic', messages: [{ role: 'user', content: 'Hello there, how are you today?' }], stream: true });
const UP_EVENT = 'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"word "}}\n\n';
const URL_ = new URL('http://127.0.0.1:9/v1/messages');

/**
 * What the gateway makes for every streamed request whether or not it captures: the request
 * body read from the socket, the downstream request's JSON, the downstream's bytes, the 20
 * events written to the client. Every variant makes them (they are the gateway's, not the
 * observer's, cost); only "capture" hands them, as the gateway does, to a PayloadCapture.
 */
interface Traffic {
  clientRequest: Buffer;
  downstreamRequest: string;
  /** A stream that arrives in four network reads… */
  downstreamReads: Buffer[];
  /** …each written to the client as one string. */
  clientWrites: string[];
}

function traffic(n: number): Traffic {
  const clientEvents: string[] = [];
  for (let i = 0; i < 20; i++)
    clientEvents.push(`data: {"id":"chatcmpl-${n}","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"word ${i} "}}]}\n\n`);
  return {
    clientRequest: Buffer.from(REQ_TEXT),
    downstreamRequest: JSON.stringify({
      model: 'bench-anthropic',
      n,
      max_tokens: 4096,
      messages: [{ role: 'user', content: 'Hello there, how are you today?' }],
    }),
    downstreamReads: [0, 1, 2, 3].map(() => Buffer.from(UP_EVENT.repeat(5))),
    clientWrites: [0, 1, 2, 3].map((i) => clientEvents.slice(i * 5, i * 5 + 5).join('')),
  };
}

/** As the gateway hands a capture over when a request finishes. */
function capture(t: Traffic): PayloadCapture {
  const c = new PayloadCapture(SLABS, 1 << 20, t.clientRequest, ['Authorization', 'Bearer sk-bench-client-key', 'Content-Type', 'application/json']);
  c.downstreamRequest = c.body(t.downstreamRequest);
  c.downstreamHeaders = { 'x-api-key': 'sk-bench-downstream-key-0000', 'content-type': 'application/json' };
  c.downstreamUrl = URL_;
  // (the load benchmark's mock writes its stream at once: one read, one write)
  c.downstreamResponse = c.body();
  c.clientResponse = c.body();
  for (let i = 0; i < 4; i++) {
    c.downstreamResponse.add(t.downstreamReads[i]);
    c.clientResponse.add(t.clientWrites[i]);
  }
  return c;
}

/** The gateway's (one per gateway). */
const SLABS = new CaptureSlabs();

interface Setup {
  obs?: Observability;
  close(): Promise<void>;
}

async function setup(variant: Variant, dir: string): Promise<Setup> {
  if (variant === 'off') return { close: async () => {} };
  const configPath = join(dir, `${variant}.yaml`);
  writeFileSync(configPath, `db_path: ${JSON.stringify(join(dir, `${variant}.db`))}\ncapture_payloads: ${variant === 'capture'}\n`);
  const config = new ConfigManager(configPath, {});
  const logger = pino({ level: 'info' }, pino.destination({ dest: join(dir, `${variant}.log`), sync: false }));
  const ctx = createContext({ version: 'bench', config, logger });
  const obs = await installObservability(ctx, { processMetrics: false });
  return {
    obs,
    async close() {
      for (const fn of ctx.closers.reverse()) await fn();
      config.close();
    },
  };
}

async function run(s: Setup, variant: Variant, n: number): Promise<{ all: number; main: number }> {
  const c0 = process.cpuUsage();
  const m0 = cpuMs(process.pid, process.pid);
  for (let i = 0; i < n; i += PER_TURN) {
    for (let k = 0; k < PER_TURN; k++) {
      const stream = k % 2 === 0;
      const e = benchEntry(stream);
      const t = traffic(i + k);
      if (!s.obs) continue;
      if (stream) s.obs.observer.started(e);
      s.obs.observer.finished(e, variant === 'capture' ? capture(t) : undefined);
    }
    await turn();
  }
  await s.obs?.observer.flushed();
  const c = process.cpuUsage(c0);
  return { all: (c.user + c.system) / n, main: ((cpuMs(process.pid, process.pid) - m0) * 1000) / n };
}

const dir = mkdtempSync(join(tmpdir(), 'tresor-observer-cost-'));
const variants = (process.env.VARIANTS?.split(',') ?? ['off', 'on', 'capture']) as Variant[];
const setups = new Map<Variant, Setup>();
for (const v of variants) setups.set(v, await setup(v, dir));
const results = new Map<Variant, { all: number[]; main: number[] }>();
try {
  for (const v of variants) await run(setups.get(v)!, v, Math.min(total, 20_000)); // warm-up
  for (let r = 0; r < rounds; r++) {
    for (const v of r % 2 === 0 ? variants : [...variants].reverse()) {
      const x = await run(setups.get(v)!, v, total);
      const acc = results.get(v) ?? { all: [], main: [] };
      acc.all.push(x.all);
      acc.main.push(x.main);
      results.set(v, acc);
    }
  }
} finally {
  for (const s of setups.values()) await s.close();
  rmSync(dir, { recursive: true, force: true });
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const off = results.get('off') ?? { all: [0], main: [0] };
process.stdout.write(`observer cost per request (µs of CPU; medians of ${rounds} rounds of ${total} requests; the off variant only builds the entries)\n`);
for (const [v, x] of results) {
  process.stdout.write(
    `  ${v.padEnd(8)} all threads ${median(x.all).toFixed(2).padStart(6)}  (+${(median(x.all) - median(off.all)).toFixed(2)})   main thread ${median(x.main).toFixed(2).padStart(6)}  (+${(median(x.main) - median(off.main)).toFixed(2)})\n`,
  );
}
