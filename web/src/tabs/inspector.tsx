import { useState } from 'preact/hooks';
import { api, ApiError } from '../api.js';
import { Badge, ErrorBanner, Loading } from '../ui/components.js';
import { useLoad } from '../ui/hooks.js';
import { curlFor } from '../lib/curl.js';
import { fmtInt, fmtMs, fmtTime, statusTone } from '../lib/format.js';
import { looksLikeSse, pretty, reassemble, streamPayloads } from '../lib/sse.js';
import { PAYLOAD_KEYS, type CapturedBody, type LogDetail, type PayloadKey } from '../types.js';

const TITLES: Record<PayloadKey, string> = {
  client_request: 'Client request',
  downstream_request: 'Sent downstream',
  downstream_response: 'Downstream response',
  client_response: 'Returned to client',
};

/** Log entries are written off the request path: a just-finished one may need a moment. */
export async function loadLog(id: string, tries = 10, delayMs = 300): Promise<LogDetail> {
  for (let i = 0; ; i++) {
    try {
      return await api.log(id);
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 404) || i >= tries - 1) throw e;
      await new Promise((r) => setTimeout(r, delayMs));
    }
  }
}

export function Inspector({ id }: { id: string }) {
  const d = useLoad(() => loadLog(id), [id]);
  if (d.error) return <ErrorBanner error={d.error} title="Could not load this request" />;
  if (!d.data) return <Loading what="the request" />;
  return <InspectorView entry={d.data} />;
}

