import type { JsonObject } from '@scim/scim';
import { assertNever } from '../directory-error';
import type { DirectoryJobInput } from '../directory-writer';
import { isResourceId } from '../resource-id';
import { stringOrNull } from '../resources/resource-row';

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
