/**
 * An operations-log row as an SQL expression per column (`$n` parameters, literals, or columns of
 * `FROM`); the first five columns are required. `status` is a success's (200, 201, 204): a failure
 * is recorded by its reason (FailureReason), never an HTTP status.
 */
export interface OperationRowSql {
  id: string;
  tenant_id: string;
  kind: string;
  resource_type: string;
  outcome: string;
  status?: string;
  resource_id?: string;
  resource_name?: string;
  external_id?: string;
  notes?: string;
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

/**
 * A failed write's row, as the worker records a refusal and the notifier a notice the worker could
 * not record. Parameters: $1 operation id, $3 kind, $4 resource type, $5 resource id, $6 name,
 * $7 externalId, $8 detail, $9 reason, $10 context (JSON), $12 request id; $2 is the tenant's id,
 * and the caller gives the tenant, notification and time columns (with $11 for one of them).
 */
export function failedOperationRow(
  columns: Pick<OperationRowSql, 'tenant_id' | 'notification' | 'created_at'>,
): OperationRowSql {
  return {
    id: '$1',
    tenant_id: columns.tenant_id,
    kind: '$3',
    resource_type: '$4',
    resource_id: '$5',
    resource_name: '$6',
    external_id: '$7',
    outcome: "'failed'",
    error: '$8',
    reason: '$9',
    context: '$10::jsonb',
    ...(columns.notification === undefined ? {} : { notification: columns.notification }),
    ...(columns.created_at === undefined ? {} : { created_at: columns.created_at }),
    request_id: '$12',
  };
}
