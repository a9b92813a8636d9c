import { permanentDatabaseRefusal, refusalOf } from '@scim/directory';
import { FailureReason, RETRY_AFTER_SECONDS, assertNeverReason } from '@scim/queue';
import { ScimError, type ScimType } from '@scim/scim';

/**
 * The one mapping from the directory's failure reasons to HTTP (RFC 7644 §3.12): the exception
 * filter, Bulk and write results all answer through it. A new reason without a case here does
 * not compile.
 */
export function scimStatusFor(reason: FailureReason): { status: number; scimType?: ScimType } {
  switch (reason) {
    case FailureReason.UserNameTaken:
    case FailureReason.DisplayNameTaken:
    case FailureReason.Conflict:
      return { status: 409, scimType: 'uniqueness' };
    case FailureReason.WorkEmailRejected:
    case FailureReason.InvalidSetting:
    case FailureReason.InvalidMembers:
    case FailureReason.InvalidValue:
      return { status: 400, scimType: 'invalidValue' };
    case FailureReason.InvalidPath:
      return { status: 400, scimType: 'invalidPath' };
    case FailureReason.NoTarget:
      return { status: 400, scimType: 'noTarget' };
    case FailureReason.InvalidSyntax:
      return { status: 400, scimType: 'invalidSyntax' };
    case FailureReason.Mutability:
      return { status: 400, scimType: 'mutability' };
    case FailureReason.InvalidRequest:
      return { status: 400 };
    case FailureReason.NotFound:
      return { status: 404 };
    case FailureReason.VersionMismatch:
      return { status: 412 };
    case FailureReason.Unavailable:
    case FailureReason.TimedOut:
      return { status: 503 };
    case FailureReason.Internal:
      return { status: 500 };
    default:
      return assertNeverReason(reason);
  }
}

/** The SCIM error for a reason; outages and timeouts always tell the client when to retry. */
export function scimErrorFor(reason: FailureReason, detail: string, retryAfterSeconds?: number): ScimError {
  const { status, scimType } = scimStatusFor(reason);
  return new ScimError(
    status,
    detail,
    scimType,
    status === 503 ? (retryAfterSeconds ?? RETRY_AFTER_SECONDS) : retryAfterSeconds,
  );
}

/**
 * The SCIM error for an error whose kind says what it is: a ScimError as it is, a directory
 * refusal (a rule said no), or a Postgres error a retry cannot cure. Undefined for anything else
 * (an outage or a bug), which the caller judges.
 */
export function knownScimError(error: unknown): ScimError | undefined {
  if (error instanceof ScimError) return error;
  const refusal = refusalOf(error) ?? permanentDatabaseRefusal(error);
  return refusal ? scimErrorFor(refusal.reason, refusal.detail) : undefined;
}
