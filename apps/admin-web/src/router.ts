import { useEffect, useState } from 'react';

export type PageName = 'connection' | 'notifications' | 'domains' | 'activity' | 'sign-in';

export const PAGES: { name: Exclude<PageName, 'sign-in'>; title: string }[] = [
  { name: 'connection', title: 'Connection' },
  { name: 'notifications', title: 'Notifications' },
  { name: 'domains', title: 'Work domains' },
  { name: 'activity', title: 'Activity' },
];

export interface Route {
  page: PageName;
  params: URLSearchParams;
}

function current(): Route {
  const segment = window.location.pathname
    .replace(/^\/admin\/?/i, '')
    .replace(/\/$/, '')
    .toLowerCase();
  const page =
    (['connection', 'notifications', 'domains', 'activity', 'sign-in'] as const).find((p) => p === segment) ??
    'connection';
  return { page, params: new URLSearchParams(window.location.search) };
}

const listeners = new Set<() => void>();

export function navigate(path: string, replace = false): void {
  if (replace) window.history.replaceState(null, '', path);
  else window.history.pushState(null, '', path);
  listeners.forEach((listener) => listener());
}

/** The page from the address bar (/admin/<page>?…), following back/forward and navigate(). */
export function useRoute(): Route {
  const [route, setRoute] = useState(current);
  useEffect(() => {
    const update = () => setRoute(current());
    listeners.add(update);
    window.addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  return route;
}

const RETURN_KEY = 'scim-console-return-to';

/** Where to go after signing in (e.g. the failure email's link to Activity), kept for an hour. */
export function rememberReturnPath(path: string): void {
  try {
    window.localStorage.setItem(RETURN_KEY, JSON.stringify({ path, at: Date.now() }));
  } catch {
    // Storage may be off; the admin lands on Connection instead.
  }
}

export function takeReturnPath(): string {
  try {
    const saved = JSON.parse(window.localStorage.getItem(RETURN_KEY) ?? 'null') as {
      path?: unknown;
      at?: unknown;
    } | null;
    window.localStorage.removeItem(RETURN_KEY);
    if (
      saved &&
      typeof saved.path === 'string' &&
      /^\/admin\/[a-z]/i.test(saved.path) &&
      !/sign-in/i.test(saved.path) &&
      typeof saved.at === 'number' &&
      Date.now() - saved.at < 3600_000
    ) {
      return saved.path;
    }
  } catch {
    // Fall through to the default page.
  }
  return '/admin/connection';
}
