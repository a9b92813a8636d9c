import { ScimError, type ScimType } from '@scim/scim';
import { FailureReason, type WriteFailure } from '@scim/queue';

export class DirectoryError extends Error {
  constructor(
    readonly reason: FailureReason,
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

/** A refusal as the directory states it: a reason, a detail and facts; the gateway decides the HTTP answer. */
export type Refusal = Omit<WriteFailure, 'ok' | 'retryAfterSeconds'>;

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

/** Postgres ended this transaction to break a deadlock (40P01): running it again succeeds. */
export function isDeadlock(error: unknown): boolean {
  return sqlStateOf(error) === '40P01';
}

/**
 * The refusal for a Postgres error that a retry cannot cure; undefined for any other error. Data
 * the database refuses is the request's fault (an invalid value, or a conflict for a unique
 * violation); a statement Postgres refuses is this service's fault, reported as such instead of
 * "try again".
 */
export function permanentDatabaseRefusal(error: unknown): Refusal | undefined {
  const sqlState = sqlStateOf(error);
  if (sqlState === undefined || !PERMANENT_SQLSTATE_CLASSES.has(sqlState.slice(0, 2))) return undefined;
  const message = String((error as { message?: unknown }).message ?? '').slice(0, 300);
  switch (sqlState.slice(0, 2)) {
    case '22':
    case '54':
      return {
        reason: FailureReason.InvalidValue,
        detail: `The directory cannot store a value of this request (${message}); correct the value and send the request again.`,
      };
    case '23':
      return sqlState === POSTGRES_UNIQUE_VIOLATION
        ? { reason: FailureReason.Conflict, detail: `The request conflicts with an existing resource (${message}).` }
        : { reason: FailureReason.InvalidValue, detail: `The request breaks a rule of the directory (${message}).` };
    default:
      return {
        reason: FailureReason.Internal,
        detail: `The directory could not run this request (SQLSTATE ${sqlState}: ${message}); it was not applied and retrying will not help. Report it to the operator of the service.`,
      };
  }
}

/** The reason of a SCIM engine's refusal (a PATCH that cannot apply, say), from its scimType and status. */
export function reasonOfScimError(error: ScimError): FailureReason {
  const byType: Partial<Record<ScimType, FailureReason>> = {
    invalidValue: FailureReason.InvalidValue,
    invalidPath: FailureReason.InvalidPath,
    noTarget: FailureReason.NoTarget,
    invalidSyntax: FailureReason.InvalidSyntax,
    mutability: FailureReason.Mutability,
    uniqueness: FailureReason.Conflict,
  };
  const typed = error.scimType ? byType[error.scimType] : undefined;
  if (typed) return typed;
  if (error.status === 404) return FailureReason.NotFound;
  if (error.status === 412) return FailureReason.VersionMismatch;
  if (error.status === 409) return FailureReason.Conflict;
  if (error.status === 503) return FailureReason.Unavailable;
  return FailureReason.InvalidRequest;
}

/** The refusal for an error a rule or the request caused; undefined for anything else. */
export function refusalOf(error: unknown): Refusal | undefined {
  if (error instanceof DirectoryError) {
    return { reason: error.reason, detail: error.detail, ...(error.context ? { context: error.context } : {}) };
  }
  if (error instanceof ScimError) return { reason: reasonOfScimError(error), detail: error.detail };
  return undefined;
}

export function assertNever(value: never): never {
  throw new Error(`Unhandled directory job: ${JSON.stringify(value)}`);
}
