/** Shapes of the admin API (SPEC §6), as the UI reads them. */

export const FORMATS = ['openai', 'openai_responses', 'anthropic', 'gemini'] as const;
export type FormatId = (typeof FORMATS)[number];

export const FORMAT_LABELS: Record<FormatId, string> = {
  openai: 'OpenAI Chat',
  openai_responses: 'OpenAI Responses',
  anthropic: 'Anthropic',
  gemini: 'Gemini',
};

export interface Downstream {
  id: string;
  name?: string;
  api_formats: FormatId[];
  base_url: string;
  format_urls?: Partial<Record<FormatId, string>>;
  /** Masked (`sk-…abcd`) or `${ENV}`. */
  api_key?: string;
  api_keys?: string[];
  headers?: Record<string, string>;
  auto_cache?: boolean;
  output_model_ids: string[];
  is_enabled?: boolean;
}

export interface AliasOption {
  id: string;
  downstream_id: string;
  output_model_id: string;
  is_active?: boolean;
}

export interface AliasGroup {
  input_model_id: string;
  is_regex?: boolean;
  fallback?: boolean;
  active_id: string;
  options: AliasOption[];
}

export interface PipelineStep {
  plugin_id: string;
  config?: Record<string, unknown>;
  is_enabled?: boolean;
}

export interface Rule {
  id: string;
  name?: string;
  pattern_path?: string;
  pattern_models?: string[];
  pattern_model?: string;
  match_format?: FormatId[];
  match_downstream_format?: FormatId[];
  match_downstreams?: string[];
  pipeline_config: PipelineStep[];
  is_enabled?: boolean;
}

export interface PluginInfo {
  id: string;
  description: string;
  kind?: 'converter' | 'transform';
  config_schema: JsonSchema;
}

export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
}

export interface Usage {
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

export interface LogEntry {
  id: string;
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
  usage: Usage;
  plugins: string[];
  attempts: Attempt[];
  state?: 'started' | 'finished';
}

export interface CapturedBody {
  body: string | unknown;
  truncated: boolean;
}

export type PayloadKey = 'client_request' | 'downstream_request' | 'downstream_response' | 'client_response';
export const PAYLOAD_KEYS: PayloadKey[] = ['client_request', 'downstream_request', 'downstream_response', 'client_response'];

export interface Payloads extends Partial<Record<PayloadKey, CapturedBody>> {
  client_headers?: Record<string, string>;
  downstream_headers?: Record<string, string>;
  downstream_url?: string;
}

export interface LogDetail extends LogEntry {
  payloads?: Payloads | null;
}

export interface StatsRow {
  key: string;
  requests: number;
  errors: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_creation_tokens: number;
  reasoning_tokens: number;
  p50_ms: number | null;
  p95_ms: number | null;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Settings {
  log_level: LogLevel;
  proxy_api_keys?: string[];
  /** Masked when set. */
  admin_password?: string | null;
  admin_password_set?: boolean;
  capture_payloads: boolean;
  retry_on_empty: boolean;
  proxy_mode?: 'auto' | 'env' | 'none';
}

export interface AuthStatus {
  /** An admin password is configured: the UI needs a session. */
  passwordSet: boolean;
  /** This browser holds a valid session (or none is needed). */
  authenticated: boolean;
}
