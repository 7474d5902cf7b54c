import { useState } from 'preact/hooks';
import { api, ApiError } from '../api.js';
import { Badge, ChipsInput, Confirm, Empty, ErrorBanner, Field, Loading, Modal, MultiCheck, Toggle, fieldError } from '../ui/components.js';
import { useAction, useLoad } from '../ui/hooks.js';
import { SchemaForm, normalizePath } from '../ui/schema-form.js';
import { FORMATS, FORMAT_LABELS, type Downstream, type PipelineStep, type PluginInfo, type Rule } from '../types.js';

interface Data {
  rules: Rule[];
  plugins: PluginInfo[];
  downstreams: Downstream[];
}

/** The rule's match criteria as short labels, for the badges. */
export function criteriaOf(r: Rule): { label: string; title: string }[] {
  const out: { label: string; title: string }[] = [];
  if (r.pattern_path) out.push({ label: `path ${r.pattern_path}`, title: 'Request path (exact or glob)' });
  const models = [...(r.pattern_models ?? []), ...(r.pattern_model ? [r.pattern_model] : [])];
  if (models.length) out.push({ label: `model ${models.join(' | ')}`, title: 'Requested model' });
  if (r.match_format?.length) out.push({ label: `client ${r.match_format.join(' | ')}`, title: "Client's API format" });
  if (r.match_downstream_format?.length) out.push({ label: `to ${r.match_downstream_format.join(' | ')}`, title: "Downstream's API format" });
  if (r.match_downstreams?.length) out.push({ label: `downstream ${r.match_downstreams.join(' | ')}`, title: 'Resolved downstream' });
  return out;
}

