import type { DigestFailure } from './notification.store';

/** A short label per failure reason, used for the counts at the top of a digest. */
export function reasonLabel(reason: string): string {
  switch (reason) {
    case 'WORK_EMAIL_REJECTED':
      return 'work email on a domain that is not allowed';
    case 'USER_NAME_TAKEN':
      return 'userName already taken';
    case 'DISPLAY_NAME_TAKEN':
      return 'group name already taken';
    case 'INVALID_MEMBERS':
      return 'members that are not provisioned';
    case 'VERSION_MISMATCH':
      return 'changed by another request at the same time';
    case 'UNAVAILABLE':
      return 'service unavailable';
    case 'TIMED_OUT':
      return 'timed out';
    case 'INTERNAL':
      return 'internal error of the service';
    default:
      return 'value not accepted';
  }
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The facts the advice needs: the same for a digest's failure and an activity row. */
export type AdvisedFailure = Pick<DigestFailure, 'reason' | 'context' | 'resourceName'>;

/**
 * What the tenant's admin can do about one failure, in plain words. The failure email and the
 * admin console's activity view show this same text, and it names console actions (the admin of
 * a tenant has no shell on our servers).
 */
export function adviceFor(failure: AdvisedFailure): string {
  const context = failure.context ?? {};
  switch (failure.reason) {
    case 'WORK_EMAIL_REJECTED': {
      const domain = text(context['domain']);
      if (!domain) return "Correct the user's mail attribute in Entra: it is not a valid email address.";
      return `Add ${domain} under Work domains in the admin console, or correct the user's mail attribute in Entra.`;
    }
    case 'USER_NAME_TAKEN': {
      const userName = text(context['userName']) ?? failure.resourceName ?? 'this userName';
      return `Another user of this tenant already has the userName "${userName}" (compared without regard to case). In Entra, make sure no two users map to the same userName (userPrincipalName by default); if it is the same person, Entra matches the existing user in its next cycle.`;
    }
    case 'DISPLAY_NAME_TAKEN': {
      const displayName = text(context['displayName']) ?? failure.resourceName ?? 'this name';
      return `Another group of this tenant is already called "${displayName}" (compared without regard to case). Rename one of the two groups in Entra.`;
    }
    case 'INVALID_MEMBERS': {
      const ids = Array.isArray(context['ids']) ? (context['ids'] as unknown[]).map(String) : [];
      const listed = ids.length > 0 ? ` (${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', …' : ''})` : '';
      return `Assign the missing members${listed} to the application in Entra so that they are provisioned before the group; Entra retries the membership in its next cycle.`;
    }
    case 'VERSION_MISMATCH':
      return 'The object changed while this write was being applied. Entra retries it in its next cycle; nothing to do unless this repeats.';
    case 'UNAVAILABLE':
      return 'The service could not reach its database, so nothing was saved. Entra retries in its next cycle; if this repeats, contact the operator of the provisioning service.';
    case 'TIMED_OUT':
      return 'The service was too busy to apply the write in time, so nothing was saved. Entra retries in its next cycle.';
    case 'INTERNAL':
      return 'Nothing was saved. This is a fault of the provisioning service, not of the data sent: report it to the operator of the service.';
    default:
      return 'Check the attribute mapping in Entra for the attribute named in the reason: the value sent was not accepted.';
  }
}

/** "create user", "patch group", … */
export function operationLabel(kind: string): string {
  const [verb, noun] = kind.split('-');
  const verbs: Record<string, string> = { create: 'create', replace: 'replace', patch: 'update', delete: 'delete' };
  return `${verbs[verb ?? ''] ?? verb} ${noun ?? ''}`.trim();
}

/** The user or group a failure is about: its name, externalId and id, as far as known. */
export function subjectLabel(
  failure: Pick<DigestFailure, 'resourceName' | 'resourceType' | 'externalId' | 'resourceId'>,
): string {
  const parts = [failure.resourceName ?? `(${failure.resourceType.toLowerCase()} without a name)`];
  if (failure.externalId) parts.push(`externalId ${failure.externalId}`);
  if (failure.resourceId) parts.push(`id ${failure.resourceId}`);
  return `${failure.resourceType} ${parts[0]}${parts.length > 1 ? ` (${parts.slice(1).join(', ')})` : ''}`;
}
