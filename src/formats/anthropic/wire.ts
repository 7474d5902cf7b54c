/**
 * Wire shapes of the Anthropic Messages API (`/v1/messages`) as far as this module writes
 * them, plus small narrowing helpers for reading untyped JSON without `any`.
 */

export type JsonRecord = Record<string, unknown>;

export function isRecord(v: unknown): v is JsonRecord {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export interface WireCacheControl {
  type: 'ephemeral';
  ttl?: '5m' | '1h';
}

export type WireMediaSource =
  | { type: 'base64'; media_type: string; data: string }
  | { type: 'url'; url: string }
  | { type: 'file'; file_id: string }
  | { type: 'text'; media_type: 'text/plain'; data: string };

export interface WireTextBlock {
  type: 'text';
  text: string;
  cache_control?: WireCacheControl;
}

export interface WireImageBlock {
  type: 'image';
  source: WireMediaSource;
  cache_control?: WireCacheControl;
}

export interface WireDocumentBlock {
  type: 'document';
  source: WireMediaSource;
  title?: string;
  cache_control?: WireCacheControl;
}

export interface WireToolUseBlock {
  type: 'tool_use';
  id: string;
  name: string;
  input: JsonRecord;
  cache_control?: WireCacheControl;
}

export type WireToolResultContent = WireTextBlock | WireImageBlock | WireDocumentBlock;

export interface WireToolResultBlock {
  type: 'tool_result';
  tool_use_id: string;
  content?: string | WireToolResultContent[];
  is_error?: boolean;
  cache_control?: WireCacheControl;
}

export interface WireThinkingBlock {
  type: 'thinking';
  thinking: string;
  signature: string;
}

export interface WireRedactedThinkingBlock {
  type: 'redacted_thinking';
  data: string;
}

/** A provider-specific block (server tool use/results...) forwarded as the client sent it. */
export interface WireRawBlock {
  type: string;
  cache_control?: WireCacheControl;
  [key: string]: unknown;
}

export type WireBlock =
  WireTextBlock | WireImageBlock | WireDocumentBlock | WireToolUseBlock | WireToolResultBlock | WireThinkingBlock | WireRedactedThinkingBlock | WireRawBlock;

export interface WireMessage {
  role: 'user' | 'assistant';
  content: WireBlock[];
}

export interface WireSystemBlock {
  type: 'text';
  text: string;
  cache_control?: WireCacheControl;
}

export interface WireCustomTool {
  name: string;
  description?: string;
  input_schema: JsonRecord;
  cache_control?: WireCacheControl;
  strict?: boolean;
  [key: string]: unknown;
}

export type WireToolChoice =
  { type: 'auto' | 'any'; disable_parallel_tool_use?: boolean } | { type: 'tool'; name: string; disable_parallel_tool_use?: boolean } | { type: 'none' };

export type WireThinkingConfig =
  { type: 'enabled'; budget_tokens: number; [key: string]: unknown } | { type: 'disabled' } | { type: 'adaptive'; [key: string]: unknown };

export interface WireUsage {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  output_tokens: number;
  output_tokens_details?: { thinking_tokens: number };
}

/** Error types of the Messages API, with the HTTP status each one comes with. */
export const ERROR_STATUS: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};
