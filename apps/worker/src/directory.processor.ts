import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { DirectoryWriter, permanentDatabaseRefusal, type DirectoryJobInput } from '@scim/directory';
import {
  DIRECTORY_QUEUE,
  DIRECTORY_WORKER_OPTIONS,
  InvalidDirectoryJob,
  WRITE_BATCH_JOB,
  directoryWritesOf,
  FailureReason,
  RETRY_AFTER_SECONDS,
  failedWriteRecord,
  isPayloadRemoved,
  storedOutcome,
  type DirectoryQueueData,
  type DirectoryQueueName,
  type DirectoryQueueResult,
  type WriteReply,
  type WriteReplyMessage,
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
  private worker?: Worker<DirectoryQueueData, DirectoryQueueResult, DirectoryQueueName>;
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
    this.workerConnection = createRedisConnection(this.config.redis, 'consumer', { name: 'scim-worker' });
    this.worker = new Worker(DIRECTORY_QUEUE, (job) => this.process(job), {
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

  /**
   * Returns only StoredOutcomes: BullMQ keeps the return value and copies it into its event stream.
   * A job is one write, or a batch of writes (WRITE_BATCH_JOB) applied in one transaction.
   */
  private async process(
    job: Job<DirectoryQueueData, DirectoryQueueResult, DirectoryQueueName>,
  ): Promise<DirectoryQueueResult> {
    if (isPayloadRemoved(job.data))
      throw new UnrecoverableError('The job failed before and its payload was removed; it cannot run again.');
    let writes: DirectoryJobInput[];
    try {
      writes = directoryWritesOf(job);
    } catch (error) {
      if (error instanceof InvalidDirectoryJob) throw new UnrecoverableError(error.message);
      throw error;
    }
    const startedAt = performance.now();
    this.telemetry.job(writes.length);
    let results: WriteResult[];
    try {
      results = await this.writer.applyBatch(writes, {
        firstDelivery: job.attemptsMade === 0 && job.stalledCounter === 0,
      });
    } catch (error) {
      const permanent = permanentDatabaseRefusal(error);
      if (permanent) {
        // The writer could not even record the refusal, and a retry would fail the same way: answer now.
        this.logger.error(`Write ${job.id} (${job.name}) refused by the database: ${(error as Error).message}`);
        const { detail } = permanent;
        const answer: WriteResult = { ok: false, ...permanent };
        for (const write of writes) this.telemetry.applied(write, answer, startedAt);
        await this.reply(writes.map((write) => [write, answer]));
        throw new UnrecoverableError(detail);
      }
      const attempts = job.attemptsMade + 1;
      const lastAttempt = attempts >= (job.opts.attempts ?? 1);
      for (const write of writes) this.telemetry.failed(write, error, startedAt, attempts, job.opts.attempts ?? 1);
      if (lastAttempt) {
        for (const write of writes) {
          // Nothing could be recorded (the database is the likely cause): the notifier records it.
          await this.notifications.notify(this.writer.exhaustedNotice(write, attempts)).catch((notifyError: Error) => {
            this.logger.error(`Could not report the failure of ${write.data.operationId}: ${notifyError.message}`);
          });
        }
        await this.reply(
          writes.map((write) => [
            write,
            {
              ok: false,
              reason: FailureReason.Unavailable,
              detail: 'The directory is temporarily unavailable and the write was not applied. Retry the request.',
              retryAfterSeconds: RETRY_AFTER_SECONDS,
            },
          ]),
        );
      }
      throw error;
    }
    writes.forEach((write, i) => this.telemetry.applied(write, results[i]!, startedAt));
    await this.reply(writes.map((write, i) => [write, results[i]!]));
    return job.name === WRITE_BATCH_JOB ? results.map(storedOutcome) : storedOutcome(results[0]!);
  }

  /**
   * Every write's result on its gateway's channel: one message per gateway (a batch's writes
   * mostly come from one), all in one round trip.
   */
  private async reply(answers: [DirectoryJobInput, WriteResult][]): Promise<void> {
    const byChannel = new Map<string, WriteReply[]>();
    for (const [write, result] of answers) {
      const replies = byChannel.get(write.data.replyTo) ?? [];
      replies.push({ operationId: write.data.operationId, result });
      byChannel.set(write.data.replyTo, replies);
    }
    const pipeline = this.publisher.pipeline();
    for (const [channel, replies] of byChannel) {
      const message: WriteReplyMessage = replies.length === 1 ? replies[0]! : replies;
      pipeline.publish(channel, JSON.stringify(message));
    }
    const outcomes = (await pipeline.exec().catch((error: Error) => [...byChannel].map(() => [error, null]))) ?? [];
    const channels = [...byChannel.values()];
    outcomes.forEach(([error], i) => {
      // The gateway answers from the operations log when no reply arrives.
      if (error) {
        const ids = channels[i]!.map((reply) => reply.operationId).join(', ');
        this.logger.warn(`Could not publish the result of ${ids}: ${error.message}`);
      }
    });
  }
}
