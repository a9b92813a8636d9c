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
  /** A statement the database refused for a reason a retry cannot cure: this service's fault. */
  Internal: 'INTERNAL',
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

/**
 * SQLSTATE classes of errors a retry cannot cure: the data (22 data exception, 23 integrity
 * constraint, 54 program limit, e.g. an index row too large) or the statement itself (42 syntax
 * or access rule, 0A feature not supported, 21 cardinality, 2B/2F/38/39/3F routine faults, 44).
 * Everything else (08 connection, 40 rollback, 53 resources, 55 lock, 57 operator intervention
 * or timeout, 58 system, XX internal, and errors without a SQLSTATE) may pass and is retried.
 */
const PERMANENT_SQLSTATE_CLASSES = new Set(['22', '23', '54', '42', '0A', '21', '2B', '2F', '38', '39', '3F', '44']);

/** The SQLSTATE of a Postgres error (bare or wrapped by TypeORM), if it is one. */
export function sqlStateOf(error: unknown): string | undefined {
  const driverError = (error as { driverError?: unknown })?.driverError ?? error;
  const { code } = (driverError ?? {}) as { code?: unknown };
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/**
 * The answer for a Postgres error that a retry cannot cure; undefined for any other error. Data
 * the database refuses is the request's fault (400, or 409 for a unique violation); a statement
 * Postgres refuses is this service's fault (500), reported as such instead of "try again".
 */
export function answerForPermanentDatabaseError(error: unknown): ErrorAnswer | undefined {
  const sqlState = sqlStateOf(error);
  if (sqlState === undefined || !PERMANENT_SQLSTATE_CLASSES.has(sqlState.slice(0, 2))) return undefined;
  const message = String((error as { message?: unknown }).message ?? '').slice(0, 300);
  const reason = FailureReason.InvalidRequest;
  switch (sqlState.slice(0, 2)) {
    case '22':
    case '54':
      return {
        status: 400,
        scimType: 'invalidValue',
        reason,
        detail: `The directory cannot store a value of this request (${message}); correct the value and send the request again.`,
      };
    case '23':
      return sqlState === POSTGRES_UNIQUE_VIOLATION
        ? {
            status: 409,
            scimType: 'uniqueness',
            reason,
            detail: `The request conflicts with an existing resource (${message}).`,
          }
        : {
            status: 400,
            scimType: 'invalidValue',
            reason,
            detail: `The request breaks a rule of the directory (${message}).`,
          };
    default:
      return {
        status: 500,
        reason: FailureReason.Internal,
        detail: `The directory could not run this request (SQLSTATE ${sqlState}: ${message}); it was not applied and retrying will not help. Report it to the operator of the service.`,
      };
  }
}

/** The SCIM answer for a refusal (a rule said no, or the request was invalid); undefined for anything else. */
export function answerForRefusal(error: unknown): ErrorAnswer | undefined {
  if (error instanceof DirectoryError) {
    return {
      ...STATUS_BY_CODE[error.code],
      detail: error.detail,
      reason: error.code,
      ...(error.context ? { context: error.context } : {}),
    };
  }
  if (error instanceof ScimError)
    return {
      status: error.status,
      scimType: error.scimType,
      detail: error.detail,
      reason: FailureReason.InvalidRequest,
    };
  return undefined;
}

export function assertNever(value: never): never {
  throw new Error(`Unhandled directory job: ${JSON.stringify(value)}`);
}
