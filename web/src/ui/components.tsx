import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';

let idSeq = 0;
/**
 * An element id unique for the component's lifetime. Not preact's useId: that one derives ids
 * from the position in the tree, so a field rendered conditionally (the playground's key) can
 * get the id of another field, and its <label for> then names the wrong input.
 */
function useUniqueId(): string {
  const [id] = useState(() => `u${++idSeq}`);
  return id;
}
import { ApiError } from '../api.js';

/** A failed call, in the server's own words. Never empty. */
export function ErrorBanner({ error, title }: { error: Error | string | undefined | null; title?: string }) {
  if (!error) return null;
  const msg = typeof error === 'string' ? error : error.message || 'unknown error';
  const field = error instanceof ApiError && error.field ? error.field : undefined;
  const status = error instanceof ApiError && error.status ? error.status : undefined;
  return (
    <div class="banner error" role="alert">
      {title && <strong>{title}: </strong>}
      <span class="msg">{msg}</span>
      {field && <span class="muted"> (field: {field})</span>}
      {status ? <span class="muted"> [{status}]</span> : null}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="muted loading" role="status">
      Loading {what}…
    </p>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <div class="empty">{children}</div>;
}

export function Badge({ children, tone, title }: { children: ComponentChildren; tone?: string; title?: string }) {
  return (
    <span class={`badge ${tone ?? ''}`} title={title}>
      {children}
    </span>
  );
}

/** A labelled form control with its error (from the API's `field`) right under it. */
export function Field({
  label,
  error,
  hint,
  children,
  id,
}: {
  label: string;
  error?: string;
  hint?: string;
  children: (id: string, describedBy?: string) => ComponentChildren;
  id?: string;
}) {
  const auto = useUniqueId();
  const fid = id ?? `f${auto}`;
  const errId = `${fid}-err`;
  const hintId = `${fid}-hint`;
  const describedBy = [error ? errId : '', hint ? hintId : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div class={`field ${error ? 'has-error' : ''}`}>
      <label for={fid}>{label}</label>
      {children(fid, describedBy)}
      {hint && (
        <small id={hintId} class="muted">
          {hint}
        </small>
      )}
      {error && (
        <small id={errId} class="field-error" role="alert">
          {error}
        </small>
      )}
    </div>
  );
}

/** A modal dialog (native <dialog>: focus is trapped, Escape closes). */
export function Modal({ title, onClose, children, wide }: { title: string; onClose: () => void; children: ComponentChildren; wide?: boolean }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useUniqueId();
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    const onCancel = (e: Event) => {
      e.preventDefault();
      onClose();
    };
    d?.addEventListener('cancel', onCancel);
    return () => d?.removeEventListener('cancel', onCancel);
  }, [onClose]);
  return (
    <dialog ref={ref} class={`modal ${wide ? 'wide' : ''}`} aria-labelledby={`m${titleId}`}>
      <header class="modal-head">
        <h2 id={`m${titleId}`}>{title}</h2>
        <button type="button" class="icon" aria-label="Close dialog" onClick={onClose}>
          ✕
        </button>
      </header>
      <div class="modal-body">{children}</div>
    </dialog>
  );
}

/** A confirmation dialog; says what the action will do. */
export function Confirm({
  title,
  children,
  confirmLabel,
  onConfirm,
  onClose,
  busy,
  error,
}: {
  title: string;
  children: ComponentChildren;
  confirmLabel: string;
  onConfirm: () => void;
  onClose: () => void;
  busy?: boolean;
  error?: Error;
}) {
  return (
    <Modal title={title} onClose={onClose}>
      <div class="confirm-text">{children}</div>
      <ErrorBanner error={error} />
      <div class="actions">
        <button type="button" onClick={onClose}>
          Cancel
        </button>
        <button type="button" class="danger" disabled={busy} onClick={onConfirm}>
          {confirmLabel}
        </button>
      </div>
    </Modal>
  );
}

