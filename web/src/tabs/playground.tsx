import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError } from '../api.js';
import { ErrorBanner, Field } from '../ui/components.js';
import { useLoad } from '../ui/hooks.js';
import { answerOf, reassemble, type Reassembled } from '../lib/sse.js';
import { fmtMs } from '../lib/format.js';
import type { LogDetail } from '../types.js';
import { InspectorView, loadLog } from './inspector.js';

export const CLIENT_FORMATS = [
  { id: 'openai', label: 'OpenAI Chat Completions', path: '/v1/chat/completions' },
  { id: 'openai_responses', label: 'OpenAI Responses', path: '/v1/responses' },
  { id: 'anthropic', label: 'Anthropic Messages', path: '/v1/messages' },
  { id: 'gemini', label: 'Google Gemini', path: '/v1beta/models/{model}:generateContent' },
] as const;
type ClientFormat = (typeof CLIENT_FORMATS)[number]['id'];

/** The request a client of this format would send: path, headers, body. */
export function buildRequest(
  format: ClientFormat,
  model: string,
  prompt: string,
  stream: boolean,
  key: string,
): { path: string; headers: Record<string, string>; body: unknown } {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  switch (format) {
    case 'openai':
      if (key) headers.authorization = `Bearer ${key}`;
      return {
        path: '/v1/chat/completions',
        headers,
        body: { model, messages: [{ role: 'user', content: prompt }], stream, ...(stream ? { stream_options: { include_usage: true } } : {}) },
      };
    case 'openai_responses':
      if (key) headers.authorization = `Bearer ${key}`;
      return { path: '/v1/responses', headers, body: { model, input: prompt, stream } };
    case 'anthropic':
      headers['anthropic-version'] = '2023-06-01';
      if (key) headers['x-api-key'] = key;
      return { path: '/v1/messages', headers, body: { model, max_tokens: 1024, messages: [{ role: 'user', content: prompt }], stream } };
    case 'gemini': {
      if (key) headers['x-goog-api-key'] = key;
      const m = encodeURIComponent(model);
      return {
        path: stream ? `/v1beta/models/${m}:streamGenerateContent?alt=sse` : `/v1beta/models/${m}:generateContent`,
        headers,
        body: { contents: [{ role: 'user', parts: [{ text: prompt }] }] },
      };
    }
  }
}

/** The error text of a gateway error body of any format. */
function gatewayError(status: number, text: string): string {
  try {
    const j = JSON.parse(text) as { error?: { message?: string } | string; message?: string };
    if (typeof j.error === 'string') return j.error;
    if (j.error?.message) return j.error.message;
    if (j.message) return j.message;
  } catch {
    /* not JSON */
  }
  return text.trim() ? text.trim().slice(0, 500) : `HTTP ${status}`;
}

interface Result {
  status: number;
  ms: number;
  answer: Reassembled;
  requestId?: string;
  raw: string;
}

