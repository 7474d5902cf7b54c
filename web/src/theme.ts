export type Theme = 'light' | 'dark';
const KEY = 'tresor-theme';

/** The stored choice, else the system's colour scheme. */
export function initialTheme(): Theme {
  const saved = localStorage.getItem(KEY);
  if (saved === 'light' || saved === 'dark') return saved;
  return window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export function applyTheme(t: Theme, remember: boolean): void {
  document.documentElement.dataset.theme = t;
  if (remember) localStorage.setItem(KEY, t);
}

export function hasStoredTheme(): boolean {
  return localStorage.getItem(KEY) !== null;
}

/** A CSS custom property's current value (charts read colours from the theme). */
export function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}
