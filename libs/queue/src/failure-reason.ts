/**
 * Why a write failed, in the directory's terms: what write results, failure notices and the
 * operations log carry. HTTP is the gateway's business (apps/gateway/src/scim-errors.ts maps each
 * reason to a status and scimType); the notifier's advice switches over every reason. The values
 * are stored in `operations.reason`: never change one, only add.
 */
export enum FailureReason {
  UserNameTaken = 'USER_NAME_TAKEN',
  WorkEmailRejected = 'WORK_EMAIL_REJECTED',
  NotFound = 'NOT_FOUND',
  VersionMismatch = 'VERSION_MISMATCH',
  InvalidSetting = 'INVALID_SETTING',
  DisplayNameTaken = 'DISPLAY_NAME_TAKEN',
  InvalidMembers = 'INVALID_MEMBERS',
  /** The request itself was refused, with no more specific reason (e.g. a SCIM 400 without a scimType). */
  InvalidRequest = 'INVALID_REQUEST',
  /** A value the directory cannot take: a bad type, too long, not storable. */
  InvalidValue = 'INVALID_VALUE',
  /** A PATCH path that does not parse or names no attribute. */
  InvalidPath = 'INVALID_PATH',
  /** A PATCH path whose filter matched nothing where a match is needed. */
  NoTarget = 'NO_TARGET',
  /** A request whose structure is wrong (not the shape SCIM defines). */
  InvalidSyntax = 'INVALID_SYNTAX',
  /** A change of an attribute that cannot change (e.g. id). */
  Mutability = 'MUTABILITY',
  /** A conflict with an existing resource that no named rule covers (a unique index of the database). */
  Conflict = 'CONFLICT',
  Unavailable = 'UNAVAILABLE',
  TimedOut = 'TIMED_OUT',
  /** A statement the database refused for a reason a retry cannot cure: this service's fault. */
  Internal = 'INTERNAL',
}

/** Every reason, for exhaustive tests. */
export const FAILURE_REASONS: readonly FailureReason[] = Object.values(FailureReason);

export function isFailureReason(value: string): value is FailureReason {
  return (FAILURE_REASONS as readonly string[]).includes(value);
}

/** For `switch` statements that must name every case: a new member without a case does not compile. */
export function assertNeverReason(reason: never): never {
  throw new Error(`Unhandled failure reason: ${String(reason)}`);
}

/** Seconds a client is told to wait (Retry-After) before retrying after an outage or timeout. */
export const RETRY_AFTER_SECONDS = 5;
