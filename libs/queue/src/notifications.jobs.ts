import type { JobsOptions } from 'bullmq';
import type { FailureReason } from './failure-reason';

/**
 * The contract of the `notifications` queue: the worker reports each failed write of a tenant that
 * wants failure emails. The failure is normally already in the operations log (marked pending),
 * which the notifier gathers from; the job carries everything needed to record it when the
 * worker could not (Postgres was down: the retries ran out).
 */
export interface FailureNotice {
  tenantId: string;
  operationId: string;
  /** The id of the HTTP request that made the write, when known. */
  requestId?: string;
  /** The job name of the failed write: create-user, patch-group, … */
  kind: string;
  resourceType: 'User' | 'Group';
  resourceId: string | null;
  /** userName or displayName. */
  resourceName: string | null;
  externalId: string | null;
  detail: string;
  reason: FailureReason;
  /** Facts the email's advice uses, e.g. `{ domain: "example.org" }`. */
  context: Record<string, unknown> | null;
  occurredAt: string;
}

/**
 * An admin asked for console sign-in links on the sign-in page: one email to that address with a
 * link per tenant it administers. The links are secrets: the job is removed as soon as it ends.
 */
export interface SignInLinksMail {
  to: string;
  links: { tenantName: string; url: string; expiresAt: string }[];
}

/** The console's "Send test email": a real email to the tenant's notification address. */
export interface TestEmailRequest {
  tenantId: string;
  tenantName: string;
  to: string;
  /** Who pressed the button (an admin address, or null for a link from the operator). */
  requestedBy: string | null;
  requestedAt: string;
  consoleUrl: string;
}

export type NotificationJob =
  | { name: 'record-failure'; data: FailureNotice; result: void }
  | { name: 'send-sign-in-links'; data: SignInLinksMail; result: void }
  | { name: 'send-test-email'; data: TestEmailRequest; result: void };
export type NotificationJobName = NotificationJob['name'];
export type NotificationJobData<N extends NotificationJobName> = Extract<NotificationJob, { name: N }>['data'];
export const NOTIFICATION_JOB_NAMES: readonly NotificationJobName[] = [
  'record-failure',
  'send-sign-in-links',
  'send-test-email',
];

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

/** A sign-in email is worth a few quick retries; its links expire anyway, so nothing is kept. */
export const SIGN_IN_LINKS_JOB_OPTIONS: JobsOptions = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 2000 },
  removeOnComplete: true,
  removeOnFail: true,
};

/**
 * A test email is tried once, so that the console shows the SMTP server's answer; its state is
 * kept an hour for the console to read.
 */
export const TEST_EMAIL_JOB_OPTIONS: JobsOptions = {
  attempts: 1,
  removeOnComplete: { age: 3600 },
  removeOnFail: { age: 3600 },
};
