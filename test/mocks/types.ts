/**
 * What a strict mock provider answers, independent of format. Each format's mock module
 * (test/mocks/<format>.ts) renders a MockReply exactly as the real provider would put it on
 * the wire (shapes taken from the recorded fixtures), and validates incoming requests as
 * strictly as the real API does.
 */
export interface MockToolCall {
  /** For formats without ids (Gemini) the id is not put on the wire. */
  id: string;
  name: string;
  arguments: Record<string, unknown>;
}

export interface MockReply {
  model: string;
  text?: string;
  /** Reasoning text; families that sign it get a signature `sig-<text length>`. */
  reasoning?: string;
  toolCalls?: MockToolCall[];
  finish?: 'stop' | 'length' | 'tool_calls' | 'content_filter';
  usage?: { input: number; output: number; cacheRead?: number; cacheCreation?: number; reasoning?: number };
  /** Streaming only: split text into this many deltas (default: one per word). */
  chunks?: number;
  /** Streaming only: after this many content events, cut the connection (no terminal event). */
  breakAfter?: number;
  /** Streaming only: after this many content events, send the format's error event. */
  errorAfter?: number;
}

export interface MockErrorReply {
  status: number;
  message: string;
  /** Provider error type string, e.g. rate_limit_error / RESOURCE_EXHAUSTED. Defaults by status. */
  type?: string;
  retryAfter?: string;
}

export interface RenderedReply {
  status: number;
  headers: Record<string, string>;
  /** Non-streaming: whole body. Streaming: the SSE frames, one string per event (written one by one). */
  body: string | string[];
  /** Streaming: end the socket abruptly after writing `body` (a broken stream). */
  destroy?: boolean;
  /** Streaming: after writing `body`, keep the connection open and send nothing more. */
  hang?: boolean;
}

export interface StrictMockFormat {
  /** Problems with a request as the real API would report them; [] when it is valid. */
  validateRequest(body: unknown, headers: Record<string, string | string[] | undefined>, url: string): string[];
  renderReply(reply: MockReply, stream: boolean): RenderedReply;
  renderError(err: MockErrorReply): RenderedReply;
}
