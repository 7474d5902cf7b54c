import { useCallback, useEffect, useState } from 'preact/hooks';
import { api } from './api.js';
import { ErrorBanner, Loading } from './ui/components.js';
import { useAction } from './ui/hooks.js';
import { TABS, navigate, useTab, type TabId } from './router.js';
import { applyTheme, hasStoredTheme, initialTheme, type Theme } from './theme.js';
import type { AuthStatus } from './types.js';
import { AliasesTab } from './tabs/aliases.js';
import { DownstreamsTab } from './tabs/downstreams.js';
import { RulesTab } from './tabs/rules.js';
import { LogsTab } from './tabs/logs.js';
import { DashboardTab } from './tabs/dashboard.js';
import { PlaygroundTab } from './tabs/playground.js';
import { SettingsTab } from './tabs/settings.js';
import { onSessionExpired } from './api.js';

export function App() {
  const [auth, setAuth] = useState<AuthStatus | undefined>(undefined);
  const [authError, setAuthError] = useState<Error | undefined>(undefined);
  const [expired, setExpired] = useState(false);

  const checkAuth = useCallback(async () => {
    setAuthError(undefined);
    try {
      setAuth(await api.authStatus());
    } catch (e) {
      setAuthError(e as Error);
    }
  }, []);

  useEffect(() => {
    void checkAuth();
    return onSessionExpired(() => {
      setExpired(true);
      setAuth((a) => ({ passwordSet: a?.passwordSet ?? true, authenticated: false }));
    });
  }, [checkAuth]);

  if (authError)
    return (
      <main class="center-page">
        <h1 class="brand">Tresor</h1>
        <ErrorBanner error={authError} title="Cannot load the admin API" />
        <button type="button" onClick={() => void checkAuth()}>
          Try again
        </button>
      </main>
    );
  if (!auth) return <Loading what="Tresor" />;
  if (!auth.passwordSet && !auth.authenticated)
    return (
      <main class="center-page">
        <h1 class="brand">Tresor</h1>
        <ErrorBanner error="Without an admin password the admin API answers only on loopback: open this page on the machine running Tresor (http://127.0.0.1:…), or set admin_password in the config file." />
      </main>
    );
  if (!auth.authenticated)
    return (
      <Login
        expired={expired}
        onLoggedIn={() => {
          setExpired(false);
          void checkAuth();
        }}
      />
    );
  return <Shell auth={auth} onLoggedOut={() => setAuth({ passwordSet: true, authenticated: false })} onAuthChanged={checkAuth} />;
}

function Login({ expired, onLoggedIn }: { expired: boolean; onLoggedIn: () => void }) {
  const [password, setPassword] = useState('');
  const act = useAction();
  const submit = async (e: Event) => {
    e.preventDefault();
    const ok = await act.run(async () => {
      await api.login(password);
      return true;
    });
    if (ok) onLoggedIn();
  };
  return (
    <main class="center-page">
      <form class="card login" onSubmit={submit} aria-labelledby="login-title">
        <h1 class="brand" id="login-title">
          Tresor
        </h1>
        {expired && (
          <p class="banner info" role="status">
            Your session has expired. Please log in again.
          </p>
        )}
        <div class="field">
          <label for="login-password">Admin password</label>
          <input
            id="login-password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
            autoFocus
          />
        </div>
        <ErrorBanner error={act.error} />
        <button type="submit" class="primary" disabled={act.busy || !password}>
          {act.busy ? 'Logging in…' : 'Log in'}
        </button>
      </form>
    </main>
  );
}

function ThemeToggle() {
  const [theme, setTheme] = useState<Theme>(initialTheme);
  useEffect(() => {
    // Follow the system scheme until the user picks one explicitly.
    const m = window.matchMedia('(prefers-color-scheme: dark)');
    const on = () => {
      if (hasStoredTheme()) return;
      const t = m.matches ? 'dark' : 'light';
      applyTheme(t, false);
      setTheme(t);
    };
    m.addEventListener('change', on);
    return () => m.removeEventListener('change', on);
  }, []);
  const next: Theme = theme === 'dark' ? 'light' : 'dark';
  return (
    <button
      type="button"
      class="icon theme-toggle"
      aria-label={`Switch to ${next} theme`}
      title={`Switch to ${next} theme`}
      onClick={() => {
        applyTheme(next, true);
        setTheme(next);
        window.dispatchEvent(new Event('tresor:theme'));
      }}
    >
      {theme === 'dark' ? '☀' : '☾'}
    </button>
  );
}

function Shell({ auth, onLoggedOut, onAuthChanged }: { auth: AuthStatus; onLoggedOut: () => void; onAuthChanged: () => Promise<void> }) {
  const tab = useTab();
  const act = useAction();
  const logout = async () => {
    const ok = await act.run(async () => {
      await api.logout();
      return true;
    });
    if (ok) onLoggedOut();
  };
  useEffect(() => {
    document.title = `${TABS.find((t) => t.id === tab)?.label ?? ''} · Tresor`;
    // On a phone the tab bar scrolls: keep the current tab in view.
    document.querySelector('.tabs .tab.active')?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }, [tab]);
  return (
    <div class="shell">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <span class="brand">Tresor</span>
        <nav aria-label="Sections" class="tabs">
          {TABS.map((t) => (
            <a
              key={t.id}
              href={`/${t.id}`}
              class={`tab ${tab === t.id ? 'active' : ''}`}
              aria-current={tab === t.id ? 'page' : undefined}
              onClick={(e) => {
                if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
                e.preventDefault();
                navigate(t.id as TabId);
              }}
            >
              {t.label}
            </a>
          ))}
        </nav>
        <div class="top-actions">
          <ThemeToggle />
          {auth.passwordSet && (
            <button type="button" onClick={() => void logout()} disabled={act.busy}>
              Log out
            </button>
          )}
        </div>
      </header>
      <ErrorBanner error={act.error} title="Logout failed" />
      <main id="main" class="content" tabIndex={-1}>
        {tab === 'aliases' && <AliasesTab />}
        {tab === 'downstreams' && <DownstreamsTab />}
        {tab === 'rules' && <RulesTab />}
        {tab === 'logs' && <LogsTab />}
        {tab === 'dashboard' && <DashboardTab />}
        {tab === 'playground' && <PlaygroundTab />}
        {tab === 'settings' && <SettingsTab onAuthChanged={onAuthChanged} />}
      </main>
    </div>
  );
}
