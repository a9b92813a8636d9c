import type { JobsOptions, WorkerOptions } from 'bullmq';

/**
 * Write jobs: retried quickly on transient failures (Postgres restarting, a dropped connection),
 * within a budget that ends well before the gateway gives up.
 *
 * Their payload holds personal data (names, emails), so it lives in Redis only while it is needed
 * (see job-retention.ts). A completed job is removed at once: its reply has been published, and
 * the gateway answers a lost reply from the operations log in Postgres, never from the job (so the
 * `waitUntilFinished` race of DESIGN.md §7 does not arise: nothing waits on the job itself). A failed
 * job is kept 7 days for inspection with only its ids and the reason: the worker strips the payload.
 */
export const DIRECTORY_JOB_OPTIONS: JobsOptions = {
  attempts: 4,
  backoff: { type: 'exponential', delay: 150 },
  removeOnComplete: true,
  removeOnFail: { age: 7 * 24 * 3600 },
};

/**
 * A killed worker's job is taken over after its lock expires: a short lock keeps that well inside
 * the gateway's WRITE_TIMEOUT_MS, so the client still gets its answer.
 */
export const DIRECTORY_WORKER_OPTIONS: Pick<WorkerOptions, 'lockDuration' | 'stalledInterval' | 'maxStalledCount'> = {
  lockDuration: 5000,
  stalledInterval: 3000,
  maxStalledCount: 2,
};

export function replyChannel(prefix: string, gatewayId: string): string {
  return `${prefix}:directory-replies:${gatewayId}`;
}
