/**
 * The hub model: the canonical conversation every format decodes into and encodes from.
 *
 * It is a superset of the four wire formats. Whatever one format carries that another has
 * no place for is kept (provider-family-tagged reasoning signatures, cache breakpoints,
 * tool-call ids, raw extras) so that a same-family round trip loses nothing and a
 * cross-family trip drops only what the target would reject.
 */

export type FormatId = 'openai' | 'openai_responses' | 'anthropic' | 'gemini';
export const FORMAT_IDS: readonly FormatId[] = ['openai', 'openai_responses', 'anthropic', 'gemini'];

/** Provider families: reasoning signatures and encrypted reasoning never cross families. */
export type Family = 'openai' | 'anthropic' | 'gemini';

export function familyOf(format: FormatId): Family {
  return format === 'anthropic' ? 'anthropic' : format === 'gemini' ? 'gemini' : 'openai';
}

/** Anthropic-style prompt-cache breakpoint. */
export interface CacheControl {
  type: 'ephemeral';
  ttl?: '5m' | '1h';
}

export type MediaSource =
  | { kind: 'base64'; mediaType: string; data: string }
  | { kind: 'url'; url: string; mediaType?: string }
  /** provider-side file reference (Gemini fileData uri, OpenAI file_id, Anthropic file_id) */
  | { kind: 'file_id'; fileId: string; mediaType?: string };

export interface TextPart {
  type: 'text';
  text: string;
  cacheControl?: CacheControl;
  /** OpenAI Responses output message id (msg_…); only re-emitted to the Responses API. */
  itemId?: string;
}

export interface ImagePart {
  type: 'image';
  source: MediaSource;
  /** OpenAI image detail hint */
  detail?: 'auto' | 'low' | 'high';
  cacheControl?: CacheControl;
}

/** PDFs and other documents. */
export interface DocumentPart {
  type: 'document';
  source: MediaSource;
  filename?: string;
  cacheControl?: CacheControl;
}

export interface ToolCallPart {
  type: 'tool_call';
  /** Kept byte-identical across formats that carry ids. */
  id: string;
  name: string;
  /** JSON text of the arguments object ("{}" for none). */
  arguments: string;
  cacheControl?: CacheControl;
  /** Gemini 3 thought signature attached to a functionCall part. */
  thoughtSignature?: string;
  /** OpenAI Responses function_call item id (fc_…), paired with its reasoning item; Responses only. */
  itemId?: string;
}

export type ToolResultContent = TextPart | ImagePart | DocumentPart;

export interface ToolResultPart {
  type: 'tool_result';
  toolCallId: string;
  /** Function name, when known (Gemini needs it; recovered from history otherwise). */
  name?: string;
  content: ToolResultContent[];
  isError?: boolean;
  cacheControl?: CacheControl;
}

/**
 * Model reasoning. `family` says which provider produced the opaque parts (signature,
 * redactedData, encrypted): those are only ever sent back to the same family.
 */
export interface ReasoningPart {
  type: 'reasoning';
  text: string;
  family?: Family;
  /** Anthropic thinking signature, or Gemini thoughtSignature. */
  signature?: string;
  /** Anthropic redacted_thinking data. */
  redactedData?: string;
  /** OpenAI Responses encrypted_content, with the reasoning item id. */
  encrypted?: string;
  itemId?: string;
  /** Responses reasoning: summary texts (text holds their concatenation). */
  summary?: string[];
}

export type Part = TextPart | ImagePart | DocumentPart | ToolCallPart | ToolResultPart | ReasoningPart;

export type AssistantPart = TextPart | ToolCallPart | ReasoningPart;

/**
 * Roles: `tool` messages hold only tool_result parts (OpenAI tool messages, Anthropic
 * tool_result blocks, Gemini functionResponse parts, Responses function_call_output items).
 * Encoders merge and split as their format requires alternation.
 */
export type Role = 'user' | 'assistant' | 'tool';

export interface Message {
  role: Role;
  parts: Part[];
  /** Optional participant name (OpenAI `name`). */
  name?: string;
  /** Provider-specific blocks with no hub equivalent; only their own format re-emits them. */
  providerParts?: ProviderPart[];
}

/**
 * A provider-specific content block with no hub part (Anthropic `server_tool_use`,
 * `web_search_tool_result`...), kept at its position for same-format round trips. Encoders
 * of other formats ignore it, which is the intended drop.
 */
export interface ProviderPart {
  format: FormatId;
  /** The block sat before `parts[index]` of its owner (`parts.length`: after the last part). */
  index: number;
  raw: Record<string, unknown>;
}

export type JsonSchema = Record<string, unknown>;

export interface FunctionTool {
  type: 'function';
  name: string;
  description?: string;
  parameters: JsonSchema;
  /** Only true when the client asked for strict schemas. */
  strict?: boolean;
  cacheControl?: CacheControl;
  /** Tool-definition fields of the source format with no hub equivalent (same-format only). */
  extras?: Record<string, unknown>;
}

