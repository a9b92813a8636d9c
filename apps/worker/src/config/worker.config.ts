import { availableParallelism } from 'node:os';
import { loadEnv } from '@scim/config';

export const WORKER_CONFIG = Symbol('WORKER_CONFIG');

export interface WorkerConfig {
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  concurrency: number;
  dbPoolSize: number;
  statementTimeoutMs: number;
  logLevel: 'error' | 'warn' | 'log' | 'debug' | 'verbose';
}

/**
 * A write job spends most of its time waiting on Postgres, so a worker runs several at once:
 * 8 per core by default (16 on a 2-core machine).
 */
export function defaultConcurrency(): number {
  return Math.max(4, availableParallelism() * 8);
}

export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const e = loadEnv(['DATABASE_URL', 'REDIS_URL', 'QUEUE_PREFIX', 'WORKER_CONCURRENCY', 'DB_POOL_SIZE', 'DB_STATEMENT_TIMEOUT_MS', 'LOG_LEVEL'], env);
  const concurrency = e.WORKER_CONCURRENCY ?? defaultConcurrency();
  return {
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    queuePrefix: e.QUEUE_PREFIX,
    concurrency,
    dbPoolSize: e.DB_POOL_SIZE ?? concurrency + 2,
    statementTimeoutMs: e.DB_STATEMENT_TIMEOUT_MS,
    logLevel: e.LOG_LEVEL,
  };
}
