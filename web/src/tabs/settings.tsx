import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { ChipsInput, ErrorBanner, Field, Loading, fieldError, unclaimed } from '../ui/components.js';
import { useAction, useLoad } from '../ui/hooks.js';
import type { LogLevel, Settings } from '../types.js';

const LEVELS: LogLevel[] = ['debug', 'info', 'warn', 'error'];

/** Only what changed goes in the PUT (secrets the user did not touch stay as stored). */
export function settingsPatch(before: Settings, after: Settings): Partial<Settings> {
  const patch: Partial<Settings> = {};
  if (after.log_level !== before.log_level) patch.log_level = after.log_level;
  if (after.capture_payloads !== before.capture_payloads) patch.capture_payloads = after.capture_payloads;
  if (after.retry_on_empty !== before.retry_on_empty) patch.retry_on_empty = after.retry_on_empty;
  if ((after.proxy_mode ?? 'auto') !== (before.proxy_mode ?? 'auto')) patch.proxy_mode = after.proxy_mode;
  if (JSON.stringify(after.proxy_api_keys ?? []) !== JSON.stringify(before.proxy_api_keys ?? [])) patch.proxy_api_keys = after.proxy_api_keys ?? [];
  return patch;
}

export function SettingsTab({ onAuthChanged }: { onAuthChanged: () => Promise<void> }) {
  const data = useLoad(() => api.settings());
  return (
    <section aria-labelledby="settings-title">
      <div class="tab-head">
        <div>
          <h1 id="settings-title">Settings</h1>
          <p class="muted">Written to the config file; comments and formatting are kept.</p>
        </div>
      </div>
      <ErrorBanner error={data.error} title="Could not load settings" />
      {data.loading && !data.data && <Loading what="settings" />}
      {data.data && (
        <>
          <GeneralSettings initial={data.data} onSaved={(s) => data.set(s)} reload={data.reload} />
          <PasswordSettings
            hasPassword={data.data.admin_password_set ?? Boolean(data.data.admin_password)}
            onChanged={async () => {
              await data.reload();
              await onAuthChanged();
            }}
          />
        </>
      )}
    </section>
  );
}

