import { createRedisConnection, type RedisConnection } from '@scim/queue';
import type { Server } from 'node:http';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { NotificationStore } from '@scim/notifications';
import {
  NotificationMetrics,
  closeOpsServer,
  createMetricsRegistry,
  runHealthChecks,
  startOpsServer,
  type HealthReport,
  type Registry,
} from '@scim/telemetry';
import { NOTIFIER_CONFIG, type NotifierConfig } from '../config/notifier.config';

/**
 * The notifier's metrics and its METRICS_PORT listener (/metrics, /health/*). Ready when its
 * Postgres and Redis answer; the SMTP server is not probed (a probe would open an SMTP session
 * every few seconds): its trouble shows as digests retried, in the log and in the metrics.
 */
@Injectable()
export class NotifierOps implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly registry?: Registry;
  readonly digests?: NotificationMetrics;
  private readonly redis: RedisConnection;
  private server?: Server;

  constructor(
    @Inject(NOTIFIER_CONFIG) private readonly config: NotifierConfig,
    private readonly dataSource: DataSource,
    store: NotificationStore,
  ) {
    this.redis = createRedisConnection(config.redis, 'commands', { name: 'scim-notifier-ops', lazyConnect: true });
    if (config.metrics) {
      this.registry = createMetricsRegistry();
      this.digests = new NotificationMetrics(this.registry, () => store.pendingFailures());
    }
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.metricsPort === undefined) return;
    this.redis.connect().catch(() => undefined);
    this.server = await startOpsServer(this.config.metricsPort, { registry: this.registry, ready: () => this.ready() });
  }

  async onApplicationShutdown(): Promise<void> {
    await closeOpsServer(this.server);
    this.redis.disconnect();
  }

  ready(): Promise<HealthReport> {
    return runHealthChecks({ postgres: () => this.dataSource.query('SELECT 1'), redis: () => this.redis.ping() });
  }
}