export function InspectorView({ entry: e, compact }: { entry: LogDetail; compact?: boolean }) {
  const [copied, setCopied] = useState<string | undefined>(undefined);
  const p = e.payloads ?? undefined;
  const clientBody = p?.client_request ? bodyText(p.client_request) : undefined;
  const curl = curlFor({ url: `${location.origin}${e.path}`, headers: p?.client_headers, body: clientBody });
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(curl);
      setCopied('Copied to the clipboard.');
    } catch {
      setCopied('The browser refused clipboard access: select the command below and copy it.');
    }
  };
  return (
    <div class="inspector" data-inspector={e.id}>
      <dl class="facts">
        <div>
          <dt>Status</dt>
          <dd>
            <span class={`status tone-${statusTone(e.status)}`}>{e.status}</span> {e.stream && <Badge>stream</Badge>}
          </dd>
        </div>
        <div>
          <dt>Time</dt>
          <dd>{fmtTime(e.time)}</dd>
        </div>
        <div>
          <dt>Client</dt>
          <dd>
            {e.client_format ?? '?'} · {e.client_addr}
          </dd>
        </div>
        <div>
          <dt>Model</dt>
          <dd class="mono">{e.model ?? '–'}</dd>
        </div>
        <div>
          <dt>Routed to</dt>
          <dd class="mono" data-routed-to>
            {e.downstream_id ?? '–'}
            {e.output_model ? ` / ${e.output_model}` : ''}
            {e.alias_option_id ? ` (option ${e.alias_option_id})` : ''}
          </dd>
        </div>
        <div>
          <dt>Latency</dt>
          <dd>
            first byte {fmtMs(e.ttfb_ms)}, total {fmtMs(e.duration_ms)}
          </dd>
        </div>
        <div>
          <dt>Tokens</dt>
          <dd>
            in {fmtInt(e.usage?.input_tokens)} · out {fmtInt(e.usage?.output_tokens)}
            {e.usage?.cache_read_tokens ? ` · cache read ${fmtInt(e.usage.cache_read_tokens)}` : ''}
            {e.usage?.cache_creation_tokens ? ` · cache write ${fmtInt(e.usage.cache_creation_tokens)}` : ''}
            {e.usage?.reasoning_tokens ? ` · reasoning ${fmtInt(e.usage.reasoning_tokens)}` : ''}
          </dd>
        </div>
        <div>
          <dt>Plugins</dt>
          <dd class="mono">{e.plugins?.length ? e.plugins.join(' → ') : 'none'}</dd>
        </div>
      </dl>
      {e.error && <ErrorBanner error={e.error} title="Error" />}
      {e.attempts?.length > 1 && (
        <div class="table-wrap">
          <table class="table small">
            <caption>Attempts</caption>
            <thead>
              <tr>
                <th scope="col">Downstream</th>
                <th scope="col">Option</th>
                <th scope="col">Status</th>
                <th scope="col">Error</th>
                <th scope="col">Duration</th>
              </tr>
            </thead>
            <tbody>
              {e.attempts.map((a, i) => (
                <tr key={i}>
                  <td>{a.downstream_id}</td>
                  <td>{a.option_id ?? '–'}</td>
                  <td class={`tone-${statusTone(a.status)}`}>{a.status}</td>
                  <td>{a.error ?? ''}</td>
                  <td>{fmtMs(a.duration_ms)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {!compact && (
        <div class="curl">
          <div class="inline">
            <button type="button" onClick={() => void copy()}>
              Copy as curl
            </button>
            {copied && (
              <span class="muted small" role="status">
                {copied}
              </span>
            )}
          </div>
          <details>
            <summary>curl command</summary>
            <pre class="code">{curl}</pre>
          </details>
        </div>
      )}
      {p && PAYLOAD_KEYS.some((k) => p[k]) ? (
        <div class={`bodies ${compact ? 'compact' : ''}`}>
          {PAYLOAD_KEYS.filter((k) => !compact || k === 'downstream_request' || k === 'downstream_response').map((k) => (
            <BodyPanel key={k} title={TITLES[k]} body={p[k]} extra={k === 'downstream_request' && p.downstream_url ? `POST ${p.downstream_url}` : undefined} />
          ))}
        </div>
      ) : (
        <p class="banner info">Bodies were not captured for this request. Turn on “Capture payloads” in Settings to keep the four bodies of new requests.</p>
      )}
    </div>
  );
}

function bodyText(b: CapturedBody): string {
  return typeof b.body === 'string' ? b.body : JSON.stringify(b.body);
}

function isStream(b: CapturedBody): boolean {
  return Array.isArray(b.body) || (typeof b.body === 'string' && looksLikeSse(b.body));
}

function BodyPanel({ title, body, extra }: { title: string; body?: CapturedBody; extra?: string }) {
  const [raw, setRaw] = useState(false);
  const stream = body ? isStream(body) : false;
  return (
    <section class="body-panel card" aria-label={title}>
      <header class="inline">
        <h3>{title}</h3>
        {body?.truncated && <Badge tone="warn">truncated</Badge>}
        {stream && <Badge>stream</Badge>}
        {body && (
          <button type="button" class="small" aria-pressed={raw ? 'true' : 'false'} onClick={() => setRaw(!raw)}>
            {raw ? 'Readable' : 'Raw'}
          </button>
        )}
      </header>
      {extra && <div class="mono small muted wrap">{extra}</div>}
      {!body ? (
        <p class="muted">not captured</p>
      ) : raw ? (
        <pre class="code">{bodyText(body)}</pre>
      ) : stream ? (
        <StreamView body={body.body} />
      ) : (
        <pre class="code">{pretty(body.body)}</pre>
      )}
    </section>
  );
}

function StreamView({ body }: { body: unknown }) {
  const r = reassemble(body);
  const events = streamPayloads(body);
  return (
    <div class="stream-view">
      {r.reasoning && (
        <>
          <h4>Reasoning</h4>
          <pre class="code prose">{r.reasoning}</pre>
        </>
      )}
      <h4>Text</h4>
      <pre class="code prose">{r.text || '(no text)'}</pre>
      {r.toolCalls.length > 0 && (
        <>
          <h4>Tool calls</h4>
          <pre class="code">{r.toolCalls.map((c) => `${c.name}(${c.arguments})${c.id ? `  [${c.id}]` : ''}`).join('\n')}</pre>
        </>
      )}
      <p class="small muted">
        {r.events} events{r.finish ? ` · finish: ${r.finish}` : ''}
        {r.usage ? ` · usage: ${JSON.stringify(r.usage)}` : ''}
      </p>
      {r.error && <ErrorBanner error={r.error} title="Stream error" />}
      <details>
        <summary>Events ({events.length})</summary>
        <pre class="code">{events.map((ev) => JSON.stringify(ev)).join('\n')}</pre>
      </details>
    </div>
  );
}
