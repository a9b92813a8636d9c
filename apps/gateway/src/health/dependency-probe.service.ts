import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DirectoryClient } from '../queue/directory.client';

export interface DependencyStatus {
  postgres: 'up' | 'down';
  redis: 'up' | 'down';
}

const PROBE_TIMEOUT_MS = 1000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(resolve, reject).finally(() => clearTimeout(timer));
  });
}

/** Asks Postgres and Redis whether they answer, each within a second. */
@Injectable()
export class DependencyProbe {
  constructor(
    private readonly dataSource: DataSource,
    private readonly directory: DirectoryClient,
  ) {}

  async check(): Promise<DependencyStatus> {
    const [postgres, redis] = await Promise.all([
      withTimeout(this.dataSource.query('SELECT 1'), PROBE_TIMEOUT_MS).then(() => 'up' as const, () => 'down' as const),
      withTimeout(this.directory.redis.ping(), PROBE_TIMEOUT_MS).then(() => 'up' as const, () => 'down' as const),
    ]);
    return { postgres, redis };
  }

  /** What is down, in words for an error detail ("the database and the queue"), or undefined. */
  async outage(): Promise<string | undefined> {
    const { postgres, redis } = await this.check();
    const down = [postgres === 'down' ? 'the database' : undefined, redis === 'down' ? 'the queue' : undefined].filter(Boolean);
    return down.length > 0 ? down.join(' and ') : undefined;
  }
}