/** A list of strings edited as chips: type + Enter (or comma) adds, ✕ removes. */
export function ChipsInput({
  values,
  onChange,
  label,
  placeholder,
  id,
  describedBy,
  suggestions,
}: {
  values: string[];
  onChange: (v: string[]) => void;
  label: string;
  placeholder?: string;
  id?: string;
  describedBy?: string;
  suggestions?: string[];
}) {
  const [draft, setDraft] = useState('');
  const listId = useUniqueId();
  const add = (raw: string) => {
    const items = raw
      .split(/[,\s]+/)
      .map((s) => s.trim())
      .filter(Boolean)
      .filter((s) => !values.includes(s));
    if (items.length) onChange([...values, ...new Set(items)]);
    setDraft('');
  };
  const onKey = (e: JSX.TargetedKeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter' || e.key === ',') {
      e.preventDefault();
      add(draft);
    } else if (e.key === 'Backspace' && !draft && values.length) {
      onChange(values.slice(0, -1));
    }
  };
  return (
    <div class="chips">
      <ul class="chip-list" aria-label={`${label}: ${values.length} items`}>
        {values.map((v) => (
          <li class="chip" key={v}>
            <span>{v}</span>
            <button type="button" class="chip-x" aria-label={`Remove ${v}`} onClick={() => onChange(values.filter((x) => x !== v))}>
              ✕
            </button>
          </li>
        ))}
      </ul>
      <div class="chip-add">
        <input
          id={id}
          aria-describedby={describedBy}
          value={draft}
          placeholder={placeholder ?? 'type and press Enter'}
          list={suggestions?.length ? `s${listId}` : undefined}
          onInput={(e) => setDraft(e.currentTarget.value)}
          onKeyDown={onKey}
          onBlur={() => draft.trim() && add(draft)}
        />
        <button type="button" onClick={() => add(draft)} disabled={!draft.trim()} aria-label={`Add to ${label}`}>
          Add
        </button>
        {suggestions?.length ? (
          <datalist id={`s${listId}`}>
            {suggestions.map((s) => (
              <option value={s} key={s} />
            ))}
          </datalist>
        ) : null}
      </div>
    </div>
  );
}

/** Checkbox group for picking several formats (or ids). */
export function MultiCheck<T extends string>({
  legend,
  options,
  values,
  onChange,
  labels,
  error,
}: {
  legend: string;
  options: readonly T[];
  values: T[];
  onChange: (v: T[]) => void;
  labels?: Partial<Record<T, string>>;
  error?: string;
}) {
  const gid = useUniqueId();
  return (
    <fieldset class={`multi ${error ? 'has-error' : ''}`} aria-describedby={error ? `e${gid}` : undefined}>
      <legend>{legend}</legend>
      <div class="multi-options">
        {options.map((o) => (
          <label class="check" key={o}>
            <input
              type="checkbox"
              checked={values.includes(o)}
              onChange={(e) => onChange(e.currentTarget.checked ? [...values, o].filter((x, i, a) => a.indexOf(x) === i) : values.filter((x) => x !== o))}
            />
            {labels?.[o] ?? o}
          </label>
        ))}
        {options.length === 0 && <span class="muted">none available</span>}
      </div>
      {error && (
        <small id={`e${gid}`} class="field-error" role="alert">
          {error}
        </small>
      )}
    </fieldset>
  );
}

/** On/off switch (a checkbox announced as a switch). */
export function Toggle({ checked, onChange, label, disabled }: { checked: boolean; onChange: (v: boolean) => void; label: string; disabled?: boolean }) {
  return (
    <label class="switch">
      <input type="checkbox" role="switch" checked={checked} disabled={disabled} aria-label={label} onChange={(e) => onChange(e.currentTarget.checked)} />
      <span class="slider" aria-hidden="true" />
    </label>
  );
}

/** Field error for a form whose API error named a field (exactly, or as a prefix path). */
export function fieldError(error: Error | undefined, ...names: string[]): string | undefined {
  if (!(error instanceof ApiError) || !error.field) return undefined;
  const f = error.field;
  return names.some((n) => f === n || f.startsWith(n + '.') || f.startsWith(n + '[')) ? error.message : undefined;
}

/** The error, unless a field of the form shows it already. */
export function unclaimed(error: Error | undefined, claimed: string[]): Error | undefined {
  if (!error) return undefined;
  if (error instanceof ApiError && error.field && claimed.some((n) => fieldError(error, n))) return undefined;
  return error;
}
