import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import {
  NOTIFICATIONS_QUEUE,
  SIGN_IN_LINKS_JOB_OPTIONS,
  TEST_EMAIL_JOB_OPTIONS,
  type NotificationJobData,
  type NotificationJobName,
  type SignInLinksMail,
  type TestEmailRequest,
  createRedisConnection,
  type RedisConnection,
} from '@scim/queue';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';

export interface QueuedTestEmail {
  state: 'queued' | 'sent' | 'failed';
  error: string | null;
  data: TestEmailRequest;
}

/**
 * The console's emails go through the notifier (which holds the SMTP settings): the gateway puts
 * a job on the `notifications` queue. The same Redis connection backs the sign-in rate limits.
 */
@Injectable()
export class ConsoleMailClient implements OnApplicationShutdown {
  readonly redis: RedisConnection;
  private readonly queue: Queue;

  constructor(@Inject(GATEWAY_CONFIG) config: GatewayConfig) {
    // With Redis down a request fails at once instead of hanging.
    this.redis = createRedisConnection(config.redis, 'commands', { name: 'scim-gateway-console' });
    this.queue = new Queue(NOTIFICATIONS_QUEUE, { connection: this.redis, prefix: config.queuePrefix });
    this.queue.on('error', () => undefined);
  }

  async sendSignInLinks(mail: SignInLinksMail): Promise<void> {
    await this.add('send-sign-in-links', mail, SIGN_IN_LINKS_JOB_OPTIONS);
  }

  /** Returns the job id, by which the console asks how the send went. */
  async sendTestEmail(request: TestEmailRequest): Promise<string> {
    return this.add('send-test-email', request, TEST_EMAIL_JOB_OPTIONS);
  }

  async testEmail(id: string): Promise<QueuedTestEmail | undefined> {
    const job = await this.queue.getJob(id);
    if (!job || job.name !== 'send-test-email') return undefined;
    const state = await job.getState();
    return {
      state: state === 'completed' ? 'sent' : state === 'failed' ? 'failed' : 'queued',
      error: state === 'failed' ? job.failedReason || 'the SMTP server refused the message' : null,
      data: job.data as TestEmailRequest,
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close().catch(() => undefined);
    this.redis.disconnect();
  }

  private async add<N extends NotificationJobName>(
    name: N,
    data: NotificationJobData<N>,
    options: object,
  ): Promise<string> {
    const jobId = randomUUID();
    await this.queue.add(name, data, { ...options, jobId });
    return jobId;
  }
}
