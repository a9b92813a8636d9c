import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { DirectoryWriter, permanentDatabaseRefusal, type DirectoryJobInput } from '@scim/directory';
import {
  DIRECTORY_JOB_NAMES,
  DIRECTORY_QUEUE,
  DIRECTORY_WORKER_OPTIONS,
  FailureReason,
  RETRY_AFTER_SECONDS,
  failedWriteRecord,
  isDirectoryJobName,
  isPayloadRemoved,
  storedOutcome,
  type StoredOutcome,
  type WriteReply,
  type WriteResult,
  createRedisConnection,
  type RedisConnection,
} from '@scim/queue';
import { WORKER_CONFIG, type WorkerConfig } from './config/worker.config';
import { NotificationsProducer } from './notifications.producer';
import { WriteTelemetry } from './telemetry/write.telemetry';

/**
 * Consumes the `directory` queue: applies each write with DirectoryWriter and publishes the
 * result on the channel the waiting gateway listens to. Refusals are results; other errors are
 * retried by BullMQ with backoff, and the last failed attempt answers 503 so the client is not
 * left waiting.
 */
@Injectable()
export class DirectoryProcessor implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(DirectoryProcessor.name);
  private worker?: Worker;
  /** BullMQ does not close a connection it was given: closed here after the worker (found by the app tests). */
  private workerConnection?: RedisConnection;
  private readonly publisher: RedisConnection;

  constructor(
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    private readonly writer: DirectoryWriter,
    private readonly notifications: NotificationsProducer,
    private readonly telemetry: WriteTelemetry,
  ) {
    this.publisher = createRedisConnection(config.redis, 'publisher', { name: 'scim-worker-replies' });
  }

  onModuleInit(): void {
    const unhandled = DIRECTORY_JOB_NAMES.filter((name) => !DirectoryWriter.HANDLED_JOBS[name]);
    if (unhandled.length > 0) throw new Error(`No handler for directory jobs: ${unhandled.join(', ')}`);
    this.workerConnection = createRedisConnection(this.config.redis, 'consumer', { name: 'scim-worker' });
    this.worker = new Worker(DIRECTORY_QUEUE, (job: Job) => this.process(job), {
      connection: this.workerConnection,
      prefix: this.config.queuePrefix,
      concurrency: this.config.concurrency,
      ...DIRECTORY_WORKER_OPTIONS,
    });
    this.worker.on('error', (error) => this.logger.warn(`Queue connection: ${error.message}`));
    this.worker.on('failed', (job, error) => {
      const final = !job || job.attemptsMade >= (job.opts.attempts ?? 1) || error.name === UnrecoverableError.name;
      if (!final) return;
      this.logger.error(`Write ${job?.id} (${job?.name}) failed after ${job?.attemptsMade} attempts: ${error.message}`);
      // In the failed set for days: keep the ids and the reason, not the names and emails.
      if (job && !isPayloadRemoved(job.data)) {
        job
          .updateData(failedWriteRecord(job.data))
          .catch((updateError: Error) =>
            this.logger.warn(`Could not strip the payload of failed write ${job.id}: ${updateError.message}`),
          );
      }
    });
  }

  // Before the database pool closes (onApplicationShutdown), so running work can finish.
  async beforeApplicationShutdown(): Promise<void> {
    // Lets running jobs finish; jobs not yet started stay in the queue for another worker.
    await this.worker?.close();
    this.workerConnection?.disconnect();
    this.publisher.disconnect();
  }

  /** Returns only a StoredOutcome: BullMQ keeps the return value and copies it into its event stream. */
  private async process(job: Job): Promise<StoredOutcome> {
    if (!isDirectoryJobName(job.name)) {
      throw new Error(`No handler for job "${job.name}"`);
    }
    if (isPayloadRemoved(job.data))
      throw new UnrecoverableError('The job failed before and its payload was removed; it cannot run again.');
    const typed = { name: job.name, data: job.data } as DirectoryJobInput;
    const startedAt = performance.now();
    let result: WriteResult;
    try {
      result = await this.writer.apply(typed);
    } catch (error) {
      const permanent = permanentDatabaseRefusal(error);
      if (permanent) {
        // The writer could not even record the refusal, and a retry would fail the same way: answer now.
        this.logger.error(`Write ${job.id} (${job.name}) refused by the database: ${(error as Error).message}`);
        const { detail } = permanent;
        this.telemetry.applied(typed, { ok: false, ...permanent }, startedAt);
        await this.reply(typed.data.replyTo, typed.data.operationId, { ok: false, ...permanent });
        throw new UnrecoverableError(detail);
      }
      const attempts = job.attemptsMade + 1;
      const lastAttempt = attempts >= (job.opts.attempts ?? 1);
      this.telemetry.failed(typed, error, startedAt, attempts, job.opts.attempts ?? 1);
      if (lastAttempt) {
        // Nothing could be recorded (the database is the likely cause): the notifier records it.
        await this.notifications.notify(this.writer.exhaustedNotice(typed, attempts)).catch((notifyError: Error) => {
          this.logger.error(`Could not report the failure of ${typed.data.operationId}: ${notifyError.message}`);
        });
        await this.reply(typed.data.replyTo, typed.data.operationId, {
          ok: false,
          reason: FailureReason.Unavailable,
          detail: 'The directory is temporarily unavailable and the write was not applied. Retry the request.',
          retryAfterSeconds: RETRY_AFTER_SECONDS,
        });
      }
      throw error;
    }
    this.telemetry.applied(typed, result, startedAt);
    await this.reply(typed.data.replyTo, typed.data.operationId, result);
    return storedOutcome(result);
  }

  private async reply(channel: string, operationId: string, result: WriteResult): Promise<void> {
    const reply: WriteReply = { operationId, result };
    await this.publisher.publish(channel, JSON.stringify(reply)).catch((error: Error) => {
      // The gateway answers from the operations log when no reply arrives.
      this.logger.warn(`Could not publish the result of ${operationId}: ${error.message}`);
    });
  }
}
