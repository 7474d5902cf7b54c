import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { Badge, ChipsInput, Confirm, Empty, ErrorBanner, Field, Loading, Modal, MultiCheck, fieldError, unclaimed } from '../ui/components.js';
import { useAction, useLoad } from '../ui/hooks.js';
import { FORMATS, FORMAT_LABELS, type AliasGroup, type Downstream, type FormatId, type Rule } from '../types.js';

interface Data {
  downstreams: Downstream[];
  groups: AliasGroup[];
  rules: Rule[];
}

type Dialog = { kind: 'new' } | { kind: 'edit'; ds: Downstream } | { kind: 'delete'; ds: Downstream };

/** What else references a downstream (shown before deleting it). */
export function referencesTo(
  id: string,
  groups: AliasGroup[],
  rules: Rule[],
): { options: { group: string; option: string }[]; rules: { id: string; left: string[] }[] } {
  return {
    options: groups.flatMap((g) => g.options.filter((o) => o.downstream_id === id).map((o) => ({ group: g.input_model_id, option: o.id }))),
    rules: rules.filter((r) => r.match_downstreams?.includes(id)).map((r) => ({ id: r.id, left: (r.match_downstreams ?? []).filter((x) => x !== id) })),
  };
}

export function DownstreamsTab() {
  const data = useLoad<Data>(async () => {
    const [downstreams, groups, rules] = await Promise.all([api.downstreams(), api.aliases(), api.rules()]);
    return { downstreams, groups, rules };
  });
  const [dialog, setDialog] = useState<Dialog | undefined>(undefined);
  // The dialog closes once the list shows the change (never a stale list after a save).
  const done = async () => {
    await data.reload();
    setDialog(undefined);
  };
  return (
    <section aria-labelledby="ds-title">
      <div class="tab-head">
        <div>
          <h1 id="ds-title">Downstreams</h1>
          <p class="muted">The providers Tresor sends requests to.</p>
        </div>
        <button type="button" class="primary" onClick={() => setDialog({ kind: 'new' })}>
          New downstream
        </button>
      </div>
      <ErrorBanner error={data.error} title="Could not load downstreams" />
      {data.loading && !data.data && <Loading what="downstreams" />}
      {data.data && data.data.downstreams.length === 0 && (
        <Empty>No downstreams yet. Add a provider (its API format, base URL and key) to start routing requests.</Empty>
      )}
      {data.data && data.data.downstreams.length > 0 && (
        <div class="table-wrap">
          <table class="table ds-table">
            <caption class="sr-only">Downstreams</caption>
            <thead>
              <tr>
                <th scope="col">Downstream</th>
                <th scope="col">Formats</th>
                <th scope="col">Base URL</th>
                <th scope="col">Models</th>
                <th scope="col">Key</th>
                <th scope="col">
                  <span class="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {data.data.downstreams.map((d) => (
                <tr key={d.id} data-downstream={d.id}>
                  <td data-label="Downstream">
                    <strong>{d.name ?? d.id}</strong>
                    {d.name && <div class="muted mono">{d.id}</div>}
                  </td>
                  <td data-label="Formats">
                    {d.api_formats.map((f) => (
                      <Badge key={f} tone="accent">
                        {f}
                      </Badge>
                    ))}
                  </td>
                  <td data-label="Base URL" class="mono wrap">
                    {d.base_url}
                    {Object.entries(d.format_urls ?? {}).map(([f, u]) => (
                      <div key={f} class="muted small">
                        {f}: {u}
                      </div>
                    ))}
                  </td>
                  <td data-label="Models" title={d.output_model_ids.join(', ')}>
                    {d.output_model_ids.length} model{d.output_model_ids.length === 1 ? '' : 's'}
                  </td>
                  <td data-label="Key" class="mono">
                    {d.api_key ?? (d.api_keys ? `${d.api_keys.length} keys` : <span class="muted">none</span>)}
                  </td>
                  <td class="row-actions">
                    <button type="button" aria-label={`Edit downstream ${d.id}`} onClick={() => setDialog({ kind: 'edit', ds: d })}>
                      Edit
                    </button>
                    <button type="button" class="danger-text" aria-label={`Delete downstream ${d.id}`} onClick={() => setDialog({ kind: 'delete', ds: d })}>
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {dialog?.kind === 'delete' && data.data && <DeleteDownstream ds={dialog.ds} data={data.data} onClose={() => setDialog(undefined)} onDone={done} />}
      {(dialog?.kind === 'new' || dialog?.kind === 'edit') && (
        <DownstreamForm ds={dialog.kind === 'edit' ? dialog.ds : undefined} onClose={() => setDialog(undefined)} onDone={done} />
      )}
    </section>
  );
}

function DeleteDownstream({ ds, data, onClose, onDone }: { ds: Downstream; data: Data; onClose: () => void; onDone: () => Promise<void> }) {
  const act = useAction();
  const refs = referencesTo(ds.id, data.groups, data.rules);
  // Groups that keep other options but lose their active one: the first remaining takes over.
  const reactivated = data.groups
    .filter((g) => g.options.some((o) => o.downstream_id !== ds.id))
    .filter((g) => g.options.find((o) => o.id === (g.active_id ?? g.options[0]?.id))?.downstream_id === ds.id)
    .map((g) => ({ group: g.input_model_id, next: g.options.find((o) => o.downstream_id !== ds.id)!.id }));
  const groupsLeftEmpty = data.groups.filter((g) => g.options.length > 0 && g.options.every((o) => o.downstream_id === ds.id)).map((g) => g.input_model_id);
  return (
    <Confirm
      title={`Delete downstream ${ds.id}?`}
      confirmLabel="Delete downstream"
      busy={act.busy}
      error={act.error}
      onClose={onClose}
      onConfirm={async () => {
        await act.run(async () => {
          await api.deleteDownstream(ds.id);
          await onDone();
        });
      }}
    >
      <p>Requests will no longer be sent to {ds.name ?? ds.id}.</p>
      {refs.options.length === 0 && refs.rules.length === 0 ? (
        <p>Nothing else references it.</p>
      ) : (
        <>
          <p>This also changes:</p>
          <ul class="consequences">
            {refs.options.length > 0 && (
              <li>
                alias option{refs.options.length > 1 ? 's' : ''} {refs.options.map((o) => `${o.option} (group ${o.group})`).join(', ')} — removed with it
                {groupsLeftEmpty.length > 0 && (
                  <>
                    {' '}
                    (group{groupsLeftEmpty.length > 1 ? 's' : ''} {groupsLeftEmpty.join(', ')} left without options are deleted)
                  </>
                )}
              </li>
            )}
            {refs.rules.map((r) => (
              <li key={r.id}>
                rule {r.id} — {r.left.length ? `matches only ${r.left.join(', ')} from now on` : 'names no other downstream, so it is disabled'}
              </li>
            ))}
            {reactivated.map((g) => (
              <li key={g.group}>
                group {g.group} — its active option goes away; {g.next} becomes active
              </li>
            ))}
          </ul>
        </>
      )}
    </Confirm>
  );
}

interface FormState {
  id: string;
  name: string;
  api_formats: FormatId[];
  base_url: string;
  format_urls: Partial<Record<FormatId, string>>;
  api_key: string;
  output_model_ids: string[];
}

function DownstreamForm({ ds, onClose, onDone }: { ds?: Downstream; onClose: () => void; onDone: () => Promise<void> }) {
  const [f, setF] = useState<FormState>({
    id: ds?.id ?? '',
    name: ds?.name ?? '',
    api_formats: ds?.api_formats ?? ['openai'],
    base_url: ds?.base_url ?? '',
    format_urls: { ...(ds?.format_urls ?? {}) },
    api_key: '',
    output_model_ids: ds?.output_model_ids ?? [],
  });
  const [editingKey, setEditingKey] = useState(!ds?.api_key);
  const [showKey, setShowKey] = useState(false);
  const [fetched, setFetched] = useState<string[] | undefined>(undefined);
  const [picked, setPicked] = useState<string[]>([]);
  const act = useAction();
  const fetchAct = useAction();
  const set = <K extends keyof FormState>(k: K, v: FormState[K]) => setF((s) => ({ ...s, [k]: v }));

  const body = (): Record<string, unknown> => {
    const urls = Object.fromEntries(Object.entries(f.format_urls).filter(([k, v]) => v && f.api_formats.includes(k as FormatId)));
    // PUT is a partial update where null removes a key: a cleared field must say null.
    const out: Record<string, unknown> = {
      name: f.name || (ds?.name ? null : undefined),
      api_formats: f.api_formats,
      base_url: f.base_url,
      format_urls: Object.keys(urls).length ? urls : ds?.format_urls ? null : undefined,
      output_model_ids: f.output_model_ids,
    };
    // The stored key stays unless the user typed a new one (the API only ever shows a mask).
    if (editingKey && f.api_key) out.api_key = f.api_key;
    if (!ds) out.id = f.id;
    return out;
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    await act.run(async () => {
      if (ds) await api.updateDownstream(ds.id, body());
      else await api.createDownstream(body());
      // The list is reloaded while the form is still busy, so a double click cannot save twice.
      await onDone();
    });
  };

  const fetchModels = async () => {
    if (!ds) return;
    const ids = await fetchAct.run(() => api.fetchModels(ds.id));
    if (ids) {
      setFetched(ids);
      setPicked([]);
    }
  };

  const err = act.error;
  return (
    <Modal title={ds ? `Edit downstream ${ds.id}` : 'New downstream'} onClose={onClose} wide>
      <form class="form" onSubmit={submit}>
        <div class="grid2">
          <Field label="Id" error={fieldError(err, 'id')} hint={ds ? 'The id cannot change.' : 'Letters, digits, ".", "_" and "-"; aliases refer to it.'}>
            {(id, d) => (
              <input
                id={id}
                aria-describedby={d}
                required
                readOnly={Boolean(ds)}
                pattern="[A-Za-z0-9._\-]+"
                value={f.id}
                onInput={(e) => set('id', e.currentTarget.value)}
                autoFocus={!ds}
              />
            )}
          </Field>
          <Field label="Display name" error={fieldError(err, 'name')}>
            {(id, d) => <input id={id} aria-describedby={d} value={f.name} onInput={(e) => set('name', e.currentTarget.value)} />}
          </Field>
        </div>
        <MultiCheck
          legend="API formats it speaks"
          options={FORMATS}
          labels={FORMAT_LABELS}
          values={f.api_formats}
          onChange={(v) => set('api_formats', v)}
          error={fieldError(err, 'api_formats')}
        />
        <Field label="Base URL" error={fieldError(err, 'base_url')} hint="e.g. https://api.anthropic.com">
          {(id, d) => <input id={id} aria-describedby={d} type="url" required value={f.base_url} onInput={(e) => set('base_url', e.currentTarget.value)} />}
        </Field>
        {f.api_formats.length > 1 || Object.keys(f.format_urls).length > 0 ? (
          <fieldset class="sub-fieldset">
            <legend>Per-format URL overrides (optional)</legend>
            {f.api_formats.map((fmt) => (
              <Field key={fmt} label={`${FORMAT_LABELS[fmt]} URL`} error={fieldError(err, `format_urls.${fmt}`)}>
                {(id, d) => (
                  <input
                    id={id}
                    aria-describedby={d}
                    type="url"
                    placeholder={f.base_url || 'same as base URL'}
                    value={f.format_urls[fmt] ?? ''}
                    onInput={(e) => set('format_urls', { ...f.format_urls, [fmt]: e.currentTarget.value })}
                  />
                )}
              </Field>
            ))}
          </fieldset>
        ) : (
          <details class="sub-fieldset">
            <summary>Per-format URL override</summary>
            {f.api_formats.map((fmt) => (
              <Field key={fmt} label={`${FORMAT_LABELS[fmt]} URL`} error={fieldError(err, `format_urls.${fmt}`)}>
                {(id, d) => (
                  <input
                    id={id}
                    aria-describedby={d}
                    type="url"
                    placeholder={f.base_url || 'same as base URL'}
                    value={f.format_urls[fmt] ?? ''}
                    onInput={(e) => set('format_urls', { ...f.format_urls, [fmt]: e.currentTarget.value })}
                  />
                )}
              </Field>
            ))}
          </details>
        )}
        <Field
          label="API key"
          error={fieldError(err, 'api_key') ?? fieldError(err, 'api_keys')}
          hint={editingKey ? 'May be written ${ENV_VAR}. Leave empty for none.' : 'Stored key (masked). Choose “Change key” to replace it.'}
        >
          {(id, d) =>
            editingKey ? (
              <div class="inline">
                <input
                  id={id}
                  aria-describedby={d}
                  type={showKey ? 'text' : 'password'}
                  autoComplete="off"
                  value={f.api_key}
                  placeholder={ds?.api_key ? `keep ${ds.api_key}` : ''}
                  onInput={(e) => set('api_key', e.currentTarget.value)}
                />
                <button type="button" aria-pressed={showKey ? 'true' : 'false'} onClick={() => setShowKey(!showKey)}>
                  {showKey ? 'Hide' : 'Reveal'}
                </button>
                {ds?.api_key && (
                  <button
                    type="button"
                    onClick={() => {
                      setEditingKey(false);
                      set('api_key', '');
                    }}
                  >
                    Keep stored
                  </button>
                )}
              </div>
            ) : (
              <div class="inline">
                <input id={id} aria-describedby={d} readOnly value={ds?.api_key ?? (ds?.api_keys ? `${ds.api_keys.length} keys, used in turn` : '')} />
                <button type="button" onClick={() => setEditingKey(true)}>
                  Change key
                </button>
              </div>
            )
          }
        </Field>
        <Field label="Model ids" error={fieldError(err, 'output_model_ids')} hint="Models this downstream serves (listed in /v1/models).">
          {(id, d) => (
            <ChipsInput
              id={id}
              describedBy={d}
              label="Model ids"
              values={f.output_model_ids}
              onChange={(v) => set('output_model_ids', v)}
              placeholder="model id, Enter to add"
            />
          )}
        </Field>
        <div class="fetch-models">
          <button
            type="button"
            onClick={() => void fetchModels()}
            disabled={!ds || fetchAct.busy}
            title={ds ? undefined : 'Save the downstream first, then fetch its models'}
          >
            {fetchAct.busy ? 'Asking the provider…' : 'Fetch models from provider'}
          </button>
          {!ds && <small class="muted"> Save first: the provider is asked with the stored URL and key.</small>}
          <ErrorBanner error={fetchAct.error} title="Fetching models failed" />
          {fetched && (
            <fieldset class="picker">
              <legend>
                {fetched.length} model{fetched.length === 1 ? '' : 's'} offered by the provider — pick the ones to add
              </legend>
              <div class="picker-tools">
                <button type="button" onClick={() => setPicked(fetched.filter((m) => !f.output_model_ids.includes(m)))}>
                  Select all new
                </button>
                <button type="button" onClick={() => setPicked([])}>
                  Select none
                </button>
              </div>
              <div class="picker-list">
                {fetched.map((m) => {
                  const have = f.output_model_ids.includes(m);
                  return (
                    <label class="check" key={m}>
                      <input
                        type="checkbox"
                        disabled={have}
                        checked={have || picked.includes(m)}
                        onChange={(e) => setPicked(e.currentTarget.checked ? [...picked, m] : picked.filter((x) => x !== m))}
                      />
                      <span class="mono">{m}</span>
                      {have && <span class="muted"> (added)</span>}
                    </label>
                  );
                })}
              </div>
              <button
                type="button"
                class="primary"
                disabled={picked.length === 0}
                onClick={() => {
                  set('output_model_ids', [...f.output_model_ids, ...picked.filter((m) => !f.output_model_ids.includes(m))]);
                  setPicked([]);
                }}
              >
                Add {picked.length} selected
              </button>
            </fieldset>
          )}
        </div>
        <ErrorBanner error={unclaimed(err, ['id', 'name', 'api_formats', 'base_url', 'format_urls', 'api_key', 'api_keys', 'output_model_ids'])} />
        <div class="actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={act.busy}>
            {act.busy ? 'Saving…' : ds ? 'Save changes' : 'Create downstream'}
          </button>
        </div>
      </form>
    </Modal>
  );
}
