import { useMemo, useRef, useState } from 'preact/hooks';
import { api, ApiError } from '../api.js';
import { Badge, Confirm, Empty, ErrorBanner, Field, Loading, Modal, fieldError, unclaimed } from '../ui/components.js';
import { useAction, useLoad } from '../ui/hooks.js';
import type { AliasGroup, AliasOption, Downstream } from '../types.js';

interface Data {
  groups: AliasGroup[];
  downstreams: Downstream[];
}

type Dialog =
  | { kind: 'new-group' }
  | { kind: 'edit-group'; group: AliasGroup }
  | { kind: 'delete-group'; group: AliasGroup }
  | { kind: 'new-option'; group: AliasGroup }
  | { kind: 'edit-option'; group: AliasGroup; option: AliasOption }
  | { kind: 'delete-option'; group: AliasGroup; option: AliasOption };

/** The option that serves the group: the one named active, else the first (the API's default). */
export function activeIdOf(g: AliasGroup): string | undefined {
  return g.active_id ?? g.options.find((o) => o.is_active)?.id ?? g.options[0]?.id;
}

export function moved<T>(list: T[], from: number, to: number): T[] {
  const next = list.slice();
  const [item] = next.splice(from, 1);
  next.splice(Math.max(0, Math.min(to, next.length)), 0, item);
  return next;
}

export function AliasesTab() {
  const data = useLoad<Data>(async () => {
    const [groups, downstreams] = await Promise.all([api.aliases(), api.downstreams()]);
    return { groups, downstreams };
  });
  const [dialog, setDialog] = useState<Dialog | undefined>(undefined);
  const [groupErrors, setGroupErrors] = useState<Record<string, Error | undefined>>({});
  const [orderError, setOrderError] = useState<Error | undefined>(undefined);
  const [announce, setAnnounce] = useState('');
  // Options pointing at a missing (or switched-off) downstream cannot serve: they get flagged.
  const dsIds = useMemo(() => new Set((data.data?.downstreams ?? []).filter((d) => d.is_enabled !== false).map((d) => d.id)), [data.data]);

  const setGroups = (fn: (g: AliasGroup[]) => AliasGroup[]) => data.set((d) => ({ groups: fn(d?.groups ?? []), downstreams: d?.downstreams ?? [] }));

  /** One click: switch every app using this alias, at once; roll back if the daemon refuses. */
  const activate = async (group: AliasGroup, option: AliasOption) => {
    const before = activeIdOf(group);
    if (before === option.id) return;
    const key = group.input_model_id;
    setGroupErrors((e) => ({ ...e, [key]: undefined }));
    setGroups((gs) =>
      gs.map((g) => (g.input_model_id === key ? { ...g, active_id: option.id, options: g.options.map((o) => ({ ...o, is_active: o.id === option.id })) } : g)),
    );
    try {
      await api.activateAlias(option.id);
      setAnnounce(`${key} now goes to ${option.downstream_id} / ${option.output_model_id}`);
    } catch (e) {
      setGroups((gs) =>
        gs.map((g) =>
          g.input_model_id === key ? { ...g, active_id: before ?? '', options: g.options.map((o) => ({ ...o, is_active: o.id === before })) } : g,
        ),
      );
      setGroupErrors((errs) => ({ ...errs, [key]: e as Error }));
    }
  };

  const reorder = async (from: number, to: number) => {
    const groups = data.data?.groups ?? [];
    if (from === to || from < 0 || to < 0 || from >= groups.length || to >= groups.length) return;
    const next = moved(groups, from, to);
    setOrderError(undefined);
    setGroups(() => next);
    try {
      await api.reorderGroups(next.map((g) => g.input_model_id));
      setAnnounce(`${groups[from].input_model_id} moved to position ${to + 1} of ${groups.length}`);
    } catch (e) {
      setGroups(() => groups);
      setOrderError(e as Error);
    }
  };

  // The dialog closes once the list shows the change (never a stale list after a save).
  const done = async () => {
    await data.reload();
    setDialog(undefined);
  };

  return (
    <section aria-labelledby="aliases-title">
      <div class="tab-head">
        <div>
          <h1 id="aliases-title">Aliases</h1>
          <p class="muted">Model names your apps ask for, and which provider serves them. Click an option to switch every app at once.</p>
        </div>
        <button type="button" class="primary" onClick={() => setDialog({ kind: 'new-group' })}>
          New alias group
        </button>
      </div>
      <p class="sr-only" role="status" aria-live="polite">
        {announce}
      </p>
      <ErrorBanner error={data.error} title="Could not load aliases" />
      <ErrorBanner error={orderError} title="Reordering failed" />
      {data.loading && !data.data && <Loading what="aliases" />}
      {data.data && data.data.groups.length === 0 && (
        <Empty>
          No alias groups yet. An alias maps a model name your apps use (say <code>gpt-4o</code>) to a downstream and model; add a group with two options and
          switching providers becomes one click.
        </Empty>
      )}
      {data.data && data.data.groups.length > 0 && (
        <GroupList groups={data.data.groups} dsIds={dsIds} errors={groupErrors} onActivate={activate} onReorder={reorder} onDialog={setDialog} />
      )}
      {dialog && data.data && (
        <AliasDialog dialog={dialog} downstreams={data.data.downstreams} groups={data.data.groups} onClose={() => setDialog(undefined)} onDone={done} />
      )}
    </section>
  );
}

