import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { SessionInfo } from '@scim/admin-api';
import { ApiError, api } from '../api';
import { Notice } from '../components/Notice';
import { navigate, takeReturnPath } from '../router';

const TITLES: Record<string, string> = {
  used: 'This sign-in link has already been used',
  expired: 'This sign-in link has expired',
  unknown: 'This sign-in link is not valid',
};

type LinkState = { kind: 'none' } | { kind: 'checking' } | { kind: 'refused'; title: string; message: string };

/**
 * Sign-in without passwords. Opening a link (`/admin/sign-in#<secret>`) spends it and starts a
 * session; otherwise an admin asks for a link by email.
 */
export function SignInPage({ notice, onSignedIn }: { notice?: string; onSignedIn: (session: SessionInfo) => void }) {
  const [link, setLink] = useState<LinkState>(() =>
    window.location.hash.length > 1 ? { kind: 'checking' } : { kind: 'none' },
  );
  const [email, setEmail] = useState('');
  const [sending, setSending] = useState(false);
  const [answer, setAnswer] = useState<{ kind: 'success' | 'error'; text: string } | undefined>();
  const consumed = useRef(new Set<string>());

  useEffect(() => {
    const consume = () => {
      const secret = window.location.hash.slice(1);
      // Each link is spent once, even when React runs this effect twice.
      if (!secret || consumed.current.has(secret)) return;
      consumed.current.add(secret);
      setLink({ kind: 'checking' });
      // The secret leaves the address bar (and the browser history) at once.
      window.history.replaceState(null, '', '/admin/sign-in');
      api<SessionInfo>('POST', '/sign-in', { link: secret }, { noSessionRedirect: true }).then(
        (session) => {
          onSignedIn(session);
          navigate(takeReturnPath(), true);
        },
        (error: unknown) => {
          const reason = error instanceof ApiError ? error.body?.reason : undefined;
          setLink({
            kind: 'refused',
            title: TITLES[reason ?? ''] ?? 'You could not be signed in',
            message: error instanceof Error ? error.message : String(error),
          });
        },
      );
    };
    consume();
    // A link opened in a tab that already shows this page only changes the fragment.
    window.addEventListener('hashchange', consume);
    return () => window.removeEventListener('hashchange', consume);
  }, [onSignedIn]);

  const requestLink = async (event: FormEvent) => {
    event.preventDefault();
    setSending(true);
    setAnswer(undefined);
    try {
      const result = await api<{ message: string }>('POST', '/sign-in/request', { email }, { noSessionRedirect: true });
      setAnswer({ kind: 'success', text: result.message });
    } catch (error) {
      setAnswer({ kind: 'error', text: error instanceof Error ? error.message : String(error) });
    } finally {
      setSending(false);
    }
  };

  if (link.kind === 'checking') {
    return (
      <main className="center-card">
        <div className="card" aria-busy="true">
          <h1>Signing you in…</h1>
        </div>
      </main>
    );
  }

  return (
    <main className="center-card">
      <div className="card sign-in">
        <div className="brand brand-large">
          <span className="logo" aria-hidden="true" />
          <span>SCIM provisioning</span>
        </div>
        {link.kind === 'refused' ? (
          <>
            <h1>{link.title}</h1>
            <Notice kind="warning">{link.message}</Notice>
          </>
        ) : (
          <>
            <h1>Sign in to the admin console</h1>
            {notice && <Notice kind="info">{notice}</Notice>}
            <p>
              Connect Microsoft Entra ID, manage SCIM tokens and failure emails, and see every provisioning change for
              your organisation. There is no password: we email you a link that signs you in once.
            </p>
          </>
        )}
        <form onSubmit={(event) => void requestLink(event)} className="stack">
          <label htmlFor="admin-email">Your admin email address</label>
          <input
            id="admin-email"
            type="email"
            autoComplete="email"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            placeholder="it-admin@contoso.com"
          />
          <button type="submit" disabled={sending}>
            {sending ? 'Sending…' : 'Email me a sign-in link'}
          </button>
        </form>
        {answer && <Notice kind={answer.kind}>{answer.text}</Notice>}
        <p className="muted small">
          Only addresses your provider registered as admins of your tenant receive a link. If yours is not one of them,
          ask the operator of the provisioning service for a sign-in link.
        </p>
      </div>
    </main>
  );
}
