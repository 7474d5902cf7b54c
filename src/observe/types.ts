import type { FormatId } from '../ir/types.js';

export interface UsageCounts {
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_creation_tokens: number;
  reasoning_tokens: number;
}

export interface Attempt {
  downstream_id: string;
  option_id?: string;
  status: number;
  error?: string;
  duration_ms: number;
}

export interface CapturedBody {
  /** Text of the body; for a stream its raw SSE text. */
  body: string;
  truncated: boolean;
}

export interface CapturedPayloads {
  client_request?: CapturedBody;
  downstream_request?: CapturedBody;
  downstream_response?: CapturedBody;
  client_response?: CapturedBody;
  /** Request headers (secrets masked), for the inspector's copy-as-curl. */
  client_headers?: Record<string, string>;
  downstream_headers?: Record<string, string>;
  downstream_url?: string;
}

/**
 * Captured payloads as the gateway keeps them while they are recent: as bytes, turned into
 * CapturedPayloads (text, secrets masked) only when the inspector or the store reads them.
 */
export interface PayloadSource {
  payloads(): CapturedPayloads;
  /** What to keep once the request is done: a compact copy, or the source itself. */
  pack?(): PayloadSource;
  /** No longer kept (a packed copy gives its bytes back to the slabs). */
  release?(): void;
}

export function isPayloadSource(p: CapturedPayloads | PayloadSource): p is PayloadSource {
  return typeof (p as PayloadSource).payloads === 'function';
}

/** What to keep of a finished request's payloads: their packed copy when the source packs. */
export function packed(p: CapturedPayloads | PayloadSource): CapturedPayloads | PayloadSource {
  return isPayloadSource(p) && p.pack ? p.pack() : p;
}

/** The payloads themselves, or where to get them. */
export function payloadsOf(p: CapturedPayloads | PayloadSource): CapturedPayloads {
  return isPayloadSource(p) ? p.payloads() : p;
}

/** One gateway request, as shown by /api/logs, its SSE stream and /api/logs/{id}. */
export interface LogEntry {
  id: string;
  /** ISO time the request arrived. */
  time: string;
  client_addr: string;
  client_format: FormatId | null;
  path: string;
  model: string | null;
  downstream_id: string | null;
  output_model: string | null;
  alias_option_id?: string | null;
  rules?: string[];
  stream: boolean;
  status: number;
  error: string | null;
  ttfb_ms: number | null;
  duration_ms: number;
  usage: UsageCounts;
  plugins: string[];
  attempts: Attempt[];
  /** Present only while a stream is still running (live "started" update). */
  state?: 'started' | 'finished';
}

export function zeroUsage(): UsageCounts {
  return { input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_creation_tokens: 0, reasoning_tokens: 0 };
}

/**
 * Where the gateway reports requests. Implementations must do no blocking work on the
 * caller's stack: persistence and aggregation are batched off the request path.
 */
export interface RequestObserver {
  /** A streamed response started (live view update). Optional. */
  started?(entry: LogEntry): void;
  /** The request finished (success or failure). `payloads` only when capture is on. */
  finished(entry: LogEntry, payloads?: CapturedPayloads | PayloadSource): void;
}