export function RulesTab() {
  const data = useLoad<Data>(async () => {
    const [rules, plugins, downstreams] = await Promise.all([api.rules(), api.plugins(), api.downstreams()]);
    return { rules, plugins, downstreams };
  });
  const [editing, setEditing] = useState<Rule | 'new' | undefined>(undefined);
  const [deleting, setDeleting] = useState<Rule | undefined>(undefined);
  const [toggleErrors, setToggleErrors] = useState<Record<string, Error | undefined>>({});
  const del = useAction();

  const toggle = async (rule: Rule, on: boolean) => {
    const patch = (v: boolean) => data.set((d) => ({ ...d!, rules: d!.rules.map((r) => (r.id === rule.id ? { ...r, is_enabled: v } : r)) }));
    patch(on);
    setToggleErrors((e) => ({ ...e, [rule.id]: undefined }));
    try {
      await api.updateRule(rule.id, { is_enabled: on });
    } catch (e) {
      patch(!on);
      setToggleErrors((errs) => ({ ...errs, [rule.id]: e as Error }));
    }
  };

  return (
    <section aria-labelledby="rules-title">
      <div class="tab-head">
        <div>
          <h1 id="rules-title">Rules</h1>
          <p class="muted">Rules add plugins to matching requests; they never change the downstream. Converters between formats run automatically.</p>
        </div>
        <button type="button" class="primary" onClick={() => setEditing('new')}>
          New rule
        </button>
      </div>
      <ErrorBanner error={data.error} title="Could not load rules" />
      {data.loading && !data.data && <Loading what="rules" />}
      {data.data && data.data.rules.length === 0 && (
        <Empty>No rules yet. A rule matches requests (by path, model, formats or downstream) and runs a pipeline of plugins on them.</Empty>
      )}
      {data.data && data.data.rules.length > 0 && (
        <div class="table-wrap">
          <table class="table rules-table">
            <caption class="sr-only">Rules</caption>
            <thead>
              <tr>
                <th scope="col">On</th>
                <th scope="col">Rule</th>
                <th scope="col">Matches</th>
                <th scope="col">Pipeline</th>
                <th scope="col">
                  <span class="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {data.data.rules.map((r) => {
                const on = r.is_enabled !== false;
                return (
                  <tr key={r.id} data-rule={r.id} class={on ? '' : 'disabled'}>
                    <td data-label="Enabled">
                      <Toggle checked={on} label={`Rule ${r.id} enabled`} onChange={(v) => void toggle(r, v)} />
                      <ErrorBanner error={toggleErrors[r.id]} />
                    </td>
                    <td data-label="Rule">
                      <strong>{r.name ?? r.id}</strong>
                      {r.name && <div class="muted mono">{r.id}</div>}
                    </td>
                    <td data-label="Matches">
                      {criteriaOf(r).map((c) => (
                        <Badge key={c.label} title={c.title}>
                          {c.label}
                        </Badge>
                      ))}
                      {criteriaOf(r).length === 0 && <Badge tone="warn">every request</Badge>}
                    </td>
                    <td data-label="Pipeline">
                      <Chain steps={r.pipeline_config} />
                    </td>
                    <td class="row-actions">
                      <button type="button" aria-label={`Edit rule ${r.id}`} onClick={() => setEditing(r)}>
                        Edit
                      </button>
                      <button type="button" class="danger-text" aria-label={`Delete rule ${r.id}`} onClick={() => setDeleting(r)}>
                        Delete
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {editing && data.data && (
        <RuleEditor
          rule={editing === 'new' ? undefined : editing}
          data={data.data}
          onClose={() => setEditing(undefined)}
          onDone={async () => {
            await data.reload();
            setEditing(undefined);
          }}
        />
      )}
      {deleting && (
        <Confirm
          title={`Delete rule ${deleting.id}?`}
          confirmLabel="Delete rule"
          busy={del.busy}
          error={del.error}
          onClose={() => {
            del.clear();
            setDeleting(undefined);
          }}
          onConfirm={async () => {
            if ((await del.run(() => api.deleteRule(deleting.id).then(() => true))) === true) {
              setDeleting(undefined);
              void data.reload();
            }
          }}
        >
          <p>
            Requests it matched will no longer run its pipeline ({deleting.pipeline_config.map((s) => s.plugin_id).join(' → ') || 'empty'}). Automatic format
            conversion is unaffected.
          </p>
        </Confirm>
      )}
    </section>
  );
}

function Chain({ steps }: { steps: PipelineStep[] }) {
  if (steps.length === 0) return <span class="muted">no plugins</span>;
  return (
    <ol class="chain" aria-label="Pipeline">
      {steps.map((s, i) => (
        <li key={i} class={s.is_enabled === false ? 'off' : ''} title={s.config && Object.keys(s.config).length ? JSON.stringify(s.config) : undefined}>
          <span class="step-chip">{s.plugin_id}</span>
          {s.is_enabled === false && <span class="sr-only"> (disabled)</span>}
        </li>
      ))}
    </ol>
  );
}

interface Draft {
  id: string;
  name: string;
  pattern_path: string;
  pattern_models: string[];
  match_format: Rule['match_format'] & string[];
  match_downstream_format: Rule['match_downstream_format'] & string[];
  match_downstreams: string[];
  pipeline_config: PipelineStep[];
  is_enabled: boolean;
}

function draftOf(r?: Rule): Draft {
  return {
    id: r?.id ?? '',
    name: r?.name ?? '',
    pattern_path: r?.pattern_path ?? '',
    pattern_models: [...(r?.pattern_models ?? []), ...(r?.pattern_model ? [r.pattern_model] : [])],
    match_format: r?.match_format ?? [],
    match_downstream_format: r?.match_downstream_format ?? [],
    match_downstreams: r?.match_downstreams ?? [],
    pipeline_config: (r?.pipeline_config ?? []).map((s) => ({ ...s, config: { ...(s.config ?? {}) } })),
    is_enabled: r?.is_enabled !== false,
  };
}

/** The rule as the API takes it: empty criteria left out (a PUT replaces the rule). */
export function ruleFromDraft(d: Draft): Rule {
  const r: Rule = {
    id: d.id,
    pipeline_config: d.pipeline_config.map((s) => ({
      plugin_id: s.plugin_id,
      config: s.config ?? {},
      ...(s.is_enabled === false ? { is_enabled: false } : {}),
    })),
    is_enabled: d.is_enabled,
  };
  if (d.name) r.name = d.name;
  if (d.pattern_path) r.pattern_path = d.pattern_path;
  if (d.pattern_models.length) r.pattern_models = d.pattern_models;
  if (d.match_format.length) r.match_format = d.match_format;
  if (d.match_downstream_format.length) r.match_downstream_format = d.match_downstream_format;
  if (d.match_downstreams.length) r.match_downstreams = d.match_downstreams;
  return r;
}

function RuleEditor({ rule, data, onClose, onDone }: { rule?: Rule; data: Data; onClose: () => void; onDone: () => Promise<void> }) {
  const [d, setD] = useState<Draft>(() => draftOf(rule));
  const [addPlugin, setAddPlugin] = useState('');
  const act = useAction();
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setD((x) => ({ ...x, [k]: v }));
  const setStep = (i: number, s: PipelineStep) =>
    set(
      'pipeline_config',
      d.pipeline_config.map((x, j) => (j === i ? s : x)),
    );
  const moveStep = (i: number, to: number) => {
    if (to < 0 || to >= d.pipeline_config.length) return;
    const next = d.pipeline_config.slice();
    const [s] = next.splice(i, 1);
    next.splice(to, 0, s);
    set('pipeline_config', next);
  };
  const pluginById = new Map(data.plugins.map((p) => [p.id, p]));

  const submit = async (e: Event) => {
    e.preventDefault();
    const body = ruleFromDraft(d);
    await act.run(async () => {
      if (rule) await api.updateRule(rule.id, { ...body, ...clearedCriteria(rule, body) });
      else await api.createRule(body);
      // The list is reloaded while the form is still busy, so a double click cannot save twice.
      await onDone();
    });
  };

  const err = act.error;
  const errField = err instanceof ApiError && err.field ? normalizePath(err.field) : undefined;
  const stepError = (i: number) =>
    errField && (errField === `pipeline_config.${i}` || errField.startsWith(`pipeline_config.${i}.`)) ? err?.message : undefined;
  const claimed =
    errField &&
    (['id', 'name', 'pattern_path', 'pattern_models', 'pattern_model', 'match_format', 'match_downstream_format', 'match_downstreams'].some(
      (n) => errField === n || errField.startsWith(n + '.'),
    ) ||
      /^pipeline_config\.\d+/.test(errField));

  return (
    <Modal title={rule ? `Edit rule ${rule.id}` : 'New rule'} onClose={onClose} wide>
      <form class="form" onSubmit={submit}>
        <div class="grid2">
          <Field label="Id" error={fieldError(err, 'id')} hint={rule ? 'The id cannot change.' : undefined}>
            {(id, h) => (
              <input
                id={id}
                aria-describedby={h}
                required
                readOnly={Boolean(rule)}
                pattern="[A-Za-z0-9._\-]+"
                value={d.id}
                onInput={(e) => set('id', e.currentTarget.value)}
                autoFocus={!rule}
              />
            )}
          </Field>
          <Field label="Name" error={fieldError(err, 'name')}>
            {(id, h) => <input id={id} aria-describedby={h} value={d.name} onInput={(e) => set('name', e.currentTarget.value)} />}
          </Field>
        </div>
        <label class="check">
          <input type="checkbox" checked={d.is_enabled} onChange={(e) => set('is_enabled', e.currentTarget.checked)} /> Enabled
        </label>
        <fieldset class="sub-fieldset">
          <legend>Match (every criterion set must hold; within a list any entry)</legend>
          <div class="grid2">
            <Field label="Path" error={fieldError(err, 'pattern_path')} hint="Exact path, or a glob: * matches anything, e.g. /v1beta/models/*">
              {(id, h) => (
                <input
                  id={id}
                  aria-describedby={h}
                  value={d.pattern_path}
                  placeholder="/v1/chat/completions"
                  onInput={(e) => set('pattern_path', e.currentTarget.value)}
                />
              )}
            </Field>
            <Field label="Models" error={fieldError(err, 'pattern_models') ?? fieldError(err, 'pattern_model')}>
              {(id, h) => (
                <ChipsInput
                  id={id}
                  describedBy={h}
                  label="Models"
                  values={d.pattern_models}
                  onChange={(v) => set('pattern_models', v)}
                  placeholder="gpt-4o, Enter to add"
                />
              )}
            </Field>
          </div>
          <MultiCheck
            legend="Client format"
            options={FORMATS}
            labels={FORMAT_LABELS}
            values={d.match_format as (typeof FORMATS)[number][]}
            onChange={(v) => set('match_format', v)}
            error={fieldError(err, 'match_format')}
          />
          <MultiCheck
            legend="Downstream format"
            options={FORMATS}
            labels={FORMAT_LABELS}
            values={d.match_downstream_format as (typeof FORMATS)[number][]}
            onChange={(v) => set('match_downstream_format', v)}
            error={fieldError(err, 'match_downstream_format')}
          />
          <MultiCheck
            legend="Downstreams"
            options={[...new Set([...data.downstreams.map((x) => x.id), ...d.match_downstreams])]}
            values={d.match_downstreams}
            onChange={(v) => set('match_downstreams', v)}
            error={fieldError(err, 'match_downstreams')}
          />
        </fieldset>
        <fieldset class="sub-fieldset pipeline-editor">
          <legend>Pipeline (request plugins run in this order, response plugins in reverse)</legend>
          {d.pipeline_config.length === 0 && <p class="muted">No steps. Add a plugin below.</p>}
          <ol class="steps">
            {d.pipeline_config.map((s, i) => {
              const p = pluginById.get(s.plugin_id);
              const sErr = stepError(i);
              return (
                <li key={`${i}-${s.plugin_id}`} class={`step card ${s.is_enabled === false ? 'off' : ''} ${sErr ? 'has-error' : ''}`} data-step={s.plugin_id}>
                  <div class="step-head">
                    <span class="step-no" aria-hidden="true">
                      {i + 1}
                    </span>
                    <strong class="mono">{s.plugin_id}</strong>
                    {p?.kind && <Badge tone={p.kind === 'converter' ? 'accent' : 'info'}>{p.kind}</Badge>}
                    {!p && <Badge tone="warn">unknown plugin</Badge>}
                    <div class="step-actions">
                      <label class="check small">
                        <input type="checkbox" checked={s.is_enabled !== false} onChange={(e) => setStep(i, { ...s, is_enabled: e.currentTarget.checked })} />{' '}
                        on
                      </label>
                      <button
                        type="button"
                        class="icon small"
                        aria-label={`Move step ${i + 1} (${s.plugin_id}) up`}
                        disabled={i === 0}
                        onClick={() => moveStep(i, i - 1)}
                      >
                        ↑
                      </button>
                      <button
                        type="button"
                        class="icon small"
                        aria-label={`Move step ${i + 1} (${s.plugin_id}) down`}
                        disabled={i === d.pipeline_config.length - 1}
                        onClick={() => moveStep(i, i + 1)}
                      >
                        ↓
                      </button>
                      <button
                        type="button"
                        class="icon small danger-text"
                        aria-label={`Remove step ${i + 1} (${s.plugin_id})`}
                        onClick={() =>
                          set(
                            'pipeline_config',
                            d.pipeline_config.filter((_, j) => j !== i),
                          )
                        }
                      >
                        ✕
                      </button>
                    </div>
                  </div>
                  {p?.description && <p class="muted small">{p.description}</p>}
                  {p && (
                    <SchemaForm
                      schema={p.config_schema}
                      value={s.config ?? {}}
                      onChange={(config) => setStep(i, { ...s, config })}
                      path={`pipeline_config.${i}.config`}
                      errorField={errField}
                      errorMessage={err?.message}
                      label={`${s.plugin_id} settings`}
                    />
                  )}
                  {sErr && !(errField ?? '').startsWith(`pipeline_config.${i}.config.`) && (
                    <small class="field-error" role="alert">
                      {sErr}
                    </small>
                  )}
                  {i < d.pipeline_config.length - 1 && (
                    <span class="chain-arrow" aria-hidden="true">
                      ↓
                    </span>
                  )}
                </li>
              );
            })}
          </ol>
          <div class="inline add-step">
            <label for="add-plugin" class="sr-only">
              Plugin to add
            </label>
            <select id="add-plugin" value={addPlugin} onChange={(e) => setAddPlugin(e.currentTarget.value)}>
              <option value="">Choose a plugin…</option>
              {data.plugins.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.id}
                  {p.description ? ` — ${p.description.slice(0, 60)}` : ''}
                </option>
              ))}
            </select>
            <button
              type="button"
              disabled={!addPlugin}
              onClick={() => {
                set('pipeline_config', [...d.pipeline_config, { plugin_id: addPlugin, config: {} }]);
                setAddPlugin('');
              }}
            >
              Add step
            </button>
          </div>
        </fieldset>
        {!claimed && <ErrorBanner error={err} />}
        {claimed && (
          <p class="banner error" role="alert">
            Please fix the highlighted field.
          </p>
        )}
        <div class="actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={act.busy}>
            {act.busy ? 'Saving…' : rule ? 'Save rule' : 'Create rule'}
          </button>
        </div>
      </form>
    </Modal>
  );
}

/** Criteria the edit removed, sent as null so the partial update drops them. */
function clearedCriteria(before: Rule, after: Rule): Record<string, null> {
  const keys = ['name', 'pattern_path', 'pattern_models', 'pattern_model', 'match_format', 'match_downstream_format', 'match_downstreams'] as const;
  const out: Record<string, null> = {};
  for (const k of keys) if (before[k] !== undefined && after[k] === undefined) out[k] = null;
  return out;
}
