import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { FormatId } from '../../src/ir/types.js';
import type { MockErrorReply, MockReply, RenderedReply, StrictMockFormat } from './types.js';
import { openaiMock } from './openai.js';
import { responsesMock } from './responses.js';
import { anthropicMock } from './anthropic.js';
import { geminiMock } from './gemini.js';

export const MOCKS: Record<FormatId, StrictMockFormat> = {
  openai: openaiMock,
  openai_responses: responsesMock,
  anthropic: anthropicMock,
  gemini: geminiMock,
};

export interface ReceivedRequest {
  format: FormatId;
  path: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
  stream: boolean;
  /** What the strict validator found wrong ([] when the request was valid). */
  problems: string[];
}

/** What to answer: a reply, an error, or a fault. */
export type MockAction = MockReply | { error: MockErrorReply } | { fault: 'hang' | 'reset' | 'garbage' | 'half-json' } | { raw: RenderedReply };

export type Responder = (req: ReceivedRequest) => MockAction | Promise<MockAction>;

export interface MockProvider {
  url: string;
  port: number;
  requests: ReceivedRequest[];
  /** Requests whose connection was closed by the gateway before the answer ended. */
  aborted: number;
  respond(fn: Responder): void;
  close(): Promise<void>;
}

/**
 * Token counting (Anthropic /v1/messages/count_tokens, Gemini :countTokens): checked for
 * the provider's auth and body shape, recorded like any request, and answered with a count
 * no local estimate would produce, so a test can tell a forwarded answer from an estimate.
 */
export const MOCK_TOKEN_COUNT = { anthropic: 4242, gemini: 3131 } as const;

const ANTHROPIC_COUNT_FIELDS = new Set([
  'model',
  'messages',
  'system',
  'tools',
  'tool_choice',
  'thinking',
  'mcp_servers',
  'output_config',
  'context_management',
]);

function countTokensProblems(format: 'anthropic' | 'gemini', body: unknown, headers: IncomingMessage['headers']): string[] {
  const problems: string[] = [];
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return ['The request body is not valid JSON.'];
  const b = body as Record<string, unknown>;
  if (format === 'anthropic') {
    if (!headers['x-api-key']) problems.push('x-api-key header is required');
    if (!headers['anthropic-version']) problems.push('anthropic-version: header is required');
    for (const k of Object.keys(b)) if (!ANTHROPIC_COUNT_FIELDS.has(k)) problems.push(`${k}: Extra inputs are not permitted`);
    if (typeof b.model !== 'string' || !b.model) problems.push('model: Field required');
    if (!Array.isArray(b.messages) || b.messages.length === 0) problems.push('messages: Field required');
  } else {
    if (!headers['x-goog-api-key']) problems.push('API key not valid: x-goog-api-key header is required');
    for (const k of Object.keys(b)) {
      if (k !== 'contents' && k !== 'generateContentRequest') problems.push(`Invalid JSON payload received. Unknown name "${k}": Cannot find field.`);
    }
    if (b.contents === undefined && b.generateContentRequest === undefined) problems.push('contents or generateContentRequest is required');
  }
  return problems;
}

