import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { DigestState, NotificationSettings, TestEmailQueued, TestEmailState } from '@scim/admin-api';
import { api } from '../api';
import { Notice } from '../components/Notice';
import { usePolling } from '../components/usePolling';
import { formatDateTime } from '../format';

function DigestSummary({ digest }: { digest: DigestState | null }) {
  if (!digest) return <p>No failure email has been needed yet.</p>;
  const about = `${digest.failureCount} failure${digest.failureCount === 1 ? '' : 's'}, to ${digest.recipient}, created ${formatDateTime(digest.createdAt)}`;
  switch (digest.status) {
    case 'sent':
      return (
        <p>
          <span className="badge badge-success">Sent</span> {about}; delivered to the mail server{' '}
          {digest.sentAt ? formatDateTime(digest.sentAt) : ''}.
        </p>
      );
    case 'sending':
      return (
        <p>
          <span className="badge">Sending</span> {about}.
        </p>
      );
    case 'retrying':
      return (
        <>
          <p>
            <span className="badge badge-warning">Retrying</span> {about}.
          </p>
          <Notice kind="warning">
            Attempt {digest.attempts} failed: the mail server answered “{digest.lastError ?? 'no answer'}”.
            {digest.nextAttemptAt &&
              ` Next attempt ${formatDateTime(digest.nextAttemptAt)}; attempts go on for 24 hours.`}
          </Notice>
        </>
      );
    case 'undeliverable':
      return (
        <>
          <p>
            <span className="badge badge-danger">Undeliverable</span> {about}.
          </p>
          <Notice kind="error">
            Given up after 24 hours of attempts. Last answer of the mail server: “{digest.lastError ?? 'none'}”. The
            failures are still listed under Activity.
          </Notice>
        </>
      );
  }
}

/** Where failure emails go, a test email, and how the latest one fared. */
export function NotificationsPage() {
  const [settings, setSettings] = useState<NotificationSettings>();
  const [email, setEmail] = useState('');
  const [enabled, setEnabled] = useState(false);
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState<{ kind: 'success' | 'error'; text: string }>();
  const [test, setTest] = useState<TestEmailState>();
  const [testError, setTestError] = useState<string>();

  const load = useCallback(async (background = false) => {
    const next = await api<NotificationSettings>('GET', '/notifications', undefined, { background });
    setSettings(next);
    return next;
  }, []);

  useEffect(() => {
    load().then(
      (next) => {
        setEmail(next.email ?? '');
        setEnabled(next.enabled);
      },
      (e: Error) => setSaved({ kind: 'error', text: e.message }),
    );
  }, [load]);

  usePolling(() => {
    void load(true).catch(() => undefined);
    if (test?.state === 'queued') {
      api<TestEmailState>('GET', `/notifications/test/${test.id}`, undefined, { background: true }).then(
        setTest,
        () => undefined,
      );
    }
  }, 2000);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setSaving(true);
    setSaved(undefined);
    try {
      const next = await api<NotificationSettings>('PUT', '/notifications', {
        email: email.trim() === '' ? null : email.trim(),
        enabled,
      });
      setSettings(next);
      setEmail(next.email ?? '');
      setEnabled(next.enabled);
      setSaved({
        kind: 'success',
        text: next.enabled ? `Saved. Failure emails go to ${next.email}.` : 'Saved. Failure emails are off.',
      });
    } catch (e) {
      setSaved({ kind: 'error', text: (e as Error).message });
    } finally {
      setSaving(false);
    }
  };

  const sendTest = async () => {
    setTestError(undefined);
    try {
      const queued = await api<TestEmailQueued>('POST', '/notifications/test');
      setTest({ id: queued.id, to: queued.to, state: 'queued', error: null });
    } catch (e) {
      setTestError((e as Error).message);
    }
  };

  const unsaved = settings !== undefined && (email.trim() !== (settings.email ?? '') || enabled !== settings.enabled);

  return (
    <>
      <h1>Notifications</h1>
      <section className="card" aria-labelledby="failure-emails-heading">
        <h2 id="failure-emails-heading">Failure emails</h2>
        <p className="muted">
          When Entra sends a user or group that cannot be saved, we email what failed and what to do about it. Failures
          are gathered for a minute, so a large sync with problems sends a few emails, not thousands.
        </p>
        <form className="stack" onSubmit={(event) => void save(event)}>
          <label htmlFor="notification-email">Notification email</label>
          <input
            id="notification-email"
            type="email"
            disabled={!settings}
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            placeholder="it-admin@contoso.com"
            autoComplete="email"
          />
          <label className="checkbox">
            <input
              type="checkbox"
              disabled={!settings}
              checked={enabled}
              onChange={(e) => setEnabled(e.target.checked)}
            />
            Email me when provisioning fails
          </label>
          <div className="toolbar">
            <button type="submit" className="primary" disabled={saving || !settings}>
              Save
            </button>
            <button
              type="button"
              className="secondary"
              onClick={() => void sendTest()}
              disabled={!settings?.email || unsaved}
              title={unsaved ? 'Save first' : undefined}
            >
              Send test email
            </button>
          </div>
        </form>
        {saved && <Notice kind={saved.kind}>{saved.text}</Notice>}
        {testError && <Notice kind="error">{testError}</Notice>}
        {test && (
          <Notice kind={test.state === 'failed' ? 'error' : test.state === 'sent' ? 'success' : 'info'}>
            {test.state === 'queued' && `Sending a test email to ${test.to}…`}
            {test.state === 'sent' &&
              `The test email was handed to the mail server for ${test.to}. Check that inbox (and its spam folder).`}
            {test.state === 'failed' &&
              `The test email to ${test.to} could not be sent: ${test.error ?? 'the mail server refused it'}.`}
          </Notice>
        )}
      </section>
      <section className="card" aria-labelledby="latest-digest-heading">
        <h2 id="latest-digest-heading">Latest failure email</h2>
        {settings ? <DigestSummary digest={settings.latestDigest} /> : <p className="muted">Loading…</p>}
      </section>
    </>
  );
}
