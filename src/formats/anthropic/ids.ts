import { randomBytes } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function base62(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  // 248 = 4 * 62: rejecting the top bytes would be exact; the tiny bias is irrelevant for ids.
  for (let i = 0; i < length; i++) out += BASE62[bytes[i] % 62];
  return out;
}

/** Message ids as Anthropic clients see them (`msg_01` + 22 base62 characters). */
export function messageId(hubId: string | undefined): string {
  if (hubId && hubId.startsWith('msg_')) return hubId;
  return 'msg_01' + base62(22);
}

/** Id for a tool call that arrived without one (Anthropic requires ids on tool_use). */
export function syntheticToolUseId(): string {
  return 'toolu_01' + base62(22);
}

const TOOL_ID_OK = /^[a-zA-Z0-9_-]+$/;
const TOOL_ID_BAD_CHARS = /[^a-zA-Z0-9_-]/g;

/**
 * Anthropic only accepts tool ids matching `^[a-zA-Z0-9_-]+$`. Ids from other providers are
 * kept byte-identical when they already match (the normal case: `call_…`, `toolu_…`); the rare
 * id with other characters (`functions.get:0`) is rewritten the same way on tool_use and
 * tool_result, so the pairing survives.
 */
export function anthropicToolId(id: string): string {
  if (TOOL_ID_OK.test(id)) return id;
  return id === '' ? 'toolu_empty' : id.replace(TOOL_ID_BAD_CHARS, '_');
}
