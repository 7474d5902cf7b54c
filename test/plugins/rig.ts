/**
 * A real in-process daemon in front of the strict mock providers, one downstream per format
 * (`ds-<format>`, output model `up-<format>`), for the plugin tests. Each test file adds its
 * own aliases and rules; `rawCall` speaks a client format without an SDK, so a test can look
 * at the exact bytes the client received.
 */
import { FORMAT_IDS, type FormatId } from '../../src/ir/types.js';
import { startMockProvider, type MockProvider } from '../mocks/server.js';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';

export interface Rig {
  mock: MockProvider;
  gw: TestDaemon;
  close(): Promise<void>;
}

export async function startRig(config: { aliases?: unknown[]; rules?: unknown[]; [key: string]: unknown }): Promise<Rig> {
  const mock = await startMockProvider();
  const gw = await startTestDaemon({
    downstreams: FORMAT_IDS.map((f) => ({
      id: `ds-${f}`,
      api_formats: [f],
      base_url: f === 'openai' ? `${mock.url}/v1` : mock.url,
      api_key: `key-for-${f}-downstream`,
      output_model_ids: [`up-${f}`],
    })),
    ...config,
  });
  return {
    mock,
    gw,
    async close() {
      await gw.close();
      await mock.close();
    },
  };
}

/** An alias group `name` served by the downstream of format `ds`. */
export function alias(name: string, ds: FormatId): Record<string, unknown> {
  return { input_model_id: name, options: [{ id: `opt-${name}`, downstream_id: `ds-${ds}`, output_model_id: `up-${ds}` }] };
}

export interface RawResult {
  status: number;
  headers: Headers;
  text: string;
}

/** The smallest valid request of each client format, asking for reasoning. */
export function reasoningRequest(client: FormatId, model: string, stream: boolean): { path: string; body: Record<string, unknown> } {
  const q = 'What is 6 times 7?';
  switch (client) {
    case 'openai':
      return {
        path: '/v1/chat/completions',
        body: {
          model,
          messages: [{ role: 'user', content: q }],
          reasoning_effort: 'medium',
          stream,
          ...(stream ? { stream_options: { include_usage: true } } : {}),
        },
      };
    case 'openai_responses':
      return { path: '/v1/responses', body: { model, input: q, reasoning: { effort: 'medium', summary: 'auto' }, stream } };
    case 'anthropic':
      return {
        path: '/v1/messages',
        body: { model, max_tokens: 4096, thinking: { type: 'enabled', budget_tokens: 2048 }, messages: [{ role: 'user', content: q }], stream },
      };
    case 'gemini':
      return {
        path: `/v1beta/models/${model}:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`,
        body: { contents: [{ role: 'user', parts: [{ text: q }] }], generationConfig: { thinkingConfig: { includeThoughts: true, thinkingBudget: 2048 } } },
      };
  }
}

/** POST a client-format body to the gateway and read the whole answer as text. */
export async function rawCall(baseUrl: string, client: FormatId, path: string, body: unknown, headers: Record<string, string> = {}): Promise<RawResult> {
  const h: Record<string, string> = { 'content-type': 'application/json', ...headers };
  if (client === 'anthropic') {
    h['x-api-key'] ??= 'client-key';
    h['anthropic-version'] ??= '2023-06-01';
  } else if (client === 'gemini') h['x-goog-api-key'] ??= 'client-key';
  else h.authorization ??= 'Bearer client-key';
  const r = await fetch(baseUrl + path, { method: 'POST', headers: h, body: JSON.stringify(body) });
  return { status: r.status, headers: r.headers, text: await r.text() };
}
