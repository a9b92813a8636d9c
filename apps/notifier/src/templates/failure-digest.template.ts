import {
  adviceFor,
  operationLabel,
  reasonLabel,
  subjectLabel,
  type DigestFailure,
  type DigestTenant,
  type RenderedEmail,
} from '@scim/notifications';

/** A digest lists at most this many failures, then says how many more there were. */
export const MAX_LISTED_FAILURES = 100;

function utc(date: Date): string {
  return `${date.toISOString().replace('T', ' ').slice(0, 19)} UTC`;
}

function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Reasons with their counts, most frequent first. */
function countsByReason(failures: DigestFailure[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const failure of failures)
    counts.set(reasonLabel(failure.reason), (counts.get(reasonLabel(failure.reason)) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/** The admin console's activity view, filtered to one digest's failures. */
export function digestActivityUrl(publicUrl: string, digestId: string): string {
  return `${publicUrl}/admin/activity?digest=${encodeURIComponent(digestId)}`;
}

/**
 * The failure digest of one tenant: what failed, for whom, why, and what to do, with a link to
 * these failures in the admin console. Pure: the same failures always give the same email.
 */
export function renderFailureDigest(
  tenant: DigestTenant,
  failures: DigestFailure[],
  activityUrl: string,
): RenderedEmail {
  const total = failures.length;
  const listed = failures.slice(0, MAX_LISTED_FAILURES);
  const more = total - listed.length;
  const first = failures[0]?.occurredAt;
  const last = failures[failures.length - 1]?.occurredAt;
  const plural = total === 1 ? 'failure' : 'failures';
  const subject = `[SCIM provisioning] ${total} ${plural} for tenant ${tenant.name}`;
  const period =
    first && last ? (utc(first) === utc(last) ? `at ${utc(first)}` : `between ${utc(first)} and ${utc(last)}`) : '';
  const intro = `${total} provisioning ${total === 1 ? 'write' : 'writes'} for tenant "${tenant.name}" (id ${tenant.id}) failed ${period}. ${total === 1 ? 'Nothing' : 'None of them'} was saved.`;
  const counts = countsByReason(failures);
  const closing =
    'Entra retries failed objects in its next provisioning cycle (about every 40 minutes), so once the cause is fixed nothing else needs to be done.';
  const consoleLine = 'See these failures in the admin console (Activity):';

  const text = [
    intro,
    '',
    `${consoleLine} ${activityUrl}`,
    '',
    'Failures by reason:',
    ...counts.map(([label, count]) => `  ${count} × ${label}`),
    '',
    ...listed.flatMap((failure, index) => [
      `${index + 1}. ${utc(failure.occurredAt)} · ${operationLabel(failure.kind)} · ${subjectLabel(failure)}`,
      `   Reason: ${failure.detail}`,
      `   What to do: ${adviceFor(failure)}`,
      '',
    ]),
    ...(more > 0 ? [`… and ${more} more ${more === 1 ? 'failure' : 'failures'}, not listed here.`, ''] : []),
    closing,
    '',
  ].join('\n');

  const cell = 'style="border:1px solid #ccc;padding:4px 8px;vertical-align:top;text-align:left"';
  const html = [
    '<!doctype html><html><body style="font-family:sans-serif;font-size:14px">',
    `<p>${escapeHtml(intro)}</p>`,
    `<p><a href="${escapeHtml(activityUrl)}">${escapeHtml(consoleLine.replace(/:$/, ''))}</a></p>`,
    '<p><strong>Failures by reason</strong></p><ul>',
    ...counts.map(([label, count]) => `<li>${count} × ${escapeHtml(label)}</li>`),
    '</ul>',
    `<table style="border-collapse:collapse"><thead><tr><th ${cell}>Time</th><th ${cell}>Operation</th><th ${cell}>User or group</th><th ${cell}>Reason</th><th ${cell}>What to do</th></tr></thead><tbody>`,
    ...listed.map(
      (failure) =>
        `<tr><td ${cell}>${escapeHtml(utc(failure.occurredAt))}</td><td ${cell}>${escapeHtml(operationLabel(failure.kind))}</td><td ${cell}>${escapeHtml(subjectLabel(failure))}</td><td ${cell}>${escapeHtml(failure.detail)}</td><td ${cell}>${escapeHtml(adviceFor(failure))}</td></tr>`,
    ),
    '</tbody></table>',
    ...(more > 0 ? [`<p>… and ${more} more ${more === 1 ? 'failure' : 'failures'}, not listed here.</p>`] : []),
    `<p>${escapeHtml(closing)}</p>`,
    '</body></html>',
  ].join('\n');

  return { subject, text, html };
}
