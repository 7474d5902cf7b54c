/** The seed scenario as docs/cli.md shows it: one `tresor` command line per entry. */
export const SEED_COMMAND_LINES = [
  'downstream create openai --name OpenAI --format openai --base-url https://api.openai.com/v1 --api-key-env OPENAI_API_KEY --model gpt-4o',
  'downstream create anthropic --name Anthropic --format anthropic --base-url https://api.anthropic.com --api-key-env ANTHROPIC_API_KEY --model claude-sonnet-4-20250514',
  "rule create chat-anthropic --name 'Chat Completions -> Anthropic' --path /v1/chat/completions --format openai --downstream-format anthropic --downstream anthropic --plugin openai2anthropic",
  'alias create gpt-4o anthropic claude-sonnet-4-20250514 --id alias-gpt4o-claude',
  'alias create gpt-4o openai gpt-4o --id alias-gpt4o-openai',
  'config set proxy_api_keys sk-proxy-123',
];

/** Split a command line as a POSIX shell would for these lines (words, single quotes). */
export function shellWords(line: string): string[] {
  return [...line.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]);
}

export const SEED_COMMANDS: string[][] = SEED_COMMAND_LINES.map(shellWords);
