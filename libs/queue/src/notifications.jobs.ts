import type { JobsOptions } from 'bullmq';

/**
 * The contract of the `notifications` queue: the worker reports each failed write of a tenant that
 * wants failure emails. The failure is normally already in the operations log (marked pending),
 * which the notifier gathers from; the job carries everything needed to record it when the
 * worker could not (Postgres was down: the retries ran out).
 */
export interface FailureNotice {
  tenantId: string;
  operationId: string;
  /** The job name of the failed write: create-user, patch-group, … */
  kind: string;
  resourceType: 'User' | 'Group';
  resourceId: string | null;
  /** userName or displayName. */
  resourceName: string | null;
  externalId: string | null;
  status: number;
  scimType: string | null;
  detail: string;
  /** Why, as a code (DirectoryErrorCode, or INVALID_REQUEST, UNAVAILABLE, TIMED_OUT). */
  reason: string;
  /** Facts the email's advice uses, e.g. `{ domain: "example.org" }`. */
  context: Record<string, unknown> | null;
  occurredAt: string;
}

export type NotificationJob = { name: 'record-failure'; data: FailureNotice; result: void };
export type NotificationJobName = NotificationJob['name'];
export const NOTIFICATION_JOB_NAMES: readonly NotificationJobName[] = ['record-failure'];

/**
 * Recording a failure needs Postgres; while it is down the job waits and retries every 10 s for
 * a day, so nothing is lost to an outage of the database. The notice names a user or group, so
 * once it is recorded in Postgres the job is removed (recording is idempotent by operation id);
 * a job that failed for a day keeps only its ids and reason code (see job-retention.ts).
 */
export const NOTIFICATION_JOB_OPTIONS: JobsOptions = {
  attempts: 8640,
  backoff: { type: 'fixed', delay: 10000 },
  removeOnComplete: true,
  removeOnFail: { age: 7 * 24 * 3600 },
};
