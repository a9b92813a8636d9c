import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import type { Counter } from 'prom-client';
import { DIRECTORY_QUEUE } from '@scim/queue';
import {
  HttpMetrics,
  createMetricsRegistry,
  directoryQueueGauge,
  rateLimitedCounter,
  type Registry,
} from '@scim/telemetry';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { DirectoryClient } from '../queue/directory.client';

/** The gateway's Prometheus families; all absent with METRICS=off. */
@Injectable()
export class GatewayMetrics implements OnApplicationShutdown {
  readonly registry?: Registry;
  readonly http?: HttpMetrics;
  readonly rateLimited?: Counter;
  private readonly queue?: Queue;

  constructor(@Inject(GATEWAY_CONFIG) config: GatewayConfig, directory: DirectoryClient) {
    if (!config.metrics) return;
    this.registry = createMetricsRegistry();
    this.http = new HttpMetrics(this.registry);
    this.rateLimited = rateLimitedCounter(this.registry);
    // Counted at scrape time on the producer connection (it does not queue commands while Redis is down).
    const queue = new Queue(DIRECTORY_QUEUE, { connection: directory.redis, prefix: config.queuePrefix });
    queue.on('error', () => undefined);
    this.queue = queue;
    directoryQueueGauge(this.registry, () => queue.getJobCounts('waiting', 'active', 'delayed', 'failed'));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue?.close().catch(() => undefined);
  }
}
