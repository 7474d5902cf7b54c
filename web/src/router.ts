import { useEffect, useState } from 'preact/hooks';

export const TABS = [
  { id: 'aliases', label: 'Aliases' },
  { id: 'downstreams', label: 'Downstreams' },
  { id: 'rules', label: 'Rules' },
  { id: 'logs', label: 'Logs' },
  { id: 'dashboard', label: 'Dashboard' },
  { id: 'playground', label: 'Playground' },
  { id: 'settings', label: 'Settings' },
] as const;
export type TabId = (typeof TABS)[number]['id'];

/** Tabs are real paths (/logs, /rules…): the daemon answers them with index.html. */
export function tabFromPath(path: string): TabId {
  const seg = path.replace(/^\/+/, '').split('/')[0];
  return (TABS.find((t) => t.id === seg)?.id ?? 'aliases') as TabId;
}

export function navigate(tab: TabId): void {
  const path = `/${tab}`;
  if (location.pathname !== path) history.pushState(null, '', path);
  window.dispatchEvent(new Event('tresor:navigate'));
}

export function useTab(): TabId {
  const [tab, setTab] = useState<TabId>(() => tabFromPath(location.pathname));
  useEffect(() => {
    const on = () => setTab(tabFromPath(location.pathname));
    window.addEventListener('popstate', on);
    window.addEventListener('tresor:navigate', on);
    return () => {
      window.removeEventListener('popstate', on);
      window.removeEventListener('tresor:navigate', on);
    };
  }, []);
  return tab;
}