function GroupList({
  groups,
  dsIds,
  errors,
  onActivate,
  onReorder,
  onDialog,
}: {
  groups: AliasGroup[];
  dsIds: Set<string>;
  errors: Record<string, Error | undefined>;
  onActivate: (g: AliasGroup, o: AliasOption) => void;
  onReorder: (from: number, to: number) => void;
  onDialog: (d: Dialog) => void;
}) {
  const dragFrom = useRef<number | undefined>(undefined);
  const [over, setOver] = useState<number | undefined>(undefined);
  return (
    <ol class="groups" aria-label="Alias groups, in matching order">
      {groups.map((g, i) => {
        const missing = g.options.filter((o) => !dsIds.has(o.downstream_id));
        const active = activeIdOf(g);
        return (
          <li
            key={g.input_model_id}
            class={`card group ${missing.length ? 'flagged' : ''} ${over === i ? 'drop-target' : ''}`}
            draggable
            data-group={g.input_model_id}
            onDragStart={(e) => {
              dragFrom.current = i;
              e.dataTransfer?.setData('text/plain', g.input_model_id);
              if (e.dataTransfer) e.dataTransfer.effectAllowed = 'move';
            }}
            onDragOver={(e) => {
              if (dragFrom.current === undefined) return;
              e.preventDefault();
              if (e.dataTransfer) e.dataTransfer.dropEffect = 'move';
              setOver(i);
            }}
            onDragLeave={() => setOver((o) => (o === i ? undefined : o))}
            onDrop={(e) => {
              e.preventDefault();
              const from = dragFrom.current;
              dragFrom.current = undefined;
              setOver(undefined);
              if (from !== undefined) onReorder(from, i);
            }}
            onDragEnd={() => {
              dragFrom.current = undefined;
              setOver(undefined);
            }}
          >
            <div class="group-head">
              <span class="drag-handle" title="Drag to reorder" aria-hidden="true">
                ⠿
              </span>
              <h2 class="group-name">
                <code>{g.input_model_id}</code>
              </h2>
              {g.is_regex && (
                <Badge tone="accent" title="The name is a regular expression matched against the whole model name">
                  regex
                </Badge>
              )}
              {g.fallback && (
                <Badge tone="info" title="On failure before the first byte, the next options are tried">
                  fallback
                </Badge>
              )}
              {missing.length > 0 && <Badge tone="warn">missing downstream</Badge>}
              <div class="group-actions">
                <button type="button" class="icon" aria-label={`Move ${g.input_model_id} up`} disabled={i === 0} onClick={() => onReorder(i, i - 1)}>
                  ↑
                </button>
                <button
                  type="button"
                  class="icon"
                  aria-label={`Move ${g.input_model_id} down`}
                  disabled={i === groups.length - 1}
                  onClick={() => onReorder(i, i + 1)}
                >
                  ↓
                </button>
                <button type="button" aria-label={`Add option to ${g.input_model_id}`} onClick={() => onDialog({ kind: 'new-option', group: g })}>
                  + Option
                </button>
                <button type="button" aria-label={`Edit group ${g.input_model_id}`} onClick={() => onDialog({ kind: 'edit-group', group: g })}>
                  Edit
                </button>
                <button
                  type="button"
                  class="danger-text"
                  aria-label={`Delete group ${g.input_model_id}`}
                  onClick={() => onDialog({ kind: 'delete-group', group: g })}
                >
                  Delete
                </button>
              </div>
            </div>
            {missing.length > 0 && (
              <p class="warn-text">
                ⚠ {missing.map((o) => `option ${o.id} points at downstream "${o.downstream_id}", which does not exist or is disabled`).join('; ')}.
              </p>
            )}
            <div class="options" role="group" aria-label={`Options for ${g.input_model_id}`}>
              {g.options.map((o) => {
                const isActive = o.id === active;
                const isMissing = !dsIds.has(o.downstream_id);
                return (
                  <div class={`option-wrap ${isActive ? 'active' : ''}`} key={o.id}>
                    <button
                      type="button"
                      class={`option ${isActive ? 'active' : ''} ${isMissing ? 'missing' : ''}`}
                      aria-pressed={isActive ? 'true' : 'false'}
                      data-option={o.id}
                      onClick={() => onActivate(g, o)}
                    >
                      <span class="opt-model">{o.output_model_id}</span>
                      <span class="opt-ds">
                        via {o.downstream_id}
                        {isMissing && <span class="warn-text"> (missing downstream)</span>}
                      </span>
                      <span class="opt-id">{o.id}</span>
                      <span class="opt-state">{isActive ? '● active' : 'click to activate'}</span>
                    </button>
                    <div class="opt-tools">
                      <button
                        type="button"
                        class="icon small"
                        aria-label={`Edit option ${o.id}`}
                        onClick={() => onDialog({ kind: 'edit-option', group: g, option: o })}
                      >
                        ✎
                      </button>
                      <button
                        type="button"
                        class="icon small danger-text"
                        aria-label={`Delete option ${o.id}`}
                        onClick={() => onDialog({ kind: 'delete-option', group: g, option: o })}
                      >
                        ✕
                      </button>
                    </div>
                  </div>
                );
              })}
            </div>
            <ErrorBanner error={errors[g.input_model_id]} title="Switch failed" />
          </li>
        );
      })}
    </ol>
  );
}

