import type { ActivityItem } from '@scim/admin-api';
import { type ActivityRecord } from '@scim/directory';
import { adviceFor, operationLabel, reasonLabel } from '@scim/notifications';

function describeIgnoredEmail(entry: unknown): string | undefined {
  if (typeof entry !== 'object' || entry === null) return undefined;
  const { type, value, reason } = entry as { type?: unknown; value?: unknown; reason?: unknown };
  const address = typeof value === 'string' && value !== '' ? value : 'an email without an address';
  const kind = typeof type === 'string' && type !== '' ? ` (type ${type})` : '';
  return `${address}${kind} was not saved: ${typeof reason === 'string' ? reason : 'only work email addresses are saved'}.`;
}

/** An attribute a PATCH removed (RFC 7644 §3.5.2.2); for `active`, what that means for the account. */
function describeUnassigned(name: string): string {
  if (name === 'active')
    return 'active was removed: it is now unassigned, and the account stays active, as for a user created without it.';
  return `${name} was removed: it is now unassigned.`;
}

/** An operation's notes (what was accepted with remarks) as sentences, never as raw JSON. */
export function describeNotes(notes: Record<string, unknown> | null): string[] {
  if (!notes) return [];
  const lines: string[] = [];
  for (const [key, value] of Object.entries(notes)) {
    if (key === 'ignoredEmails' && Array.isArray(value)) {
      for (const entry of value) {
        const line = describeIgnoredEmail(entry);
        if (line) lines.push(line);
      }
    } else if (key === 'unassigned' && Array.isArray(value)) {
      for (const name of value) if (typeof name === 'string') lines.push(describeUnassigned(name));
    } else if (key === 'members' && typeof value === 'number') {
      lines.push(`${value} member${value === 1 ? '' : 's'} in this write.`);
    } else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      lines.push(`${key}: ${String(value)}`);
    }
  }
  return lines;
}

/** An operations-log row as the console shows it: labels, and for failures the advice of the failure email. */
export function toActivityItem(record: ActivityRecord): ActivityItem {
  const failed = record.outcome === 'failed';
  const reason = failed ? (record.reason ?? 'INVALID_REQUEST') : null;
  return {
    id: record.id,
    at: record.at,
    operation: operationLabel(record.kind),
    resourceType: record.resourceType,
    resourceId: record.resourceId,
    name: record.resourceName,
    externalId: record.externalId,
    outcome: record.outcome,
    status: record.status,
    reason: reason ? reasonLabel(reason) : null,
    detail: record.detail,
    advice: reason ? adviceFor({ reason, context: record.context, resourceName: record.resourceName }) : null,
    notes: describeNotes(record.notes),
    notification: record.notification,
    notifiedAt: record.notifiedAt,
  };
}
