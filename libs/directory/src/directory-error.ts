import { ScimError } from '@scim/scim';

/** Why the directory refused a write. The gateway and the worker map these to SCIM errors. */
export enum DirectoryErrorCode {
  UserNameTaken = 'USER_NAME_TAKEN',
  WorkEmailRejected = 'WORK_EMAIL_REJECTED',
  NotFound = 'NOT_FOUND',
  VersionMismatch = 'VERSION_MISMATCH',
  InvalidSetting = 'INVALID_SETTING',
  DisplayNameTaken = 'DISPLAY_NAME_TAKEN',
  InvalidMembers = 'INVALID_MEMBERS',
}

export class DirectoryError extends Error {
  constructor(
    readonly code: DirectoryErrorCode,
    readonly detail: string,
    /** Facts for the failure notice's advice, e.g. `{ domain }` for a rejected work email. */
    readonly context?: Record<string, unknown>,
  ) {
    super(detail);
    this.name = 'DirectoryError';
  }
}

const POSTGRES_UNIQUE_VIOLATION = '23505';
const POSTGRES_FOREIGN_KEY_VIOLATION = '23503';

/** The name of the constraint a Postgres error violated, if its SQLSTATE is `sqlState`. */
function violatedConstraint(error: unknown, sqlState: string): string | undefined {
  const driverError = (error as { driverError?: unknown })?.driverError ?? error;
  const { code, constraint } = (driverError ?? {}) as { code?: string; constraint?: string };
  return code === sqlState ? constraint : undefined;
}

export function violatedUniqueConstraint(error: unknown): string | undefined {
  return violatedConstraint(error, POSTGRES_UNIQUE_VIOLATION);
}

export function violatedForeignKey(error: unknown): string | undefined {
  return violatedConstraint(error, POSTGRES_FOREIGN_KEY_VIOLATION);
}

export interface ErrorAnswer {
  status: number;
  scimType?: string;
  detail: string;
  /** Why, as a code: a DirectoryErrorCode, or INVALID_REQUEST for a request the SCIM layer refused. */
  reason?: string;
  context?: Record<string, unknown>;
}

/** Reasons for failures that are not refusals by a rule. */
export const FailureReason = {
  InvalidRequest: 'INVALID_REQUEST',
  Unavailable: 'UNAVAILABLE',
  TimedOut: 'TIMED_OUT',
} as const;

const STATUS_BY_CODE: Record<DirectoryErrorCode, { status: number; scimType?: string }> = {
  [DirectoryErrorCode.UserNameTaken]: { status: 409, scimType: 'uniqueness' },
  [DirectoryErrorCode.WorkEmailRejected]: { status: 400, scimType: 'invalidValue' },
  [DirectoryErrorCode.NotFound]: { status: 404 },
  [DirectoryErrorCode.VersionMismatch]: { status: 412 },
  [DirectoryErrorCode.InvalidSetting]: { status: 400, scimType: 'invalidValue' },
  [DirectoryErrorCode.DisplayNameTaken]: { status: 409, scimType: 'uniqueness' },
  [DirectoryErrorCode.InvalidMembers]: { status: 400, scimType: 'invalidValue' },
};

/** The SCIM answer for a refusal (a rule said no, or the request was invalid); undefined for anything else. */
export function answerForRefusal(error: unknown): ErrorAnswer | undefined {
  if (error instanceof DirectoryError) {
    return { ...STATUS_BY_CODE[error.code], detail: error.detail, reason: error.code, ...(error.context ? { context: error.context } : {}) };
  }
  if (error instanceof ScimError) return { status: error.status, scimType: error.scimType, detail: error.detail, reason: FailureReason.InvalidRequest };
  return undefined;
}
