import { DataSource, type DataSourceOptions } from 'typeorm';
import { Client } from 'pg';
import {
  CLIENT_STATEMENT_TIMEOUT,
  GuardedPool,
  PREPARED_STATEMENTS,
  guardedDriver,
  type DatabaseCircuit,
} from './guarded-pool';
import { ApiTokenEntity } from '../entities/api-token.entity';
import { TenantEntity } from '../entities/tenant.entity';
import { InitialSchema1764150000000 } from '../migrations/1764150000000-initial-schema';
import { Groups1764160000000 } from '../migrations/1764160000000-groups';
import { FailureNotifications1764170000000 } from '../migrations/1764170000000-failure-notifications';
import { AdminConsole1764180000000 } from '../migrations/1764180000000-admin-console';
import { Operability1764190000000 } from '../migrations/1764190000000-operability';
import { FailureReasons1764205000000 } from '../migrations/1764205000000-failure-reasons';

/**
 * The only tables written through the ORM (tenants and their tokens); everything else is SQL. The
 * schema itself comes from the migrations alone, never from entities (no `synchronize`).
 */
export const DIRECTORY_ENTITIES = [TenantEntity, ApiTokenEntity];
export const DIRECTORY_MIGRATIONS = [
  InitialSchema1764150000000,
  Groups1764160000000,
  FailureNotifications1764170000000,
  AdminConsole1764180000000,
  Operability1764190000000,
  FailureReasons1764205000000,
];

export interface DatabaseOptions {
  url: string;
  /** Connections in this process's pool. */
  poolSize?: number;
  applicationName?: string;
  /**
   * Time limit of one statement (Postgres `statement_timeout`); the client also gives up on a
   * server that does not answer at all 1 s later. Unset: no limit (migrations, the CLI).
   */
  statementTimeoutMs?: number;
  /** Opened by a watchdog while the database does not answer: the pool then fails at once. */
  circuit?: DatabaseCircuit;
  /**
   * `transaction`: the URL is a pgbouncer in transaction pooling mode, where a connection is a
   * different server session at each transaction. Nothing is set per session then: the time limit
   * is not sent as a startup parameter (pgbouncer refuses it, and a SET would leak to other
   * clients); the client cancels a statement that runs past it instead; and reads are not
   * prepared statements (PREPARED_STATEMENTS), which live in one server session.
   */
  poolMode?: 'session' | 'transaction';
}

/** Getting a connection (a new one, or a free one from the pool) gives up after this long. */
export const CONNECT_TIMEOUT_MS = 1000;

function poolConfig(options: DatabaseOptions) {
  return {
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: 30000,
    ...(options.poolMode === 'transaction' ? {} : { [PREPARED_STATEMENTS]: true }),
    ...(options.statementTimeoutMs
      ? options.poolMode === 'transaction'
        ? { [CLIENT_STATEMENT_TIMEOUT]: options.statementTimeoutMs }
        : { statement_timeout: options.statementTimeoutMs }
      : {}),
  };
}

/**
 * TypeORM options for the directory database. Every wait is bounded: getting a connection gives
 * up after 1 s and a statement after its time limit, each failing with DatabaseUnavailableError
 * (a quick 503, a retried job) rather than a hanging request.
 */
export function directoryDataSourceOptions(options: DatabaseOptions): DataSourceOptions {
  return {
    type: 'postgres',
    url: options.url,
    entities: DIRECTORY_ENTITIES,
    migrations: DIRECTORY_MIGRATIONS,
    migrationsTableName: 'migrations',
    synchronize: false,
    logging: false,
    applicationName: options.applicationName,
    driver: guardedDriver(options.circuit),
    extra: poolConfig(options),
  };
}

/** A plain pool with the same limits, for reads outside TypeORM (the gateway's member pages). */
export function createGuardedPool(options: DatabaseOptions): GuardedPool {
  return new GuardedPool(
    { connectionString: options.url, application_name: options.applicationName, ...poolConfig(options) },
    options.circuit,
  );
}

export function createDirectoryDataSource(options: DatabaseOptions): DataSource {
  return new DataSource(directoryDataSourceOptions(options));
}

/** Creates the database named in the URL when it is missing (connecting to the `postgres` database). */
export async function ensureDatabase(url: string): Promise<boolean> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!name) throw new Error(`DATABASE_URL names no database: ${url}`);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString(), connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return false;
    await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
    return true;
  } catch (error) {
    // Two migrators racing: the other one created it.
    if ((error as { code?: string }).code === '42P04') return false;
    throw error;
  } finally {
    await client.end();
  }
}

/** Creates the database if needed and applies pending migrations; returns the names applied. */
export async function migrateDirectory(url: string): Promise<{ created: boolean; applied: string[] }> {
  const created = await ensureDatabase(url);
  const dataSource = createDirectoryDataSource({ url, poolSize: 1, applicationName: 'scim-migrate' });
  await dataSource.initialize();
  try {
    const applied = await dataSource.runMigrations({ transaction: 'all' });
    return { created, applied: applied.map((m) => m.name) };
  } finally {
    await dataSource.destroy();
  }
}
