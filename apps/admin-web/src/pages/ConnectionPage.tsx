import { useCallback, useEffect, useState } from 'react';
import type { ConnectionInfo, GeneratedToken } from '@scim/admin-api';
import { api } from '../api';
import { CopyButton } from '../components/CopyButton';
import { Notice } from '../components/Notice';
import { usePolling } from '../components/usePolling';
import { formatDateTime, formatRelative } from '../format';

function When({ iso, never }: { iso: string | null; never: string }) {
  if (!iso) return <span className="muted">{never}</span>;
  return (
    <time dateTime={iso} title={formatDateTime(iso, true)}>
      {formatRelative(iso)}
    </time>
  );
}

/** The tutorial's "Settings › Integrations › SCIM User provisioning": Tenant URL and tokens. */
export function ConnectionPage() {
  const [info, setInfo] = useState<ConnectionInfo>();
  const [error, setError] = useState<string>();
  const [revokeOthers, setRevokeOthers] = useState(false);
  const [generated, setGenerated] = useState<GeneratedToken>();
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string>();

  const load = useCallback(async (background = false) => {
    try {
      setInfo(await api<ConnectionInfo>('GET', '/connection', undefined, { background }));
      setError(undefined);
    } catch (e) {
      setError((e as Error).message);
    }
  }, []);

  useEffect(() => void load(), [load]);
  usePolling(() => void load(true), 15000);

  const generate = async () => {
    setBusy(true);
    setMessage(undefined);
    try {
      setGenerated(await api<GeneratedToken>('POST', '/tokens', { revokeOthers }));
      setRevokeOthers(false);
      await load();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const revoke = async (id: string) => {
    if (!window.confirm('Revoke this token? Entra stops being able to provision with it within a few seconds.')) return;
    try {
      await api('DELETE', `/tokens/${id}`);
      if (generated?.info.id === id) setGenerated(undefined);
      setMessage('The token was revoked. Requests with it are refused within 5 seconds.');
      await load();
    } catch (e) {
      setError((e as Error).message);
    }
  };

  return (
    <>
      <h1>Connection</h1>
      {error && <Notice kind="error">{error}</Notice>}
      <section className="card" aria-labelledby="entra-heading">
        <h2 id="entra-heading">Connect Microsoft Entra ID</h2>
        <div className="field-row">
          <span className="label" id="tenant-url-label">
            Tenant URL
          </span>
          <code className="value" aria-labelledby="tenant-url-label">
            {info?.tenantUrl ?? '…'}
          </code>
          {info && <CopyButton value={info.tenantUrl} />}
        </div>
        <ol className="steps">
          <li>
            In the Microsoft Entra admin center, open <b>Enterprise applications</b>, your application, then{' '}
            <b>Provisioning</b>, and set the mode to <b>Automatic</b>.
          </li>
          <li>
            Under <b>Admin Credentials</b>, paste the Tenant URL above and, as <b>Secret Token</b>, a token generated
            below.
          </li>
          <li>
            Press <b>Test Connection</b>. It should succeed, and appear below as the last Test Connection.
          </li>
          <li>
            Enter a <b>Notification Email</b>, tick <i>Send an email notification when a failure occurs</i>, save, and
            start provisioning.
          </li>
        </ol>
        <dl className="facts">
          <div>
            <dt>Last request from Entra</dt>
            <dd>{info ? <When iso={info.lastRequestAt} never="None yet" /> : '…'}</dd>
          </div>
          <div>
            <dt>Last Test Connection</dt>
            <dd>{info ? <When iso={info.lastTestConnectionAt} never="Not seen yet" /> : '…'}</dd>
          </div>
        </dl>
      </section>

      <section className="card" aria-labelledby="tokens-heading">
        <h2 id="tokens-heading">SCIM tokens</h2>
        <p className="muted">
          Entra signs its requests with one of these. Tokens are stored hashed: a token is shown only once, when it is
          generated.
        </p>
        {message && <Notice kind="success">{message}</Notice>}
        {generated && (
          <div className="new-token" aria-live="polite">
            <h3>Your new token</h3>
            <div className="field-row">
              <code className="value token-value" data-testid="new-token">
                {generated.token}
              </code>
              <CopyButton value={generated.token} className="primary small" />
            </div>
            <Notice kind="warning">
              Copy this token now and paste it into Entra as the Secret Token. It will not be shown again.
              {generated.othersExpireAt &&
                ` Your other tokens keep working until ${formatDateTime(generated.othersExpireAt)}, so provisioning does not stop while you update Entra.`}
              {generated.othersRevoked > 0 &&
                ` ${generated.othersRevoked === 1 ? 'The other token was' : `All ${generated.othersRevoked} other tokens were`} revoked.`}
            </Notice>
          </div>
        )}
        {info && info.tokens.length === 0 && <p>This tenant has no working token. Generate one to connect Entra.</p>}
        {info && info.tokens.length > 0 && (
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {info.tokens.map((token) => (
                <tr key={token.id}>
                  <td>{formatDateTime(token.createdAt)}</td>
                  <td>
                    <When iso={token.lastUsedAt} never="Never" />
                  </td>
                  <td>
                    {token.expiresAt ? (
                      <span className="badge badge-warning" title={formatDateTime(token.expiresAt)}>
                        Replaced · stops {formatRelative(token.expiresAt)}
                      </span>
                    ) : (
                      <span className="badge badge-success">Active</span>
                    )}
                    {generated?.info.id === token.id && <span className="badge">New</span>}
                  </td>
                  <td className="actions">
                    <button type="button" className="danger small" onClick={() => void revoke(token.id)}>
                      Revoke
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <div className="toolbar">
          <label className="checkbox">
            <input type="checkbox" checked={revokeOthers} onChange={(e) => setRevokeOthers(e.target.checked)} />
            Revoke all other tokens
          </label>
          <button type="button" className="primary" disabled={busy} onClick={() => void generate()}>
            Generate token
          </button>
        </div>
        <p className="muted small">
          {revokeOthers
            ? 'Every other token stops working within 5 seconds: Entra fails until you paste the new token.'
            : 'Other tokens keep working for 24 hours, so there is time to paste the new token into Entra.'}
        </p>
      </section>
    </>
  );
}
