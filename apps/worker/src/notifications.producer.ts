import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import type { FailureNotifier } from '@scim/directory';
import {
  NOTIFICATIONS_QUEUE,
  NOTIFICATION_JOB_OPTIONS,
  type FailureNotice,
  createRedisConnection,
  type RedisConnection,
} from '@scim/queue';
import { WORKER_CONFIG, type WorkerConfig } from './config/worker.config';

/**
 * Puts failure notices on the `notifications` queue. The job id is the operation id, so a notice
 * reported twice (a redelivered write) is one job.
 */
@Injectable()
export class NotificationsProducer implements FailureNotifier, OnApplicationShutdown {
  private readonly connection: RedisConnection;
  private readonly queue: Queue;

  constructor(@Inject(WORKER_CONFIG) config: WorkerConfig) {
    this.connection = createRedisConnection(config.redis, 'commands', { name: 'scim-worker-notifications' });
    this.queue = new Queue(NOTIFICATIONS_QUEUE, { connection: this.connection, prefix: config.queuePrefix });
    this.queue.on('error', () => undefined);
  }

  async notify(notice: FailureNotice): Promise<void> {
    await this.queue.add('record-failure', notice, { ...NOTIFICATION_JOB_OPTIONS, jobId: notice.operationId });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close().catch(() => undefined);
    this.connection.disconnect();
  }
}
