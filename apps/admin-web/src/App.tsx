import { useCallback, useEffect, useState } from 'react';
import type { SessionInfo } from '@scim/admin-api';
import { ApiError, api, setCsrfToken, whenSessionEnds } from './api';
import { PAGES, navigate, rememberReturnPath, useRoute } from './router';
import { ActivityPage } from './pages/ActivityPage';
import { ConnectionPage } from './pages/ConnectionPage';
import { DomainsPage } from './pages/DomainsPage';
import { NotificationsPage } from './pages/NotificationsPage';
import { SignInPage } from './pages/SignInPage';

type SessionState =
  | { kind: 'loading' }
  | { kind: 'signed-out'; message?: string }
  | { kind: 'signed-in'; session: SessionInfo }
  | { kind: 'error'; message: string };

export function App() {
  const route = useRoute();
  const [state, setState] = useState<SessionState>({ kind: 'loading' });

  const signedIn = useCallback((session: SessionInfo) => {
    setCsrfToken(session.csrfToken);
    setState({ kind: 'signed-in', session });
  }, []);

  const signedOut = useCallback((message?: string) => {
    setCsrfToken('');
    setState({ kind: 'signed-out', message });
    const path = window.location.pathname + window.location.search;
    if (!/\/sign-in/i.test(path)) {
      rememberReturnPath(path);
      navigate('/admin/sign-in', true);
    }
  }, []);

  useEffect(() => {
    whenSessionEnds((message) => signedOut(message));
    if (/\/sign-in/i.test(window.location.pathname)) {
      setState({ kind: 'signed-out' });
      return;
    }
    api<SessionInfo>('GET', '/session', undefined, { noSessionRedirect: true }).then(signedIn, (error: unknown) => {
      if (error instanceof ApiError && error.status === 401) signedOut();
      else setState({ kind: 'error', message: error instanceof Error ? error.message : String(error) });
    });
  }, [signedIn, signedOut]);

  if (state.kind === 'loading')
    return (
      <div className="loading" aria-busy="true">
        Loading…
      </div>
    );
  if (state.kind === 'error') {
    return (
      <main className="center-card">
        <div className="card">
          <h1>The admin console could not start</h1>
          <p className="error-text">{state.message}</p>
          <button type="button" onClick={() => window.location.reload()}>
            Try again
          </button>
        </div>
      </main>
    );
  }
  if (state.kind === 'signed-out' || route.page === 'sign-in') {
    return <SignInPage notice={state.kind === 'signed-out' ? state.message : undefined} onSignedIn={signedIn} />;
  }

  const { session } = state;
  const signOut = async () => {
    try {
      await api('POST', '/sign-out');
    } catch {
      // Already ended: the outcome is the same.
    }
    setCsrfToken('');
    setState({ kind: 'signed-out', message: 'You have signed out.' });
    navigate('/admin/sign-in', true);
  };

  return (
    <div className="shell">
      <header className="topbar">
        <div className="brand">
          <span className="logo" aria-hidden="true" />
          <span>SCIM provisioning</span>
          <span className="brand-sep" aria-hidden="true">
            /
          </span>
          <span className="tenant-name" title={`Tenant id ${session.tenant.id}`}>
            {session.tenant.name}
          </span>
        </div>
        <div className="account">
          <span className="muted">
            {session.signedInAs ? `Signed in as ${session.signedInAs}` : 'Signed in with an operator link'}
          </span>
          <button type="button" className="secondary" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <nav className="tabs" aria-label="Console pages">
        {PAGES.map((page) => (
          <a
            key={page.name}
            href={`/admin/${page.name}`}
            aria-current={route.page === page.name ? 'page' : undefined}
            onClick={(event) => {
              event.preventDefault();
              navigate(`/admin/${page.name}`);
            }}
          >
            {page.title}
          </a>
        ))}
      </nav>
      <main className="content">
        {route.page === 'connection' && <ConnectionPage />}
        {route.page === 'notifications' && <NotificationsPage />}
        {route.page === 'domains' && <DomainsPage />}
        {route.page === 'activity' && <ActivityPage params={route.params} />}
      </main>
    </div>
  );
}
