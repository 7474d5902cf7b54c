import { randomBytes } from 'node:crypto';

/** Completion ids as OpenAI clients expect them (`chatcmpl-…`); a provider's own id is kept inside. */
export function chatCompletionId(id: string | undefined): string {
  if (!id) return 'chatcmpl-' + randomBytes(15).toString('base64url');
  return id.startsWith('chatcmpl-') ? id : 'chatcmpl-' + id;
}

/** Id for a tool call whose provider gave none (legacy function_call, a few compatible servers). */
export function syntheticCallId(): string {
  return 'call_' + randomBytes(12).toString('base64url');
}