function GeneralSettings({ initial, onSaved, reload }: { initial: Settings; onSaved: (s: Settings) => void; reload: () => Promise<void> }) {
  const [s, setS] = useState<Settings>(initial);
  const [saved, setSaved] = useState(false);
  const act = useAction();
  const set = <K extends keyof Settings>(k: K, v: Settings[K]) => {
    setSaved(false);
    setS((x) => ({ ...x, [k]: v }));
  };
  const patch = settingsPatch(initial, s);
  const dirty = Object.keys(patch).length > 0;
  const submit = async (e: Event) => {
    e.preventDefault();
    // undefined = the call failed (its error is shown); null = saved, nothing returned.
    const res = await act.run(async () => (await api.saveSettings(patch)) ?? null);
    if (res === undefined) return;
    // The form takes the server's answer as its new state (masked keys included).
    if (res && typeof res === 'object' && 'log_level' in res) {
      onSaved(res);
      setS(res);
    } else await reload();
    setSaved(true);
  };
  const err = act.error;
  return (
    <form class="card form settings" onSubmit={submit} aria-labelledby="general-title">
      <h2 id="general-title">Gateway</h2>
      <Field label="Log level" error={fieldError(err, 'log_level')}>
        {(id, d) => (
          <select id={id} aria-describedby={d} value={s.log_level} onChange={(e) => set('log_level', e.currentTarget.value as LogLevel)}>
            {LEVELS.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field
        label="Proxy API keys"
        error={fieldError(err, 'proxy_api_keys')}
        hint="When set, apps must present one of these keys to use the gateway. Stored keys are shown masked."
      >
        {(id, d) => (
          <ChipsInput
            id={id}
            describedBy={d}
            label="Proxy API keys"
            values={s.proxy_api_keys ?? []}
            onChange={(v) => set('proxy_api_keys', v)}
            placeholder="new key, Enter to add"
          />
        )}
      </Field>
      <div class={`field ${fieldError(err, 'capture_payloads') ? 'has-error' : ''}`}>
        <label class="check">
          <input type="checkbox" checked={s.capture_payloads} onChange={(e) => set('capture_payloads', e.currentTarget.checked)} /> Capture payloads
        </label>
        <small class="muted">Keep the raw bodies of recent requests for the log inspector and the playground.</small>
        {fieldError(err, 'capture_payloads') && <small class="field-error">{fieldError(err, 'capture_payloads')}</small>}
      </div>
      <div class={`field ${fieldError(err, 'retry_on_empty') ? 'has-error' : ''}`}>
        <label class="check">
          <input type="checkbox" checked={s.retry_on_empty} onChange={(e) => set('retry_on_empty', e.currentTarget.checked)} /> Retry on empty
        </label>
        <small class="muted">Retry (up to 3 times) a successful response that produced no content.</small>
        {fieldError(err, 'retry_on_empty') && <small class="field-error">{fieldError(err, 'retry_on_empty')}</small>}
      </div>
      {s.proxy_mode !== undefined && (
        <Field label="Outbound proxy" error={fieldError(err, 'proxy_mode')} hint="auto/env honour HTTPS_PROXY, HTTP_PROXY and NO_PROXY.">
          {(id, d) => (
            <select id={id} aria-describedby={d} value={s.proxy_mode} onChange={(e) => set('proxy_mode', e.currentTarget.value as Settings['proxy_mode'])}>
              <option value="auto">auto</option>
              <option value="env">env</option>
              <option value="none">none</option>
            </select>
          )}
        </Field>
      )}
      <ErrorBanner error={unclaimed(err, ['log_level', 'proxy_api_keys', 'capture_payloads', 'retry_on_empty', 'proxy_mode'])} title="Saving failed" />
      <div class="actions">
        {saved && !dirty && (
          <span class="ok-text" role="status">
            Saved.
          </span>
        )}
        <button type="button" disabled={!dirty || act.busy} onClick={() => setS(initial)}>
          Undo changes
        </button>
        <button type="submit" class="primary" disabled={!dirty || act.busy}>
          {act.busy ? 'Saving…' : 'Save settings'}
        </button>
      </div>
    </form>
  );
}

function PasswordSettings({ hasPassword, onChanged }: { hasPassword: boolean; onChanged: () => Promise<void> }) {
  const [pw, setPw] = useState('');
  const [pw2, setPw2] = useState('');
  const [msg, setMsg] = useState('');
  const act = useAction();
  const mismatch = pw2 !== '' && pw !== pw2;
  const setPassword = async (e: Event) => {
    e.preventDefault();
    if (pw !== pw2) return;
    const ok = await act.run(() => api.saveSettings({ admin_password: pw }).then(() => true));
    if (ok) {
      setPw('');
      setPw2('');
      setMsg('Password saved. The admin API and this page now require it.');
      await onChanged();
    }
  };
  const remove = async () => {
    const ok = await act.run(() => api.saveSettings({ admin_password: null }).then(() => true));
    if (ok) {
      setMsg('Password removed: the admin API now answers only on loopback, without a login.');
      await onChanged();
    }
  };
  return (
    <form class="card form settings" onSubmit={setPassword} aria-labelledby="pw-title">
      <h2 id="pw-title">Admin password</h2>
      <p class="muted">
        {hasPassword
          ? 'A password is set: the web UI and admin API require a login.'
          : 'No password: the admin API and this page answer only on this machine (loopback).'}
      </p>
      <Field label={hasPassword ? 'New password' : 'Password'} error={fieldError(act.error, 'admin_password')}>
        {(id, d) => <input id={id} aria-describedby={d} type="password" autoComplete="new-password" value={pw} onInput={(e) => setPw(e.currentTarget.value)} />}
      </Field>
      <Field label="Repeat password" error={mismatch ? 'the passwords differ' : undefined}>
        {(id, d) => (
          <input id={id} aria-describedby={d} type="password" autoComplete="new-password" value={pw2} onInput={(e) => setPw2(e.currentTarget.value)} />
        )}
      </Field>
      <ErrorBanner error={unclaimed(act.error, ['admin_password'])} title="Changing the password failed" />
      {msg && (
        <p class="ok-text" role="status">
          {msg}
        </p>
      )}
      <div class="actions">
        {hasPassword && (
          <button type="button" class="danger" disabled={act.busy} onClick={() => void remove()}>
            Remove password
          </button>
        )}
        <button type="submit" class="primary" disabled={act.busy || !pw || pw !== pw2}>
          {hasPassword ? 'Change password' : 'Set password'}
        </button>
      </div>
    </form>
  );
}
