import type { JobsOptions, WorkerOptions } from 'bullmq';

/**
 * Write jobs: retried quickly on transient failures (Postgres restarting, a dropped connection),
 * within a budget that ends well before the gateway gives up. Completed jobs are kept for a while
 * (never `removeOnComplete: true`, see DESIGN.md §7); failed jobs are kept for inspection.
 */
export const DIRECTORY_JOB_OPTIONS: JobsOptions = {
  attempts: 4,
  backoff: { type: 'exponential', delay: 150 },
  removeOnComplete: { age: 300, count: 10000 },
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