function AliasDialog({
  dialog,
  downstreams,
  groups,
  onClose,
  onDone,
}: {
  dialog: Dialog;
  downstreams: Downstream[];
  groups: AliasGroup[];
  onClose: () => void;
  onDone: () => Promise<void>;
}) {
  const act = useAction();
  if (dialog.kind === 'delete-group')
    return (
      <Confirm
        title={`Delete alias group ${dialog.group.input_model_id}?`}
        confirmLabel="Delete group"
        busy={act.busy}
        error={act.error}
        onClose={onClose}
        onConfirm={async () => {
          await act.run(async () => {
            await api.deleteGroup(dialog.group.input_model_id);
            await onDone();
          });
        }}
      >
        <p>
          Its {dialog.group.options.length} option(s) ({dialog.group.options.map((o) => o.id).join(', ')}) are removed. Apps asking for{' '}
          <code>{dialog.group.input_model_id}</code> will then be routed to a downstream that lists that model itself, or get a 404.
        </p>
      </Confirm>
    );
  if (dialog.kind === 'delete-option') {
    const last = dialog.group.options.length === 1;
    const active = activeIdOf(dialog.group) === dialog.option.id;
    return (
      <Confirm
        title={`Delete option ${dialog.option.id}?`}
        confirmLabel="Delete option"
        busy={act.busy}
        error={act.error}
        onClose={onClose}
        onConfirm={async () => {
          await act.run(async () => {
            await api.deleteAlias(dialog.option.id);
            await onDone();
          });
        }}
      >
        <p>
          {last
            ? `It is the only option of ${dialog.group.input_model_id}: the whole group goes with it.`
            : active
              ? `It is the active option: ${dialog.group.input_model_id} switches to another option of the group.`
              : `${dialog.group.input_model_id} keeps its other options.`}
        </p>
      </Confirm>
    );
  }
  return <AliasForm dialog={dialog} downstreams={downstreams} groups={groups} onClose={onClose} onDone={onDone} />;
}

