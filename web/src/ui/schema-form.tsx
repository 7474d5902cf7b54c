import { useState } from 'preact/hooks';
import type { JsonSchema } from '../types.js';
import { ChipsInput, Field } from './components.js';

/**
 * A form generated from a plugin's config JSON Schema (zod's toJSONSchema output): objects
 * become fieldsets, strings/numbers/booleans/enums their inputs, string lists chips, string maps
 * key/value rows; anything richer falls back to a JSON text area.
 */

/** "pipeline_config[0].config.headers" → "pipeline_config.0.config.headers" */
export function normalizePath(p: string): string {
  return p.replace(/\[(\d+)\]/g, '.$1').replace(/^\./, '');
}

function typeOf(s: JsonSchema): string | undefined {
  const alts = s.anyOf ?? s.oneOf;
  if (alts) {
    const real = alts.filter((a) => a.type !== 'null');
    if (real.length === 1) return typeOf(real[0]);
    return 'json';
  }
  if (Array.isArray(s.type)) return s.type.find((t) => t !== 'null');
  if (s.enum) return 'enum';
  return s.type;
}

function unwrap(s: JsonSchema): JsonSchema {
  const alts = s.anyOf ?? s.oneOf;
  if (alts) {
    const real = alts.filter((a) => a.type !== 'null');
    if (real.length === 1) return unwrap(real[0]);
  }
  return s;
}

/** The error message for exactly this path (or a child of it), if the API named it. */
function errorAt(errorField: string | undefined, errorMessage: string | undefined, path: string): string | undefined {
  if (!errorField || !errorMessage) return undefined;
  return errorField === path || errorField.startsWith(path + '.') ? errorMessage : undefined;
}

export function SchemaForm({
  schema,
  value,
  onChange,
  path,
  errorField,
  errorMessage,
  label,
}: {
  schema: JsonSchema;
  value: Record<string, unknown>;
  onChange: (v: Record<string, unknown>) => void;
  path: string;
  errorField?: string;
  errorMessage?: string;
  label: string;
}) {
  const props = Object.entries(unwrap(schema).properties ?? {});
  if (props.length === 0 && typeOf(schema) === 'object' && !unwrap(schema).additionalProperties)
    return <p class="muted small">This plugin takes no settings.</p>;
  if (props.length === 0)
    return (
      <SchemaValue
        schema={schema}
        value={value}
        onChange={(v) => onChange((v ?? {}) as Record<string, unknown>)}
        path={path}
        label={label}
        errorField={errorField}
        errorMessage={errorMessage}
      />
    );
  const required = new Set(unwrap(schema).required ?? []);
  return (
    <div class="schema-form">
      {props.map(([key, sub]) => (
        <SchemaValue
          key={key}
          schema={sub}
          label={`${sub.title ?? key}${required.has(key) ? ' *' : ''}`}
          value={value[key]}
          path={`${path}.${key}`}
          errorField={errorField}
          errorMessage={errorMessage}
          onChange={(v) => {
            const next = { ...value };
            if (v === undefined || v === '') delete next[key];
            else next[key] = v;
            onChange(next);
          }}
        />
      ))}
    </div>
  );
}

