/** The shape of a benchmark result file (bench/results/<timestamp>.json). */
import type { ObserveMode, Runtime, Variant } from './daemon.js';
import type { Wire } from './wire.js';

export type Via = 'mock' | 'bare' | 'gateway';
/**
 * A daemon variant; an observability mode of the "switch" daemon; or that daemon "on" with 50
 * live-log viewers attached.
 */
export type GwVariant = Variant | ObserveMode | 'viewers';

export interface LoadSample {
  rps: number;
  p50: number;
  p99: number;
  ok: number;
  failed: number;
  /** CPU of the process under test (gateway, bare proxy, or the mock for mock cases), ms per request. */
  cpuMsPerReq: number;
  /** Of that, the main thread's (the event loop), where measured (issue 5's comparison). */
  mainCpuMsPerReq?: number;
  mockCpuMsPerReq: number;
  loadgenCpuMsPerReq: number;
  peakRssMb: number;
  /** Log entries each SSE viewer was sent per second (the "viewers" variant). */
  viewerEventsPerS?: number;
  /** Share of the machine (all cores) that processes outside the benchmark used meanwhile. */
  otherLoadPct: number;
  /** Req/s of each slice, in cycle order (issue 5's interleaved comparison: InterleavedResult.sliceRps). */
  sliceRps?: number[];
}

export interface LoadResult {
  id: string;
  label: string;
  via: Via;
  variant?: GwVariant;
  client: Wire;
  downstream: Wire;
  stream: boolean;
  connections: number;
  samples: LoadSample[];
  median: LoadSample;
  /** The sample taken while other processes used the least of the machine. */
  quietest: LoadSample;
  /** Observability cases: median over rounds of this variant's req/s over "none"'s in the same round. */
  pairedVsNone?: number;
  /** …over "off"'s (metrics and health only: issue 5's baseline). */
  pairedVsOff?: number;
  /** …and over "on"'s in the same round. */
  pairedVsOn?: number;
}

export interface ProbeResult {
  id: string;
  label: string;
  kind: 'latency' | 'ttft';
  pairs: number;
  directP50: number;
  viaP50: number;
  addedP50: number;
  directP99: number;
  viaP99: number;
  addedP99: number;
  /** Median of the per-pair differences (gateway minus direct). */
  addedPairedMedian: number;
  serverTimingP50?: number;
  /** CPU of the gateway (or bare proxy) per request during the probe, from /proc. */
  viaCpuMsPerReq: number;
  failures: string[];
}

export interface SlowResult {
  label: string;
  streams: number;
  completed: number;
  stalled: number;
  wallMs: number;
  ttftP50: number;
  ttftP99: number;
  maxGapMs: number;
  p99GapMs: number;
  peakRssMb: number;
  gatewayCpuMs: number;
  /** p99 of the client's TCP connect time and of its time to response headers. */
  connectP99: number;
  headersP99: number;
  failures: string[];
}

export interface ColdResult {
  runtime: Runtime;
  runsMs: number[];
  medianMs: number;
  firstRunMs: number;
  /** CPU (user + system) the daemon had used when its first request was served, per run. */
  cpuMs: number[];
  medianCpuMs: number;
  /** Starts that served nothing within 15 s, and why. */
  failures?: string[];
}

export interface TargetRow {
  figure: string;
  target: string;
  measured: string;
  /** undefined when the figure was not measured in this run. */
  met?: boolean;
}

export interface Results {
  meta: {
    date: string;
    loadavgAtStart: number[];
    loadavgAtEnd?: number[];
    mode: 'quick' | 'full';
    runtime: Runtime;
    machine: { cpuModel: string; cores: number; memoryGb: number; node: string; platform: string; commit: string };
    options: Record<string, unknown>;
    elapsedS?: number;
    /** Seconds spent in each phase. */
    phaseS?: Record<string, number>;
  };
  load: LoadResult[];
  observe: LoadResult[];
  probes: ProbeResult[];
  slow: SlowResult[];
  cold: ColdResult[];
  /** Phases that failed (the others still ran). */
  errors: { phase: string; message: string }[];
  targets?: TargetRow[];
}
