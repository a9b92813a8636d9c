import { Fragment, useCallback, useEffect, useRef, useState } from 'react';
import type { ActivityItem, ActivityPage as Page, ActivitySummary, ResourceFilter } from '@scim/admin-api';
import { api } from '../api';
import { HourlyChart } from '../components/HourlyChart';
import { Notice } from '../components/Notice';
import { usePolling } from '../components/usePolling';
import { formatCount, formatDateTime } from '../format';
import { navigate } from '../router';

const REFRESH_MS = 5000;

function notificationText(item: ActivityItem): string {
  switch (item.notification) {
    case 'pending':
      return 'Will be included in the next failure email (they are gathered for a minute).';
    case 'gathered':
      return 'Included in a failure email that is being sent.';
    case 'sent':
      return `Emailed${item.notifiedAt ? ` ${formatDateTime(item.notifiedAt)}` : ''}.`;
    case 'undeliverable':
      return 'The failure email could not be delivered (see Notifications).';
    default:
      return 'Not emailed: failure emails are off, or no notification email is set.';
  }
}

function Details({ item }: { item: ActivityItem }) {
  return (
    <div className="details">
      {item.outcome === 'failed' ? (
        <>
          {item.advice && (
            <div className="advice">
              <strong>What to do</strong>
              <p>{item.advice}</p>
            </div>
          )}
          <dl className="detail-list">
            <dt>Why it failed</dt>
            <dd>{item.detail ?? item.reason}</dd>
            <dt>Failure email</dt>
            <dd>{notificationText(item)}</dd>
          </dl>
        </>
      ) : (
        item.notes.length > 0 && (
          <ul className="notes">
            {item.notes.map((note) => (
              <li key={note}>{note}</li>
            ))}
          </ul>
        )
      )}
      <dl className="detail-list compact">
        <dt>Answer to Entra</dt>
        <dd>HTTP {item.status}</dd>
        {item.externalId && (
          <>
            <dt>externalId</dt>
            <dd>{item.externalId}</dd>
          </>
        )}
        {item.resourceId && (
          <>
            <dt>{item.resourceType} id</dt>
            <dd>
              <code>{item.resourceId}</code>
            </dd>
          </>
        )}
        <dt>Operation id</dt>
        <dd>
          <code>{item.id}</code>
        </dd>
        <dt>Time</dt>
        <dd>{formatDateTime(item.at, true)}</dd>
      </dl>
    </div>
  );
}

