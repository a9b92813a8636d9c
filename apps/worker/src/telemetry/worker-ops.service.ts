import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { Server } from 'node:http';
import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import {
  DIRECTORY_QUEUE,
  WORKER_HEARTBEAT_INTERVAL_MS,
  WorkerHeartbeats,
  createRedisConnection,
  type RedisConnection,
} from '@scim/queue';
import {
  WriteMetrics,
  closeOpsServer,
  createMetricsRegistry,
  directoryQueueGauge,
  runHealthChecks,
  startOpsServer,
  type HealthReport,
  type Registry,
} from '@scim/telemetry';
import { WORKER_CONFIG, type WorkerConfig } from '../config/worker.config';

/**
 * The worker's operability: its heartbeat in Redis (the gateway is ready only while a worker beats),
 * its metrics, and the METRICS_PORT listener with /metrics and /health/*. One Redis connection of
 * its own, which does not queue commands while Redis is down.
 */
@Injectable()
export class WorkerOps implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('Worker');
  readonly workerId = `${process.pid}-${randomUUID().slice(0, 8)}`;
  readonly registry?: Registry;
  readonly writes?: WriteMetrics;
  private readonly redis: RedisConnection;
  private readonly heartbeats: WorkerHeartbeats;
  private readonly queue?: Queue;
  private timer?: NodeJS.Timeout;
  private server?: Server;

  constructor(
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    private readonly dataSource: DataSource,
  ) {
    this.redis = createRedisConnection(config.redis, 'commands', { name: 'scim-worker-ops' });
    this.heartbeats = new WorkerHeartbeats(this.redis, config.queuePrefix);
    if (config.metrics) {
      this.registry = createMetricsRegistry();
      this.writes = new WriteMetrics(this.registry);
      const queue = new Queue(DIRECTORY_QUEUE, { connection: this.redis, prefix: config.queuePrefix });
      queue.on('error', () => undefined);
      this.queue = queue;
      directoryQueueGauge(this.registry, () => queue.getJobCounts('waiting', 'active', 'delayed', 'failed'));
    }
  }

  /** After the processor has started consuming: from now on the worker says it is alive. */
  async onApplicationBootstrap(): Promise<void> {
    // The first beat should not be lost to a connection still being made (it does not queue commands).
    if (this.redis.status !== 'ready')
      await Promise.race([once(this.redis, 'ready'), new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
    const beat = () => this.heartbeats.beat(this.workerId).catch(() => undefined);
    await beat();
    this.timer = setInterval(() => void beat(), WORKER_HEARTBEAT_INTERVAL_MS);
    this.timer.unref();
    if (this.config.metricsPort !== undefined) {
      this.server = await startOpsServer(this.config.metricsPort, {
        registry: this.registry,
        ready: () => this.ready(),
      });
    }
  }

  /** A stopping worker takes no new jobs: it stops saying it is alive before it drains. */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.heartbeats
      .leave(this.workerId)
      .catch((error: Error) => this.logger.warn(`Could not remove the heartbeat: ${error.message}`));
  }

  async onApplicationShutdown(): Promise<void> {
    await closeOpsServer(this.server);
    await this.queue?.close().catch(() => undefined);
    this.redis.disconnect();
  }

  /** Ready when its own Postgres and Redis answer. */
  ready(): Promise<HealthReport> {
    return runHealthChecks({ postgres: () => this.dataSource.query('SELECT 1'), redis: () => this.redis.ping() });
  }
}
