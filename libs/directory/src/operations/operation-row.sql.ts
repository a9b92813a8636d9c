/**
 * An operations-log row as an SQL expression per column (`$n` parameters, literals, or columns of
 * `FROM`); the first six columns are required.
 */
export interface OperationRowSql {
  id: string;
  tenant_id: string;
  kind: string;
  resource_type: string;
  outcome: string;
  status: string;
  resource_id?: string;
  resource_name?: string;
  external_id?: string;
  notes?: string;
  scim_type?: string;
  error?: string;
  reason?: string;
  context?: string;
  notification?: string;
  created_at?: string;
  request_id?: string;
}

/**
 * The one builder of `INSERT INTO operations`: every writer of the log (user and group writes,
 * refusals, the notifier's recorded notices) names its columns here, in the order given.
 * With `from`, the row is `SELECT …values FROM <from>` (a CTE of the write, or a table), so that
 * no row is written when the write touched nothing; without it, `VALUES (…)`.
 */
export function insertOperationSql(row: OperationRowSql, from?: string): string {
  const columns = Object.keys(row).join(', ');
  const values = Object.values(row).join(', ');
  return from === undefined
    ? `INSERT INTO operations (${columns}) VALUES (${values})`
    : `INSERT INTO operations (${columns}) SELECT ${values} FROM ${from}`;
}
