import { Inject, Injectable, Logger, Module, type DynamicModule, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import IORedis from 'ioredis';
import { NOTIFICATIONS_QUEUE } from '@scim/queue';
import { NOTIFIER_CONFIG, type NotifierConfig } from './config/notifier.config';

/**
 * Holds the notifier's Redis connection. Consuming `notifications` (digests, SMTP delivery) is
 * the failure-notifications issue; until then the notifier starts, checks Redis and stops
 * cleanly, and leaves the queue untouched so that nothing is consumed and lost.
 */
@Injectable()
export class NotifierLifecycle implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Notifier');
  private readonly redis: IORedis;

  constructor(@Inject(NOTIFIER_CONFIG) private readonly config: NotifierConfig) {
    this.redis = new IORedis(config.redisUrl, { maxRetriesPerRequest: null, lazyConnect: true, connectionName: 'scim-notifier' });
    this.redis.on('error', () => undefined);
  }

  async onModuleInit(): Promise<void> {
    await this.redis.connect();
    await this.redis.ping();
    this.logger.log(`Notifier ready (queue "${this.config.queuePrefix}:${NOTIFICATIONS_QUEUE}", SMTP ${new URL(this.config.smtpUrl).host})`);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
    this.logger.log('Notifier stopped');
  }
}

@Module({})
export class NotifierModule {
  static register(config: NotifierConfig): DynamicModule {
    return {
      module: NotifierModule,
      providers: [{ provide: NOTIFIER_CONFIG, useValue: config }, NotifierLifecycle],
    };
  }
}
