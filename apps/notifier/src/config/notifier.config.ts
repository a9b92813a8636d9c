import { loadEnv, loadRedisSettings, type RedisTarget } from '@scim/config';

export const NOTIFIER_CONFIG = Symbol('NOTIFIER_CONFIG');

export interface NotifierConfig {
  databaseUrl: string;
  /** REDIS_URL, or REDIS_CLUSTER_NODES when set. */
  redis: RedisTarget;
  queuePrefix: string;
  smtpUrl: string;
  mailFrom: string;
  /** Base of the admin console links in emails. */
  publicUrl: string;
  digestMs: number;
  retryMs: number;
  logLevel: 'error' | 'warn' | 'log' | 'debug' | 'verbose';
  logFormat: 'json' | 'pretty';
  /** Port of the /metrics and /health/* listener; undefined: none. */
  metricsPort?: number;
  metrics: boolean;
}

export function loadNotifierConfig(env: NodeJS.ProcessEnv = process.env): NotifierConfig {
  const redis = loadRedisSettings(env);
  const e = loadEnv(
    [
      'DATABASE_URL',
      'SMTP_URL',
      'MAIL_FROM',
      'PUBLIC_URL',
      'NOTIFY_DIGEST_MS',
      'NOTIFY_RETRY_MS',
      'LOG_LEVEL',
      'LOG_FORMAT',
      'METRICS_PORT',
      'METRICS',
    ],
    env,
  );
  return {
    databaseUrl: e.DATABASE_URL,
    redis: redis.target,
    queuePrefix: redis.queuePrefix,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    publicUrl: e.PUBLIC_URL,
    digestMs: e.NOTIFY_DIGEST_MS,
    retryMs: e.NOTIFY_RETRY_MS,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    ...(e.METRICS_PORT !== undefined ? { metricsPort: e.METRICS_PORT } : {}),
    metrics: e.METRICS === 'on',
  };
}
