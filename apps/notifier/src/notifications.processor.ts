import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Worker, type Job } from 'bullmq';
import { NotificationStore } from '@scim/notifications';
import {
  NOTIFICATIONS_QUEUE,
  NOTIFICATION_JOB_NAMES,
  failedNoticeRecord,
  isPayloadRemoved,
  type NotificationJobData,
  type NotificationJobName,
  createRedisConnection,
} from '@scim/queue';
import { NOTIFIER_CONFIG, type NotifierConfig } from './config/notifier.config';
import { ConsoleMailService } from './console-mail.service';

function assertNever(value: never): never {
  throw new Error(`No handler for notification job ${JSON.stringify(value)}`);
}

/**
 * Consumes `notifications`. A `record-failure` job is a failed write reported by a worker:
 * recording it (if the worker could not) is all there is to do here; the digest scheduler gathers
 * and sends. While Postgres is down the job fails and BullMQ retries it (every 10 s, for a day).
 * The admin console's emails (sign-in links, test emails) are sent straight away.
 */
@Injectable()
export class NotificationsProcessor implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(NotificationsProcessor.name);
  private worker?: Worker;

  constructor(
    @Inject(NOTIFIER_CONFIG) private readonly config: NotifierConfig,
    private readonly store: NotificationStore,
    private readonly consoleMail: ConsoleMailService,
  ) {}

  onModuleInit(): void {
    const handled: Record<NotificationJobName, true> = {
      'record-failure': true,
      'send-sign-in-links': true,
      'send-test-email': true,
    };
    const unhandled = NOTIFICATION_JOB_NAMES.filter((name) => !handled[name]);
    if (unhandled.length > 0) throw new Error(`No handler for notification jobs: ${unhandled.join(', ')}`);
    this.worker = new Worker(NOTIFICATIONS_QUEUE, (job: Job) => this.process(job), {
      connection: createRedisConnection(this.config.redis, 'consumer', { name: 'scim-notifier' }),
      prefix: this.config.queuePrefix,
      concurrency: 4,
    });
    this.worker.on('error', (error) => this.logger.warn(`Queue connection: ${error.message}`));
    this.worker.on('failed', (job, error) => {
      if (job?.name !== 'record-failure') return;
      const final = job.attemptsMade >= (job.opts.attempts ?? 1) || error.name === 'UnrecoverableError';
      if (!final || isPayloadRemoved(job.data)) return;
      this.logger.error(
        `Failure notice ${job.id} could not be recorded after ${job.attemptsMade} attempts: ${error.message}`,
      );
      // The failed set keeps the notice's ids and reason code, not whom it names.
      job
        .updateData(failedNoticeRecord(job.data as NotificationJobData<'record-failure'>))
        .catch((updateError: Error) =>
          this.logger.warn(`Could not strip failed notice ${job.id}: ${updateError.message}`),
        );
    });
  }

  // Before the database pool closes (onApplicationShutdown), so running work can finish.
  async beforeApplicationShutdown(): Promise<void> {
    await this.worker?.close();
    this.consoleMail.close();
  }

  private async process(job: Job): Promise<void> {
    if (isPayloadRemoved(job.data)) return; // a failed notice retried by hand: nothing left to record
    const name = job.name as NotificationJobName;
    switch (name) {
      case 'record-failure':
        await this.store.recordNotice(job.data as NotificationJobData<'record-failure'>);
        return;
      case 'send-sign-in-links':
        await this.consoleMail.sendSignInLinks(job.id!, job.data as NotificationJobData<'send-sign-in-links'>);
        return;
      case 'send-test-email':
        await this.consoleMail.sendTestEmail(job.id!, job.data as NotificationJobData<'send-test-email'>);
        return;
      default:
        assertNever(name);
    }
  }
}