function AliasForm({
  dialog,
  downstreams,
  groups,
  onClose,
  onDone,
}: {
  dialog: Exclude<Dialog, { kind: 'delete-group' | 'delete-option' }>;
  downstreams: Downstream[];
  groups: AliasGroup[];
  onClose: () => void;
  onDone: () => Promise<void>;
}) {
  const group = dialog.kind === 'new-group' ? undefined : dialog.group;
  const option = dialog.kind === 'edit-option' ? dialog.option : undefined;
  const editsGroup = dialog.kind === 'new-group' || dialog.kind === 'edit-group';
  const editsOption = dialog.kind !== 'edit-group';
  const [input, setInput] = useState(group?.input_model_id ?? '');
  const [isRegex, setIsRegex] = useState(group?.is_regex ?? false);
  const [fallback, setFallback] = useState(group?.fallback ?? false);
  const [dsId, setDsId] = useState(option?.downstream_id ?? downstreams[0]?.id ?? '');
  const [model, setModel] = useState(option?.output_model_id ?? '');
  const [optId, setOptId] = useState(option?.id ?? '');
  const [idTouched, setIdTouched] = useState(Boolean(option));
  const [regexError, setRegexError] = useState<string | undefined>(undefined);
  const act = useAction();
  const ds = downstreams.find((d) => d.id === dsId);
  const suggestedId = slug(`${input || group?.input_model_id || 'alias'}-${dsId}`);
  const effectiveId = idTouched ? optId : suggestedId;
  const usedIds = new Set(groups.flatMap((g) => g.options.map((o) => o.id)));

  const title =
    dialog.kind === 'new-group'
      ? 'New alias group'
      : dialog.kind === 'edit-group'
        ? `Edit group ${dialog.group.input_model_id}`
        : dialog.kind === 'new-option'
          ? `Add option to ${dialog.group.input_model_id}`
          : `Edit option ${dialog.option.id}`;

  const submit = async (e: Event) => {
    e.preventDefault();
    if (editsGroup && isRegex) {
      try {
        new RegExp(`^(?:${input})$`);
        setRegexError(undefined);
      } catch (err) {
        setRegexError(`not a valid regular expression: ${(err as Error).message}`);
        return;
      }
    }
    await act.run(async () => {
      if (dialog.kind === 'new-group') {
        await api.createAlias({ id: effectiveId, input_model_id: input, is_regex: isRegex, fallback, downstream_id: dsId, output_model_id: model });
      } else if (dialog.kind === 'new-option') {
        await api.createAlias({ id: effectiveId, input_model_id: dialog.group.input_model_id, downstream_id: dsId, output_model_id: model });
      } else if (dialog.kind === 'edit-option') {
        await api.updateAlias(dialog.option.id, { downstream_id: dsId, output_model_id: model });
      } else {
        await saveGroup(dialog.group, groups, { input_model_id: input, is_regex: isRegex, fallback });
      }
      // The list is reloaded while the form is still busy, so a double click cannot save twice.
      await onDone();
    });
  };

  const err = act.error;
  return (
    <Modal title={title} onClose={onClose}>
      <form onSubmit={submit} class="form">
        {editsGroup && (
          <>
            <Field
              label="Model name apps ask for"
              error={regexError ?? fieldError(err, 'input_model_id')}
              hint={isRegex ? 'Regular expression, matched against the whole model name' : 'e.g. gpt-4o'}
            >
              {(id, d) => <input id={id} aria-describedby={d} required value={input} onInput={(e) => setInput(e.currentTarget.value)} autoFocus />}
            </Field>
            <label class="check">
              <input type="checkbox" checked={isRegex} onChange={(e) => setIsRegex(e.currentTarget.checked)} /> Regex group (the name is a pattern)
            </label>
            <label class="check">
              <input type="checkbox" checked={fallback} onChange={(e) => setFallback(e.currentTarget.checked)} /> Fall back to the next options when the active
              one fails
            </label>
            {fieldError(err, 'is_regex') && <small class="field-error">{fieldError(err, 'is_regex')}</small>}
          </>
        )}
        {editsOption && (
          <>
            {dialog.kind === 'new-group' && <h3 class="sub">First option</h3>}
            <Field
              label="Downstream"
              error={fieldError(err, 'downstream_id')}
              hint={downstreams.length === 0 ? 'No downstreams yet: create one in the Downstreams tab first.' : undefined}
            >
              {(id, d) => (
                <select id={id} aria-describedby={d} required value={dsId} onChange={(e) => setDsId(e.currentTarget.value)}>
                  {!ds && <option value={dsId}>{dsId ? `${dsId} (missing)` : 'choose…'}</option>}
                  {downstreams.map((d) => (
                    <option key={d.id} value={d.id}>
                      {d.name ? `${d.name} (${d.id})` : d.id}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field label="Model sent to the downstream" error={fieldError(err, 'output_model_id')}>
              {(id, d) => (
                <>
                  <input id={id} aria-describedby={d} required list={`${id}-models`} value={model} onInput={(e) => setModel(e.currentTarget.value)} />
                  <datalist id={`${id}-models`}>
                    {(ds?.output_model_ids ?? []).map((m) => (
                      <option key={m} value={m} />
                    ))}
                  </datalist>
                </>
              )}
            </Field>
            <Field
              label="Option id"
              error={fieldError(err, 'id') ?? (!option && usedIds.has(effectiveId) ? `an option named ${effectiveId} already exists` : undefined)}
              hint={option ? 'The id of an existing option cannot change.' : 'Letters, digits, ".", "_" and "-".'}
            >
              {(id, d) => (
                <input
                  id={id}
                  aria-describedby={d}
                  required
                  pattern="[A-Za-z0-9._\-]+"
                  readOnly={Boolean(option)}
                  value={effectiveId}
                  onInput={(e) => {
                    setIdTouched(true);
                    setOptId(e.currentTarget.value);
                  }}
                />
              )}
            </Field>
          </>
        )}
        <ErrorBanner error={unclaimed(err, ['input_model_id', 'downstream_id', 'output_model_id', 'id', 'is_regex'])} />
        <div class="actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={act.busy}>
            {act.busy ? 'Saving…' : 'Save'}
          </button>
        </div>
      </form>
    </Modal>
  );
}

/**
 * The API keeps a group's flags on the group but edits them through an option (PUT
 * /api/aliases/{id} applies is_regex/fallback to the option's group). Renaming moves every
 * option to the new name (the active one keeps being active), then puts the group back in
 * its place, since a moved-to group is created at the end.
 */
async function saveGroup(group: AliasGroup, groups: AliasGroup[], next: { input_model_id: string; is_regex: boolean; fallback: boolean }): Promise<void> {
  const flags = { is_regex: next.is_regex, fallback: next.fallback };
  if (next.input_model_id === group.input_model_id) {
    await api.updateAlias(group.options[0].id, flags);
    return;
  }
  if (groups.some((g) => g.input_model_id === next.input_model_id))
    throw new ApiError(409, `an alias group "${next.input_model_id}" already exists`, 'input_model_id');
  const active = activeIdOf(group);
  for (const o of group.options)
    await api.updateAlias(o.id, { input_model_id: next.input_model_id, ...flags, ...(o.id === active ? { is_active: true } : {}) });
  const order = groups.map((g) => (g.input_model_id === group.input_model_id ? next.input_model_id : g.input_model_id));
  await api.reorderGroups(order);
}

function slug(s: string): string {
  return s
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 100);
}
