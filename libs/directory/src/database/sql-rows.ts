import type { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { GuardedPool } from './guarded-pool';

/** Runs one statement and returns its rows (a pool with its own limits, or the DataSource). */
export type SqlRows = <T>(sql: string, params: unknown[]) => Promise<T[]>;

/**
 * The read repositories' way to a DataSource's database: straight to its pool (GuardedPool.rows,
 * prepared statements included), past TypeORM's query runner, which costs a reads-heavy gateway
 * CPU for nothing a plain SELECT needs. The same limits apply (it is the same pool).
 */
export function readRows(dataSource: DataSource): SqlRows {
  let pool: GuardedPool | undefined;
  return <T>(sql: string, params: unknown[]): Promise<T[]> => {
    // The pool exists once the DataSource is initialised; one built without guardedDriver has no rows().
    pool ??= poolOf(dataSource);
    return pool ? pool.rows<T>(sql, params) : (dataSource.query(sql, params) as Promise<T[]>);
  };
}

function poolOf(dataSource: DataSource): GuardedPool | undefined {
  if (!dataSource.isInitialized) return undefined;
  const master: unknown = (dataSource.driver as PostgresDriver).master;
  return master instanceof GuardedPool ? master : undefined;
}
