import { etag, etagMatches, type JsonObject } from '@scim/scim';
import { DirectoryError } from '../directory-error';
import { FailureReason } from '@scim/queue';
import { isResourceId } from '../repositories/resource-row';
import type { DirectoryJobInput } from './directory-writer';

/**
 * Timestamps are kept to the millisecond, the precision of meta.created/lastModified, so that a
 * filter with a value the server returned (`meta.lastModified gt "…"`) means what it says.
 */
export const MILLISECOND_NOW = "date_trunc('milliseconds', now())";

export function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** Who a write was about, for the operations log and failure notices. */
export interface Subject {
  resourceType: 'User' | 'Group';
  resourceId: string | null;
  name: string | null;
  externalId: string | null;
}

export function documentSubject(
  resourceType: Subject['resourceType'],
  document: JsonObject | undefined,
  id: string | null,
): Subject {
  const nameKey = resourceType === 'User' ? 'userName' : 'displayName';
  return {
    resourceType,
    resourceId: id,
    name: stringOrNull(document?.[nameKey]),
    externalId: stringOrNull(document?.['externalId']),
  };
}

/** Whom a write job is about, from its payload alone (no database read). */
export function jobSubject(job: DirectoryJobInput): Subject {
  const id = (value: string) => (isResourceId(value) ? value : null);
  switch (job.name) {
    case 'create-user':
      return documentSubject('User', job.data.user as JsonObject, null);
    case 'replace-user':
      return documentSubject('User', job.data.user as JsonObject, id(job.data.userId));
    case 'patch-user':
    case 'delete-user':
      return documentSubject('User', undefined, id(job.data.userId));
    case 'create-group':
      return documentSubject('Group', job.data.group as JsonObject, null);
    case 'replace-group':
      return documentSubject('Group', job.data.group as JsonObject, id(job.data.groupId));
    case 'patch-group':
    case 'delete-group':
      return documentSubject('Group', undefined, id(job.data.groupId));
    default:
      return assertNever(job);
  }
}

/** `If-Match` (RFC 7232) against a resource's version: `*`, or one of the listed weak ETags. */
export function assertIfMatch(ifMatch: string | undefined, version: number, what: string): void {
  if (ifMatch === undefined || etagMatches(ifMatch, version)) return;
  throw new DirectoryError(
    FailureReason.VersionMismatch,
    `The ${what} has changed: If-Match ${ifMatch} does not match the current version ${etag(version)}.`,
  );
}

export function assertNever(value: never): never {
  throw new Error(`Unhandled directory job: ${JSON.stringify(value)}`);
}
