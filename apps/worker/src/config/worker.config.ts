import {
  ConfigError,
  DEFAULT_WORKER_CONCURRENCY,
  loadEnv,
  loadRedisSettings,
  type RedisTarget,
  WORKER_POOL_HEADROOM,
  workerPoolSize,
} from '@scim/config';

export const WORKER_CONFIG = Symbol('WORKER_CONFIG');

export interface WorkerConfig {
  databaseUrl: string;
  /** REDIS_URL, or REDIS_CLUSTER_NODES when set. */
  redis: RedisTarget;
  queuePrefix: string;
  concurrency: number;
  dbPoolSize: number;
  statementTimeoutMs: number;
  /** DB_POOL_MODE: `transaction` behind pgbouncer in transaction pooling mode. */
  dbPoolMode: 'session' | 'transaction';
  logLevel: 'error' | 'warn' | 'log' | 'debug' | 'verbose';
  logFormat: 'json' | 'pretty';
  /** Port of the /metrics and /health/* listener; undefined: none. */
  metricsPort?: number;
  /** METRICS=off: no per-write metrics and no /metrics. */
  metrics: boolean;
}

export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const redis = loadRedisSettings(env);
  const e = loadEnv(
    [
      'DATABASE_URL',
      'WORKER_CONCURRENCY',
      'DB_POOL_SIZE',
      'DB_STATEMENT_TIMEOUT_MS',
      'DB_POOL_MODE',
      'LOG_LEVEL',
      'LOG_FORMAT',
      'METRICS_PORT',
      'METRICS',
    ],
    env,
  );
  const concurrency = e.WORKER_CONCURRENCY ?? DEFAULT_WORKER_CONCURRENCY;
  // Each running job holds a connection; a smaller pool makes jobs queue for one and time out (1 s) as failures.
  if (e.DB_POOL_SIZE !== undefined && e.DB_POOL_SIZE < concurrency) {
    throw new ConfigError([
      `DB_POOL_SIZE: must be at least WORKER_CONCURRENCY (${concurrency}), since every running job holds a Postgres connection; ` +
        `unset it (default WORKER_CONCURRENCY + ${WORKER_POOL_HEADROOM}) or lower WORKER_CONCURRENCY (got ${e.DB_POOL_SIZE})`,
    ]);
  }
  return {
    databaseUrl: e.DATABASE_URL,
    redis: redis.target,
    queuePrefix: redis.queuePrefix,
    concurrency,
    dbPoolSize: workerPoolSize(concurrency, e.DB_POOL_SIZE),
    statementTimeoutMs: e.DB_STATEMENT_TIMEOUT_MS,
    dbPoolMode: e.DB_POOL_MODE,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    ...(e.METRICS_PORT !== undefined ? { metricsPort: e.METRICS_PORT } : {}),
    metrics: e.METRICS === 'on',
  };
}