/** The operations log with counts, an hourly chart, filters, paging, and a refresh every few seconds. */
export function ActivityPage({ params }: { params: URLSearchParams }) {
  const digest = params.get('digest') ?? undefined;
  const [failedOnly, setFailedOnly] = useState(params.get('failed') === 'true' || digest !== undefined);
  const [type, setType] = useState<ResourceFilter>('all');
  const [search, setSearch] = useState('');
  const [query, setQuery] = useState('');
  const [cursors, setCursors] = useState<string[]>([]);
  const [page, setPage] = useState<Page>();
  const [summary, setSummary] = useState<ActivitySummary>();
  const [expanded, setExpanded] = useState<Set<string>>(new Set());
  const [error, setError] = useState<string>();
  const [updatedAt, setUpdatedAt] = useState<string>();
  const latest = useRef(0);

  const before = cursors[cursors.length - 1];

  const load = useCallback(
    async (background: boolean) => {
      const request = ++latest.current;
      const search = new URLSearchParams();
      if (failedOnly) search.set('failed', 'true');
      if (type !== 'all') search.set('type', type);
      if (query) search.set('q', query);
      if (digest) search.set('digest', digest);
      if (before) search.set('before', before);
      try {
        const [nextPage, nextSummary] = await Promise.all([
          api<Page>('GET', `/activity?${search.toString()}`, undefined, { background }),
          api<ActivitySummary>('GET', '/activity/summary', undefined, { background }),
        ]);
        if (request !== latest.current) return;
        setPage(nextPage);
        setSummary(nextSummary);
        setError(undefined);
        setUpdatedAt(new Date().toISOString());
      } catch (e) {
        if (request === latest.current) setError((e as Error).message);
      }
    },
    [failedOnly, type, query, digest, before],
  );

  useEffect(() => void load(false), [load]);
  // The newest page follows new writes; an older page stays put while it is read.
  usePolling(() => {
    if (!before) void load(true);
  }, REFRESH_MS);

  useEffect(() => {
    const timer = window.setTimeout(() => {
      setQuery(search.trim());
      setCursors([]);
    }, 300);
    return () => window.clearTimeout(timer);
  }, [search]);

  const toggle = (id: string) =>
    setExpanded((open) => {
      const next = new Set(open);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  return (
    <>
      <h1>Activity</h1>
      <div className="stats">
        {(
          [
            ['Users', summary?.users],
            ['Groups', summary?.groups],
            ['Writes, last 24 h', summary?.writes24h],
            ['Failures, last 24 h', summary?.failures24h],
          ] as const
        ).map(([label, value]) => (
          <div key={label} className={`stat${label.startsWith('Failures') && (value ?? 0) > 0 ? ' stat-bad' : ''}`}>
            <span className="stat-value">{value === undefined ? '…' : formatCount(value)}</span>
            <span className="stat-label">{label}</span>
          </div>
        ))}
      </div>
      <section className="card">
        <h2>Writes and failures per hour</h2>
        {summary ? <HourlyChart hourly={summary.hourly} /> : <p className="muted">Loading…</p>}
      </section>
      <section className="card" aria-labelledby="log-heading">
        <div className="card-head">
          <h2 id="log-heading">Operations log</h2>
          <span className="muted small" aria-live="off">
            {updatedAt ? `Refreshes every ${REFRESH_MS / 1000} s · updated ${formatDateTime(updatedAt, true)}` : ''}
          </span>
        </div>
        {digest && (
          <Notice kind="info">
            Showing the failures of one failure email.{' '}
            <button type="button" className="link" onClick={() => navigate('/admin/activity')}>
              Show all activity
            </button>
          </Notice>
        )}
        <div className="filters">
          <label className="checkbox">
            <input
              type="checkbox"
              checked={failedOnly}
              onChange={(e) => {
                setFailedOnly(e.target.checked);
                setCursors([]);
              }}
            />
            Failures only
          </label>
          <label className="inline">
            Show
            <select
              value={type}
              onChange={(e) => {
                setType(e.target.value as ResourceFilter);
                setCursors([]);
              }}
            >
              <option value="all">Users and groups</option>
              <option value="User">Users</option>
              <option value="Group">Groups</option>
            </select>
          </label>
          <label className="inline grow">
            Search
            <input
              type="search"
              value={search}
              onChange={(e) => setSearch(e.target.value)}
              placeholder="userName, externalId or displayName"
            />
          </label>
        </div>
        {error && <Notice kind="error">{error}</Notice>}
        {page && page.items.length === 0 && (
          <p className="empty">
            {before || failedOnly || query || type !== 'all' || digest
              ? 'Nothing matches these filters.'
              : 'No provisioning writes yet. They appear here as soon as Entra sends them.'}
          </p>
        )}
        {page && page.items.length > 0 && (
          <table className="table activity">
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Operation</th>
                <th scope="col">User or group</th>
                <th scope="col">Outcome</th>
                <th scope="col">
                  <span className="visually-hidden">Details</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((item) => {
                const open = expanded.has(item.id);
                return (
                  <Fragment key={item.id}>
                    <tr
                      className={`row${item.outcome === 'failed' ? ' row-failed' : ''}${open ? ' row-open' : ''}`}
                      onClick={() => toggle(item.id)}
                    >
                      <td className="nowrap">{formatDateTime(item.at, true)}</td>
                      <td className="nowrap">{item.operation}</td>
                      <td className="name">
                        <span>{item.name ?? <span className="muted">(no name)</span>}</span>
                        <span className="muted small"> · {item.resourceType === 'User' ? 'user' : 'group'}</span>
                      </td>
                      <td>
                        {item.outcome === 'failed' ? (
                          <span className="outcome outcome-failed">
                            Failed<span className="muted small"> · {item.reason}</span>
                          </span>
                        ) : (
                          <span className="outcome outcome-ok">Succeeded</span>
                        )}
                      </td>
                      <td className="actions">
                        <button
                          type="button"
                          className="link small"
                          aria-expanded={open}
                          aria-controls={`details-${item.id}`}
                          onClick={(event) => {
                            event.stopPropagation();
                            toggle(item.id);
                          }}
                        >
                          {open ? 'Hide details' : 'Details'}
                        </button>
                      </td>
                    </tr>
                    {open && (
                      <tr id={`details-${item.id}`} className="details-row">
                        <td colSpan={5}>
                          <Details item={item} />
                        </td>
                      </tr>
                    )}
                  </Fragment>
                );
              })}
            </tbody>
          </table>
        )}
        <div className="pager">
          <button
            type="button"
            className="secondary small"
            disabled={cursors.length === 0}
            onClick={() => setCursors([])}
          >
            Newest
          </button>
          <button
            type="button"
            className="secondary small"
            disabled={cursors.length === 0}
            onClick={() => setCursors((c) => c.slice(0, -1))}
          >
            Newer
          </button>
          <button
            type="button"
            className="secondary small"
            disabled={!page?.nextCursor}
            onClick={() => page?.nextCursor && setCursors((c) => [...c, page.nextCursor!])}
          >
            Older
          </button>
        </div>
      </section>
    </>
  );
}
