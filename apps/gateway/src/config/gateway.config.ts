import {
  ConfigError,
  DEFAULT_GATEWAY_POOL_SIZE,
  GATEWAY_MIN_POOL_SIZE,
  gatewayPools,
  loadEnv,
  loadRedisSettings,
  type RedisTarget,
} from '@scim/config';

export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');

export interface GatewayConfig {
  databaseUrl: string;
  /** DATABASE_READ_URL: a streaming replica for reads (see ReadRouter). */
  databaseReadUrl?: string;
  /** REDIS_URL, or REDIS_CLUSTER_NODES when set. */
  redis: RedisTarget;
  queuePrefix: string;
  port: number;
  /** Base of `scimUrl` and `meta.location`, without a trailing slash. */
  publicUrl: string;
  writeTimeoutMs: number;
  /** All of this process's Postgres connections (DB_POOL_SIZE), split by gatewayPools(). */
  dbPoolSize: number;
  pools: { main: number; memberPages: number; watchdog: number };
  /** Time limit of one statement; member pages get the longer memberPageTimeoutMs. */
  statementTimeoutMs: number;
  /** DB_POOL_MODE: `transaction` behind pgbouncer in transaction pooling mode. */
  dbPoolMode: 'session' | 'transaction';
  memberPageTimeoutMs: number;
  /** Concurrent reads of groups with more than one page of members, per tenant and per process. */
  memberStreamsPerTenant: number;
  memberStreamsPerProcess: number;
  logLevel: 'error' | 'warn' | 'log' | 'debug' | 'verbose';
  logFormat: 'json' | 'pretty';
  /** METRICS=off: no per-request metrics and no /metrics. */
  metrics: boolean;
  /** The default per-tenant token bucket (a tenant may have its own rate). */
  rateLimit: { perSecond: number; burst: number };
  /** Unset: no queue dashboard. */
  operatorToken?: string;
}

export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const redis = loadRedisSettings(env);
  const e = loadEnv(
    [
      'DATABASE_URL',
      'DATABASE_READ_URL',
      'PORT',
      'PUBLIC_URL',
      'WRITE_TIMEOUT_MS',
      'DB_POOL_SIZE',
      'LOG_LEVEL',
      'LOG_FORMAT',
      'METRICS',
      'DB_STATEMENT_TIMEOUT_MS',
      'DB_POOL_MODE',
      'DB_MEMBER_PAGE_TIMEOUT_MS',
      'MEMBER_STREAMS_PER_TENANT',
      'MEMBER_STREAMS_PER_PROCESS',
      'RATE_LIMIT_PER_SECOND',
      'RATE_LIMIT_BURST',
      'OPERATOR_TOKEN',
    ],
    env,
  );
  // A bucket smaller than one second's worth would refuse a client that sends its rate all at once.
  if (e.RATE_LIMIT_BURST < e.RATE_LIMIT_PER_SECOND) {
    throw new ConfigError([
      `RATE_LIMIT_BURST: must be at least RATE_LIMIT_PER_SECOND (${e.RATE_LIMIT_PER_SECOND}) (got ${e.RATE_LIMIT_BURST})`,
    ]);
  }
  const dbPoolSize = e.DB_POOL_SIZE ?? DEFAULT_GATEWAY_POOL_SIZE;
  if (dbPoolSize < GATEWAY_MIN_POOL_SIZE) {
    throw new ConfigError([
      `DB_POOL_SIZE: the gateway needs at least ${GATEWAY_MIN_POOL_SIZE} connections (one each for its database watchdog, member pages and other requests) (got ${dbPoolSize})`,
    ]);
  }
  return {
    databaseUrl: e.DATABASE_URL,
    ...(e.DATABASE_READ_URL !== undefined ? { databaseReadUrl: e.DATABASE_READ_URL } : {}),
    redis: redis.target,
    queuePrefix: redis.queuePrefix,
    port: e.PORT,
    publicUrl: e.PUBLIC_URL,
    writeTimeoutMs: e.WRITE_TIMEOUT_MS,
    dbPoolSize,
    pools: gatewayPools(dbPoolSize),
    statementTimeoutMs: e.DB_STATEMENT_TIMEOUT_MS,
    dbPoolMode: e.DB_POOL_MODE,
    memberPageTimeoutMs: e.DB_MEMBER_PAGE_TIMEOUT_MS,
    memberStreamsPerTenant: e.MEMBER_STREAMS_PER_TENANT,
    memberStreamsPerProcess: e.MEMBER_STREAMS_PER_PROCESS,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    metrics: e.METRICS === 'on',
    rateLimit: { perSecond: e.RATE_LIMIT_PER_SECOND, burst: e.RATE_LIMIT_BURST },
    ...(e.OPERATOR_TOKEN !== undefined ? { operatorToken: e.OPERATOR_TOKEN } : {}),
  };
}

/** The SCIM base URL clients see, e.g. https://scim.example.com/api/scim. */
export function scimBaseUrl(config: GatewayConfig): string {
  return `${config.publicUrl}/api/scim`;
}
