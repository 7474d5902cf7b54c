import type { ErrorInfo, FormatId, Request, Response, StreamEvent } from '../ir/types.js';
import type { ReasoningStore } from '../ir/reasoning-store.js';
import type { SseEvent } from '../util/sse.js';

/** What a decoder of a client request may need beyond the body. */
export interface ClientRequestContext {
  /** Model taken from the URL (Gemini's /models/{model}:...), when the format puts it there. */
  pathModel?: string;
  /** Streaming decided by the URL (Gemini's :streamGenerateContent). */
  pathStream?: boolean;
}

/** What an encoder of a client-facing response needs. */
export interface ClientResponseContext {
  /** The model name the client asked for; echoed back so the app never notices a switch. */
  model: string;
  /** The decoded client request (Responses echoes its parameters, OpenAI honours include_usage). */
  request: Request;
  /** Gateway-wide store of signed reasoning, keyed by tool-call id (reasoning continuity). */
  reasoningStore: ReasoningStore;
}

/** What an encoder of a downstream request needs. */
export interface UpstreamRequestContext {
  /** The model to put in the outgoing request (alias output model, after model_map). */
  model: string;
  /** Anthropic downstreams: place automatic cache breakpoints. */
  autoCache: boolean;
  /** Anthropic version declared on the outgoing request. */
  anthropicVersion: string;
  reasoningStore: ReasoningStore;
}

export interface UpstreamResponseContext {
  reasoningStore: ReasoningStore;
}

export interface StreamDecoder {
  /** One downstream SSE event in, zero or more hub events out. */
  push(event: SseEvent): StreamEvent[];
  /**
   * The downstream closed the stream. Returns the terminal events still owed: an `error`
   * when the stream ended without its format's normal completion (truncation is never silent).
   */
  end(): StreamEvent[];
}

export interface StreamEncoder {
  /** One hub event in, the client-format SSE text to write (possibly ''). */
  push(event: StreamEvent): string;
}

/**
 * One wire format. The client side decodes requests and encodes responses; the downstream
 * side encodes requests and decodes responses. Converters are compositions of two modules.
 */
export interface FormatModule {
  readonly id: FormatId;

  // ---- client side ----
  /** Parse a client request body. Throws GatewayError(400) for a body of the wrong shape. */
  decodeRequest(body: unknown, ctx: ClientRequestContext): Request;
  encodeResponse(res: Response, ctx: ClientResponseContext): unknown;
  createStreamEncoder(ctx: ClientResponseContext): StreamEncoder;
  /** The error body a client of this format expects. */
  encodeError(err: ErrorInfo): unknown;

  // ---- downstream side ----
  encodeRequest(req: Request, ctx: UpstreamRequestContext): Record<string, unknown>;
  decodeResponse(body: unknown, ctx: UpstreamResponseContext): Response;
  createStreamDecoder(ctx: UpstreamResponseContext): StreamDecoder;
  /** Turn a downstream error response (status + raw body text) into a hub error. */
  decodeError(status: number, bodyText: string): ErrorInfo;
  /** Path appended to the downstream base URL (before the version rule is applied). */
  upstreamPath(model: string, stream: boolean): string;
  /** Auth headers for the downstream key. */
  authHeaders(key: string): Record<string, string>;
}
