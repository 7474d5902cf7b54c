/**
 * A hand-written config full of things write-back must keep byte for byte: comments (own
 * line, trailing, aligned), odd quoting, odd spacing, blank lines (one and two), flow lists
 * with and without padding, a flow map, `${ENV}` references, a comment after the last key.
 */
export const RICH_CONFIG = `# Tresor — hand-written config.
# Comments everywhere must survive.

bind_addr: "127.0.0.1:0"     # quoted, aligned comment
db_path: ':memory:'
log_level:   info            # odd spacing after the colon
capture_payloads: false
proxy_api_keys: [ "\${PROXY_KEY}", 'sk-proxy-literal-0001' ]   # flow, padded

# ---- providers ----

downstreams:
  # The main account.
  - id: openai
    name: "OpenAI"            # double quoted
    api_formats: [openai]
    base_url: https://api.openai.com/v1
    api_key: \${OPENAI_API_KEY}
    output_model_ids:
      - gpt-4o          # block list
      - 'gpt-4o-mini'


  - id: anthropic             # two blank lines above
    name: 'Anthropic'
    api_formats: [ anthropic ]
    base_url: https://api.anthropic.com
    api_key: "sk-ant-literal-key-000000001234"
    timeouts: {connect_ms: 5000, first_byte_ms: 60000}
    output_model_ids: [claude-sonnet-4-20250514]

rules:
  - id: chat-anthropic
    name: Chat Completions -> Anthropic
    pattern_path: /v1/chat/completions
    match_format: [openai]
    match_downstreams: [anthropic, openai]
    pipeline_config:
      - plugin_id: openai2anthropic
        config: {}
    is_enabled: true

aliases:                       # groups, in display order
  - input_model_id: gpt-4o
    fallback: false
    options:
      - id: alias-gpt4o-openai
        downstream_id: openai
        output_model_id: gpt-4o
        is_active: true
      - id: alias-gpt4o-claude       # the switch target
        downstream_id: anthropic
        output_model_id: claude-sonnet-4-20250514

  - input_model_id: "claude-.*"
    is_regex: true
    options:
      - {id: alias-claude-any, downstream_id: anthropic, output_model_id: claude-sonnet-4-20250514}
# trailing comment
`;

export const RICH_ENV = { PROXY_KEY: 'sk-proxy-from-env-9999', OPENAI_API_KEY: 'sk-openai-from-env-abcd' };

/** `text` with each [from, to] replaced exactly once (failing loudly when `from` is missing or repeated). */
export function edited(text: string, ...edits: [string, string][]): string {
  let out = text;
  for (const [from, to] of edits) {
    const at = out.indexOf(from);
    if (at === -1) throw new Error(`fixture edit: not found: ${JSON.stringify(from)}`);
    if (out.indexOf(from, at + 1) !== -1) throw new Error(`fixture edit: ambiguous: ${JSON.stringify(from)}`);
    out = out.slice(0, at) + to + out.slice(at + from.length);
  }
  return out;
}