function countTokensReply(format: 'anthropic' | 'gemini', problems: string[]): RenderedReply {
  if (problems.length) {
    const status = problems.some((p) => /api key|api-key/i.test(p)) ? 401 : 400;
    return MOCKS[format].renderError({ status, message: `mock ${format} count tokens: ${problems.join('; ')}` });
  }
  const n = MOCK_TOKEN_COUNT[format];
  const body = format === 'anthropic' ? { input_tokens: n } : { totalTokens: n, promptTokensDetails: [{ modality: 'TEXT', tokenCount: n }] };
  return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

function countTokensFormat(path: string): 'anthropic' | 'gemini' | undefined {
  if (path.endsWith('/v1/messages/count_tokens')) return 'anthropic';
  if (path.includes('/models/') && path.endsWith(':countTokens')) return 'gemini';
  return undefined;
}

/** A format from the path the gateway called. */
function formatOf(path: string): FormatId | undefined {
  if (path.endsWith('/chat/completions')) return 'openai';
  if (path.endsWith('/responses')) return 'openai_responses';
  if (path.endsWith('/messages')) return 'anthropic';
  if (path.includes(':generateContent') || path.includes(':streamGenerateContent')) return 'gemini';
  return undefined;
}

/**
 * A strict mock of all four providers on one port: each request is validated as the real
 * API would (a problem → the provider's own 400), recorded, and answered as the test says.
 */
export async function startMockProvider(responder?: Responder, opts: { chunkDelayMs?: number } = {}): Promise<MockProvider> {
  let fn: Responder = responder ?? ((r) => ({ model: String(r.body.model ?? 'mock-model'), text: 'Hello from the mock.' }));
  const requests: ReceivedRequest[] = [];
  const sockets = new Set<Socket>();
  const state = { aborted: 0 };

  const server: Server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = req.url ?? '/';
    const path = url.split('?')[0];
    const counting = countTokensFormat(path);
    if (counting) {
      let body: Record<string, unknown> = {};
      let problems: string[];
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        problems = countTokensProblems(counting, body, req.headers);
      } catch {
        problems = ['body is not valid JSON'];
      }
      requests.push({ format: counting, path, url, headers: req.headers, body, stream: false, problems });
      return send(res, countTokensReply(counting, problems), 0);
    }
    const format = formatOf(path);
    if (!format) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `mock: no endpoint ${path}` } }));
      return;
    }
    const mock = MOCKS[format];
    let body: Record<string, unknown> = {};
    let problems: string[] = [];
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      problems = mock.validateRequest(body, req.headers, url);
    } catch {
      problems = ['body is not valid JSON'];
    }
    const stream = format === 'gemini' ? path.includes(':streamGenerateContent') : body.stream === true;
    const received: ReceivedRequest = { format, path, url, headers: req.headers, body, stream, problems };
    requests.push(received);
    res.on('close', () => {
      if (!res.writableFinished) state.aborted++;
    });
    if (problems.length) {
      const status = problems.some((p) => /auth|api key|api-key|x-goog-api-key|bearer/i.test(p)) ? 401 : 400;
      send(res, mock.renderError({ status, message: `mock ${format}: ${problems.join('; ')}` }), 0);
      return;
    }
    const action = await fn(received);
    if ('fault' in action) {
      if (action.fault === 'hang') return; // never answers; the gateway's timeout or abort ends it
      if (action.fault === 'reset') {
        req.socket.destroy();
        return;
      }
      res.writeHead(200, { 'content-type': stream ? 'text/event-stream' : 'application/json' });
      res.end(action.fault === 'garbage' ? 'this is not json at all <html>' : '{"id":"x","choices":[{"mess');
      return;
    }
    if ('raw' in action) return send(res, action.raw, opts.chunkDelayMs ?? 0);
    if ('error' in action) return send(res, mock.renderError(action.error), 0);
    send(res, mock.renderReply(action, stream), opts.chunkDelayMs ?? 0);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    get aborted() {
      return state.aborted;
    },
    respond(next) {
      fn = next;
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

async function send(res: ServerResponse, r: RenderedReply, delayMs: number): Promise<void> {
  res.writeHead(r.status, r.headers);
  if (typeof r.body === 'string') {
    res.end(r.body);
    return;
  }
  for (const frame of r.body) {
    if (res.destroyed) return;
    // wait until the frame is handed to the socket, so a later destroy() cannot discard it
    await new Promise<void>((done) => res.write(frame, () => done()));
    if (delayMs) await new Promise((t) => setTimeout(t, delayMs));
  }
  if (r.destroy) res.socket?.destroy();
  else if (!r.hang) res.end();
}
