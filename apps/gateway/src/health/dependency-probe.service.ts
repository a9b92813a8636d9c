import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { WORKER_HEARTBEAT_WINDOW_SECONDS, WorkerHeartbeats } from '@scim/queue';
import { HEALTH_CHECK_TIMEOUT_MS, runHealthChecks, type HealthReport } from '@scim/telemetry';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { DirectoryClient } from '../queue/directory.client';

export interface DependencyStatus {
  postgres: 'up' | 'down';
  redis: 'up' | 'down';
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(resolve, reject).finally(() => clearTimeout(timer));
  });
}

/** Asks Postgres and Redis whether they answer, each within a second, and Redis whether a worker is alive. */
@Injectable()
export class DependencyProbe {
  private readonly heartbeats: WorkerHeartbeats;

  constructor(
    private readonly dataSource: DataSource,
    private readonly directory: DirectoryClient,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
  ) {
    this.heartbeats = new WorkerHeartbeats(directory.redis, config.queuePrefix);
  }

  async check(): Promise<DependencyStatus> {
    const [postgres, redis] = await Promise.all([
      withTimeout(this.dataSource.query('SELECT 1'), HEALTH_CHECK_TIMEOUT_MS).then(
        () => 'up' as const,
        () => 'down' as const,
      ),
      withTimeout(this.directory.redis.ping(), HEALTH_CHECK_TIMEOUT_MS).then(
        () => 'up' as const,
        () => 'down' as const,
      ),
    ]);
    return { postgres, redis };
  }

  /**
   * Readiness: Postgres and Redis answer, and at least one worker has sent a heartbeat in the last
   * 15 s (without one, every write would time out into a 503).
   */
  ready(): Promise<HealthReport> {
    return runHealthChecks({
      postgres: () => this.dataSource.query('SELECT 1'),
      redis: () => this.directory.redis.ping(),
      workers: async () => {
        const alive = await this.heartbeats.alive();
        if (alive === 0)
          throw new Error(`no directory worker has sent a heartbeat in the last ${WORKER_HEARTBEAT_WINDOW_SECONDS} s`);
      },
    });
  }

  /** What is down, in words for an error detail ("the database and the queue"), or undefined. */
  async outage(): Promise<string | undefined> {
    const { postgres, redis } = await this.check();
    const down = [postgres === 'down' ? 'the database' : undefined, redis === 'down' ? 'the queue' : undefined].filter(
      Boolean,
    );
    return down.length > 0 ? down.join(' and ') : undefined;
  }
}
