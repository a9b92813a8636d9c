import { z } from 'zod';

/**
 * The environment contract of DESIGN.md §3: each app composes the variables it reads from these,
 * validates them once at start-up, and fails with the list of every bad variable.
 */
export const ENV = {
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .default('postgres://postgres@127.0.0.1:5432/scim'),
  /** A streaming replica of DATABASE_URL for the gateway's reads; unset, reads go to DATABASE_URL. */
  DATABASE_READ_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .default('redis://127.0.0.1:6379'),
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.{}-]+$/, 'letters, digits, _ . - and a {hash tag} only')
    .default('scim'),
  /** host:port,host:port of a Redis Cluster; when set it replaces REDIS_URL (see loadRedisSettings). */
  REDIS_CLUSTER_NODES: z.string().optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  PUBLIC_URL: z
    .url({ protocol: /^https?$/ })
    .default('http://localhost:8080')
    .transform((url) => url.replace(/\/+$/, '')),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')
    .default('smtp://127.0.0.1:1025'),
  MAIL_FROM: z.string().min(3).default('SCIM provisioning <provisioning@localhost>'),
  NOTIFY_DIGEST_MS: z.coerce.number().int().positive().default(60000),
  NOTIFY_RETRY_MS: z.coerce.number().int().positive().default(15000),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(1000).optional(),
  WRITE_TIMEOUT_MS: z.coerce.number().int().min(100).default(30000),
  DB_POOL_SIZE: z.coerce.number().int().min(1).max(500).optional(),
  /**
   * `transaction` when DATABASE_URL is a pgbouncer in transaction pooling mode: no session settings
   * are sent (the statement time limit is then kept by the client, which cancels the statement).
   */
  DB_POOL_MODE: z.enum(['session', 'transaction']).default('session'),
  DB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).default(5000),
  DB_MEMBER_PAGE_TIMEOUT_MS: z.coerce.number().int().min(100).default(15000),
  MEMBER_STREAMS_PER_TENANT: z.coerce.number().int().min(1).max(1000).default(2),
  MEMBER_STREAMS_PER_PROCESS: z.coerce.number().int().min(1).max(1000).default(8),
  LOG_LEVEL: z.enum(['error', 'warn', 'log', 'debug', 'verbose']).default('log'),
  LOG_FORMAT: z.enum(['json', 'pretty']).default('json'),
  /** Worker and notifier: port of their /metrics and /health/* listener; unset, no listener. */
  METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  /** `off` drops the per-request and per-write metrics (and /metrics answers 404), e.g. to measure their cost. */
  METRICS: z.enum(['on', 'off']).default('on'),
  /** Per-tenant token bucket: the rate (Entra documents that it needs 25/s) and the burst. */
  RATE_LIMIT_PER_SECOND: z.coerce
    .number()
    .int()
    .min(25, 'must be at least 25 (the rate Entra needs)')
    .max(1_000_000)
    .default(50),
  RATE_LIMIT_BURST: z.coerce.number().int().min(1).max(10_000_000).default(100),
  /** Protects the queue dashboard at /admin/queues; unset, the dashboard is off. */
  OPERATOR_TOKEN: z.string().min(16, 'must be at least 16 characters (e.g. openssl rand -hex 32)').optional(),
} as const;

export type EnvName = keyof typeof ENV;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Secrets are never echoed in error messages (which end up in logs). */
const SECRETS: ReadonlySet<string> = new Set(['OPERATOR_TOKEN']);

function shown(name: string, value: string | undefined): string {
  return SECRETS.has(name) && value !== undefined ? `${value.length} characters` : JSON.stringify(value);
}

type Picked<K extends EnvName> = z.infer<z.ZodObject<Pick<typeof ENV, K>>>;

/** Reads and validates the named variables; blank values count as unset (compose files often pass them). */
export function loadEnv<K extends EnvName>(names: readonly K[], env: NodeJS.ProcessEnv = process.env): Picked<K> {
  const shape = Object.fromEntries(names.map((name) => [name, ENV[name]])) as Pick<typeof ENV, K>;
  const input = Object.fromEntries(names.map((name) => [name, env[name]?.trim() === '' ? undefined : env[name]]));
  const parsed = z.object(shape).safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map(
        (issue) =>
          `${issue.path.join('.')}: ${issue.message} (got ${shown(String(issue.path[0]), input[String(issue.path[0])])})`,
      ),
    );
  }
  return parsed.data as Picked<K>;
}