export function PlaygroundTab() {
  const [key, setKey] = useState(() => sessionStorage.getItem('tresor-playground-key') ?? '');
  // With proxy keys set, listing models needs a key too: reload when the key is committed.
  const [modelsKey, setModelsKey] = useState(key);
  const models = useLoad(async () => {
    const res = await fetch('/v1/models', { headers: { accept: 'application/json', ...(modelsKey ? { authorization: `Bearer ${modelsKey}` } : {}) } });
    const text = await res.text();
    if (!res.ok) throw new ApiError(res.status, gatewayError(res.status, text));
    const j = JSON.parse(text) as { data?: { id: string }[] };
    return (j.data ?? []).map((m) => m.id);
  }, [modelsKey]);
  const settings = useLoad(() => api.settings());
  const [format, setFormat] = useState<ClientFormat>('openai');
  const [model, setModel] = useState('');
  const [prompt, setPrompt] = useState('Say hello in one short sentence.');
  const [stream, setStream] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [result, setResult] = useState<Result | undefined>(undefined);
  const [partial, setPartial] = useState('');
  const [log, setLog] = useState<{ entry?: LogDetail; error?: Error }>({});
  const abort = useRef<AbortController | undefined>(undefined);
  const needsKey = (settings.data?.proxy_api_keys?.length ?? 0) > 0;

  useEffect(() => {
    // Functional update: never overwrite a model the user typed while the list was loading.
    const first = models.data?.[0];
    if (first) setModel((m) => m || first);
  }, [models.data]);
  useEffect(() => () => abort.current?.abort(), []);

  const send = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    setResult(undefined);
    setPartial('');
    setLog({});
    sessionStorage.setItem('tresor-playground-key', key);
    const req = buildRequest(format, model, prompt, stream, key);
    const ac = new AbortController();
    abort.current = ac;
    const t0 = performance.now();
    try {
      const res = await fetch(req.path, { method: 'POST', headers: req.headers, body: JSON.stringify(req.body), signal: ac.signal });
      const requestId = res.headers.get('x-tresor-request-id') ?? undefined;
      let raw = '';
      if (res.ok && stream && res.body) {
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          raw += value;
          setPartial(reassemble(raw).text);
        }
      } else raw = await res.text();
      const ms = performance.now() - t0;
      if (!res.ok) {
        setError(new ApiError(res.status, gatewayError(res.status, raw)));
        setResult({ status: res.status, ms, answer: { text: '', reasoning: '', toolCalls: [], events: 0 }, requestId, raw });
      } else {
        let answer: Reassembled;
        if (stream) answer = reassemble(raw);
        else {
          try {
            answer = answerOf(JSON.parse(raw));
          } catch {
            answer = { text: raw, reasoning: '', toolCalls: [], events: 0 };
          }
        }
        setResult({ status: res.status, ms, answer, requestId, raw });
      }
      if (requestId) {
        try {
          setLog({ entry: await loadLog(requestId, 20, 250) });
        } catch (err) {
          setLog({ error: err as Error });
        }
      } else setLog({ error: new Error('the gateway did not return an x-tresor-request-id header, so the downstream request cannot be shown') });
    } catch (err) {
      if ((err as Error).name !== 'AbortError') setError(new Error(`the request failed: ${(err as Error).message}`));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="pg-title">
      <div class="tab-head">
        <div>
          <h1 id="pg-title">Playground</h1>
          <p class="muted">Send a prompt through the gateway as a client of any format, and see what was actually sent downstream.</p>
        </div>
      </div>
      <form class="card form playground-form" onSubmit={send}>
        <div class="grid2">
          <Field label="Client format">
            {(id) => (
              <select id={id} value={format} onChange={(e) => setFormat(e.currentTarget.value as ClientFormat)}>
                {CLIENT_FORMATS.map((f) => (
                  <option key={f.id} value={f.id}>
                    {f.label}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Model" hint={models.error ? undefined : 'From GET /v1/models; you may type any name.'}>
            {(id, d) => (
              <>
                <input id={id} aria-describedby={d} list={`${id}-list`} required value={model} onInput={(e) => setModel(e.currentTarget.value)} />
                <datalist id={`${id}-list`}>
                  {(models.data ?? []).map((m) => (
                    <option key={m} value={m} />
                  ))}
                </datalist>
              </>
            )}
          </Field>
        </div>
        <ErrorBanner error={models.error} title="Could not list models" />
        {(needsKey || key || (models.error instanceof ApiError && models.error.status === 401)) && (
          <Field label="Gateway API key" hint="One of the proxy keys set in Settings; kept in this tab only.">
            {(id, d) => (
              <input
                id={id}
                aria-describedby={d}
                type="password"
                autoComplete="off"
                value={key}
                onInput={(e) => setKey(e.currentTarget.value)}
                onBlur={() => setModelsKey(key)}
                required={needsKey}
              />
            )}
          </Field>
        )}
        <Field label="Prompt">{(id) => <textarea id={id} rows={4} required value={prompt} onInput={(e) => setPrompt(e.currentTarget.value)} />}</Field>
        <div class="inline">
          <label class="check">
            <input type="checkbox" checked={stream} onChange={(e) => setStream(e.currentTarget.checked)} /> Stream
          </label>
          <button type="submit" class="primary" disabled={busy || !model}>
            {busy ? 'Sending…' : 'Send'}
          </button>
          {busy && (
            <button type="button" onClick={() => abort.current?.abort()}>
              Stop
            </button>
          )}
        </div>
      </form>
      <ErrorBanner error={error} title="The gateway answered with an error" />
      {(busy && partial) || result ? (
        <section class="card answer" aria-label="Answer" aria-live="polite">
          <h2>
            Answer{' '}
            {result && (
              <span class="muted small">
                {result.status} · {fmtMs(result.ms)}
                {result.requestId ? ` · ${result.requestId}` : ''}
              </span>
            )}
          </h2>
          {result?.answer.reasoning && (
            <details>
              <summary>Reasoning</summary>
              <pre class="code prose">{result.answer.reasoning}</pre>
            </details>
          )}
          <pre class="code prose" data-answer>
            {result ? result.answer.text || (result.status < 300 ? '(no text)' : '') : partial}
          </pre>
          {result && result.answer.toolCalls.length > 0 && <pre class="code">{result.answer.toolCalls.map((c) => `${c.name}(${c.arguments})`).join('\n')}</pre>}
          {result?.answer.error && <ErrorBanner error={result.answer.error} title="Stream error" />}
        </section>
      ) : null}
      {log.error && <ErrorBanner error={log.error} title="Could not load the request log entry" />}
      {log.entry && (
        <section class="card" aria-label="What the gateway sent downstream">
          <h2>What the gateway sent downstream</h2>
          <InspectorView entry={log.entry} compact />
        </section>
      )}
    </section>
  );
}
