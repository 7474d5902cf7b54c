import type { FormatId } from '../ir/types.js';

export type Endpoint =
  | { kind: 'generate'; format: FormatId; pathModel?: string; pathStream?: boolean; geminiSse?: boolean }
  | { kind: 'count_tokens'; format: 'anthropic' | 'gemini'; pathModel?: string }
  | { kind: 'models'; format?: FormatId; modelId?: string };

/**
 * The client's format and intent, from the method and path alone. Paths are accepted with
 * and without the `/v1` prefix, since SDKs are often pointed at the bare host.
 */
export function detectEndpoint(method: string, path: string): Endpoint | undefined {
  if (method === 'POST' || method === 'OPTIONS') {
    switch (path) {
      case '/v1/chat/completions':
      case '/chat/completions':
        return { kind: 'generate', format: 'openai' };
      case '/v1/responses':
      case '/responses':
        return { kind: 'generate', format: 'openai_responses' };
      case '/v1/messages':
      case '/messages':
        return { kind: 'generate', format: 'anthropic' };
      case '/v1/messages/count_tokens':
      case '/messages/count_tokens':
        return { kind: 'count_tokens', format: 'anthropic' };
    }
    const g = geminiAction(path);
    if (g) {
      if (g.action === 'generateContent') return { kind: 'generate', format: 'gemini', pathModel: g.model, pathStream: false };
      if (g.action === 'streamGenerateContent') return { kind: 'generate', format: 'gemini', pathModel: g.model, pathStream: true };
      if (g.action === 'countTokens') return { kind: 'count_tokens', format: 'gemini', pathModel: g.model };
    }
    return undefined;
  }
  if (method === 'GET' || method === 'HEAD') {
    if (path === '/v1/models' || path === '/models') return { kind: 'models' };
    if (path === '/v1beta/models') return { kind: 'models', format: 'gemini' };
    if (path.startsWith('/v1beta/models/')) return { kind: 'models', format: 'gemini', modelId: safeDecode(path.slice(15)) };
    if (path.startsWith('/v1/models/')) return { kind: 'models', modelId: safeDecode(path.slice(11)) };
  }
  return undefined;
}

/** Whether the path belongs to the gateway at all (any method), so the right 404/405 shape is used. */
export function isGatewayPath(path: string): boolean {
  return (
    path.startsWith('/v1/') ||
    path.startsWith('/v1beta/') ||
    path === '/chat/completions' ||
    path === '/responses' ||
    path === '/messages' ||
    path === '/messages/count_tokens' ||
    path === '/models'
  );
}

/** /v1beta/models/{model}:{action} or /v1/models/{model}:{action} (models may contain '/', e.g. tunedModels). */
function geminiAction(path: string): { model: string; action: string } | undefined {
  let rest: string;
  if (path.startsWith('/v1beta/models/')) rest = path.slice(15);
  else if (path.startsWith('/v1/models/')) rest = path.slice(11);
  else if (path.startsWith('/v1alpha/models/')) rest = path.slice(16);
  else return undefined;
  const colon = rest.lastIndexOf(':');
  if (colon <= 0) return undefined;
  const model = safeDecode(rest.slice(0, colon));
  if (!model) return undefined;
  return { model, action: rest.slice(colon + 1) };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