/** A provider-hosted tool (web search, code execution...). Kept only within its own format. */
export interface ProviderTool {
  type: 'provider';
  format: FormatId;
  raw: Record<string, unknown>;
}

export type Tool = FunctionTool | ProviderTool;

export type ToolChoice = { type: 'auto' } | { type: 'none' } | { type: 'required' } | { type: 'tool'; name: string };

export type ResponseFormat =
  { type: 'text' } | { type: 'json_object' } | { type: 'json_schema'; name: string; schema: JsonSchema; strict?: boolean; description?: string };

export type ReasoningEffort = 'none' | 'minimal' | 'low' | 'medium' | 'high' | 'xhigh';

export interface ReasoningConfig {
  /** false: the client explicitly turned reasoning off. */
  enabled: boolean;
  effort?: ReasoningEffort;
  /** Explicit token budget (Anthropic budget_tokens, Gemini thinkingBudget). */
  budgetTokens?: number;
  /** Ask for reasoning text back (Responses summary, Gemini includeThoughts). */
  summary?: 'auto' | 'concise' | 'detailed';
}

export interface SystemBlock {
  text: string;
  cacheControl?: CacheControl;
  /** OpenAI distinguishes developer from system messages. */
  role?: 'system' | 'developer';
}

export interface Request {
  model: string;
  system: SystemBlock[];
  messages: Message[];
  tools?: Tool[];
  toolChoice?: ToolChoice;
  parallelToolCalls?: boolean;
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  stop?: string[];
  seed?: number;
  n?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  responseFormat?: ResponseFormat;
  reasoning?: ReasoningConfig;
  stream: boolean;
  /** OpenAI stream_options.include_usage (other formats always report usage). */
  includeUsage?: boolean;
  /** End-user id (OpenAI `user`, Anthropic metadata.user_id). */
  user?: string;
  /** Responses previous_response_id: only the Responses API can honour it. */
  previousResponseId?: string;
  /**
   * Fields of the source format that have no hub equivalent. Only re-emitted when the
   * target is the same format (`sourceFormat`).
   */
  extras?: Record<string, unknown>;
  sourceFormat: FormatId;
}

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'error';

export interface Usage {
  /** All prompt tokens, cached ones included. */
  inputTokens: number;
  /** All generated tokens, reasoning included. */
  outputTokens: number;
  cacheReadTokens?: number;
  cacheCreationTokens?: number;
  reasoningTokens?: number;
}

export interface Response {
  id: string;
  model: string;
  parts: AssistantPart[];
  finishReason: FinishReason;
  /** The provider's raw reason (`end_turn`, `MAX_TOKENS`...), for same-format fidelity. */
  rawFinishReason?: string;
  /** Matched stop sequence, where the provider reports it. */
  stopSequence?: string;
  usage?: Usage;
  created?: number;
  /** Top-level fields of the source format with no hub equivalent (same-format round trips). */
  extras?: Record<string, unknown>;
  /** Provider-specific content blocks (server tool use/results), same-format only. */
  providerParts?: ProviderPart[];
  sourceFormat?: FormatId;
}

/**
 * Stream events. Content events are deltas; encoders open and close their own blocks.
 * Order: `start`, content/usage events, then exactly one terminal `finish` or `error`.
 */
export type StreamEvent =
  | { type: 'start'; id: string; model: string; usage?: Partial<Usage> }
  /** itemId: Responses output message id (same-format fidelity; other formats ignore it). */
  | { type: 'text'; text: string; itemId?: string }
  | {
      type: 'reasoning';
      text?: string;
      signature?: string;
      redactedData?: string;
      encrypted?: string;
      itemId?: string;
      family?: Family;
    }
  | {
      type: 'tool_call';
      /** Ordinal of the call within this response (0, 1, ...). */
      index: number;
      /** Present on the first event for an index. */
      id?: string;
      name?: string;
      argumentsDelta?: string;
      thoughtSignature?: string;
      /** Responses function_call item id (fc_…), with the first event of an index. */
      itemId?: string;
    }
  | { type: 'usage'; usage: Partial<Usage> }
  | { type: 'finish'; finishReason: FinishReason; rawFinishReason?: string; stopSequence?: string; usage?: Partial<Usage> }
  | { type: 'error'; error: ErrorInfo };

/** A client-facing error, independent of format. */
export interface ErrorInfo {
  status: number;
  /** Canonical kind; each format maps it to its own type/code strings. */
  kind: ErrorKind;
  message: string;
  /** seconds, for 429 */
  retryAfter?: string;
  /** Provider's own type/code string, when it had one. */
  providerType?: string;
  param?: string;
}

export type ErrorKind =
  'invalid_request' | 'authentication' | 'permission' | 'not_found' | 'request_too_large' | 'rate_limit' | 'overloaded' | 'timeout' | 'upstream' | 'server';

export function emptyUsage(): Usage {
  return { inputTokens: 0, outputTokens: 0 };
}
