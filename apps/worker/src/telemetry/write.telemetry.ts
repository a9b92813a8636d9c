import { Inject, Injectable } from '@nestjs/common';
import type { DirectoryJobInput } from '@scim/directory';
import type { WriteResult } from '@scim/queue';
import { APP_LOGGER, type Logger, type WriteOutcome } from '@scim/telemetry';
import { WorkerOps } from './worker-ops.service';

/**
 * One log line and one metric observation per write attempt: operationId, requestId (from the
 * gateway), tenantId, kind, outcome, the status of a success or the reason of a refusal, and ms. Never the document or its values.
 */
@Injectable()
export class WriteTelemetry {
  constructor(
    @Inject(APP_LOGGER) private readonly logger: Logger,
    private readonly ops: WorkerOps,
  ) {}

  /** A queue job taken: how many writes it carries. */
  job(writes: number): void {
    this.ops.writes?.job(writes);
  }

  applied(job: DirectoryJobInput, result: WriteResult, startedAt: number): void {
    const outcome: WriteOutcome = result.ok ? 'succeeded' : 'refused';
    const ms = performance.now() - startedAt;
    this.ops.writes?.record(job.name, outcome, ms / 1000);
    if (!this.logger.isLevelEnabled('info')) return;
    this.logger.info(
      { ...this.fields(job, outcome, ms), ...(result.ok ? { status: result.status } : { reason: result.reason }) },
      'write',
    );
  }

  /** An error (not a refusal): BullMQ retries it unless this was the last attempt. */
  failed(job: DirectoryJobInput, error: unknown, startedAt: number, attempt: number, attempts: number): void {
    const ms = performance.now() - startedAt;
    this.ops.writes?.record(job.name, 'failed', ms / 1000);
    const message = error instanceof Error ? error.message : String(error);
    const level = attempt >= attempts ? 'error' : 'warn';
    this.logger[level](
      { ...this.fields(job, 'failed', ms), attempt, attempts, error: message },
      attempt >= attempts ? 'write failed, no attempts left' : 'write failed, will retry',
    );
  }

  private fields(job: DirectoryJobInput, outcome: WriteOutcome, ms: number) {
    const { operationId, requestId, tenantId } = job.data;
    return { operationId, requestId, tenantId, kind: job.name, outcome, ms: Math.round(ms * 10) / 10 };
  }
}