function SchemaValue({
  schema,
  value,
  onChange,
  path,
  label,
  errorField,
  errorMessage,
}: {
  schema: JsonSchema;
  value: unknown;
  onChange: (v: unknown) => void;
  path: string;
  label: string;
  errorField?: string;
  errorMessage?: string;
}) {
  const s = unwrap(schema);
  const t = typeOf(s);
  const error = errorAt(errorField, errorMessage, path);
  const hint = s.description;
  if (t === 'boolean')
    return (
      <div class={`field ${error ? 'has-error' : ''}`}>
        <label class="check">
          <input type="checkbox" checked={value === true || (value === undefined && s.default === true)} onChange={(e) => onChange(e.currentTarget.checked)} />{' '}
          {label}
        </label>
        {hint && <small class="muted">{hint}</small>}
        {error && (
          <small class="field-error" role="alert">
            {error}
          </small>
        )}
      </div>
    );
  if (t === 'enum')
    return (
      <Field label={label} hint={hint} error={error}>
        {(id, d) => (
          <select
            id={id}
            aria-describedby={d}
            value={value === undefined ? '' : String(value)}
            onChange={(e) => onChange(e.currentTarget.value === '' ? undefined : s.enum?.find((x) => String(x) === e.currentTarget.value))}
          >
            <option value="">(default{s.default !== undefined ? `: ${String(s.default)}` : ''})</option>
            {(s.enum ?? []).map((x) => (
              <option key={String(x)} value={String(x)}>
                {String(x)}
              </option>
            ))}
          </select>
        )}
      </Field>
    );
  if (t === 'string')
    return (
      <Field label={label} hint={hint} error={error}>
        {(id, d) => (
          <input
            id={id}
            aria-describedby={d}
            value={typeof value === 'string' ? value : ''}
            placeholder={s.default !== undefined ? String(s.default) : ''}
            onInput={(e) => onChange(e.currentTarget.value || undefined)}
          />
        )}
      </Field>
    );
  if (t === 'number' || t === 'integer')
    return (
      <Field label={label} hint={hint} error={error}>
        {(id, d) => (
          <input
            id={id}
            aria-describedby={d}
            type="number"
            step={t === 'integer' ? 1 : 'any'}
            min={s.minimum}
            max={s.maximum}
            value={typeof value === 'number' ? String(value) : ''}
            placeholder={s.default !== undefined ? String(s.default) : ''}
            onInput={(e) => onChange(e.currentTarget.value === '' ? undefined : Number(e.currentTarget.value))}
          />
        )}
      </Field>
    );
  if (t === 'array' && s.items && ['string', 'enum'].includes(typeOf(s.items) ?? ''))
    return (
      <Field label={label} hint={hint} error={error}>
        {(id, d) => (
          <ChipsInput
            id={id}
            describedBy={d}
            label={label}
            values={Array.isArray(value) ? value.map(String) : []}
            onChange={(v) => onChange(v.length ? v : undefined)}
          />
        )}
      </Field>
    );
  if (t === 'object' && s.properties && Object.keys(s.properties).length)
    return (
      <fieldset class="sub-fieldset">
        <legend>{label}</legend>
        <SchemaForm
          schema={s}
          value={(value ?? {}) as Record<string, unknown>}
          onChange={(v) => onChange(Object.keys(v).length ? v : undefined)}
          path={path}
          errorField={errorField}
          errorMessage={errorMessage}
          label={label}
        />
      </fieldset>
    );
  if (t === 'object' && typeof s.additionalProperties === 'object' && typeOf(s.additionalProperties) === 'string')
    return (
      <MapEditor
        label={label}
        hint={hint}
        error={error}
        value={(value ?? {}) as Record<string, string>}
        onChange={(v) => onChange(Object.keys(v).length ? v : undefined)}
      />
    );
  return <JsonEditor label={label} hint={hint} error={error} value={value} onChange={onChange} />;
}

/** Key → value rows (custom headers, model maps). */
function MapEditor({
  label,
  hint,
  error,
  value,
  onChange,
}: {
  label: string;
  hint?: string;
  error?: string;
  value: Record<string, string>;
  onChange: (v: Record<string, string>) => void;
}) {
  const [rows, setRows] = useState<[string, string][]>(() => Object.entries(value));
  const update = (next: [string, string][]) => {
    setRows(next);
    onChange(Object.fromEntries(next.filter(([k]) => k.trim() !== '')));
  };
  return (
    <fieldset class={`sub-fieldset map ${error ? 'has-error' : ''}`}>
      <legend>{label}</legend>
      {hint && <small class="muted">{hint}</small>}
      {rows.map(([k, v], i) => (
        <div class="map-row" key={i}>
          <input
            aria-label={`${label} name ${i + 1}`}
            placeholder="name"
            value={k}
            onInput={(e) => update(rows.map((r, j) => (j === i ? [e.currentTarget.value, r[1]] : r)))}
          />
          <input
            aria-label={`${label} value ${i + 1}`}
            placeholder="value"
            value={v}
            onInput={(e) => update(rows.map((r, j) => (j === i ? [r[0], e.currentTarget.value] : r)))}
          />
          <button type="button" class="icon small" aria-label={`Remove ${label} entry ${k || i + 1}`} onClick={() => update(rows.filter((_, j) => j !== i))}>
            ✕
          </button>
        </div>
      ))}
      <button type="button" onClick={() => setRows([...rows, ['', '']])}>
        + Add entry
      </button>
      {error && (
        <small class="field-error" role="alert">
          {error}
        </small>
      )}
    </fieldset>
  );
}

function JsonEditor({ label, hint, error, value, onChange }: { label: string; hint?: string; error?: string; value: unknown; onChange: (v: unknown) => void }) {
  const [text, setText] = useState(() => (value === undefined ? '' : JSON.stringify(value, null, 2)));
  const [parseError, setParseError] = useState<string | undefined>(undefined);
  return (
    <Field label={`${label} (JSON)`} hint={hint} error={parseError ?? error}>
      {(id, d) => (
        <textarea
          id={id}
          aria-describedby={d}
          class="mono"
          rows={4}
          value={text}
          onInput={(e) => {
            const t = e.currentTarget.value;
            setText(t);
            if (!t.trim()) {
              setParseError(undefined);
              onChange(undefined);
              return;
            }
            try {
              onChange(JSON.parse(t));
              setParseError(undefined);
            } catch (err) {
              setParseError(`not valid JSON: ${(err as Error).message}`);
            }
          }}
        />
      )}
    </Field>
  );
}
