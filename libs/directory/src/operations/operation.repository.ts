import type { DataSource } from 'typeorm';

export interface OperationRecord {
  operationId: string;
  /** The HTTP request that made the write (X-Request-Id), as in the apps' log lines. */
  requestId: string | null;
  at: string;
  kind: string;
  resourceType: string;
  resourceId: string | null;
  resourceName: string | null;
  externalId: string | null;
  outcome: 'succeeded' | 'failed';
  status: number;
  scimType: string | null;
  reason: string | null;
  detail: string | null;
  notes: Record<string, unknown> | null;
  /** For failures: pending, gathered, sent or undeliverable; null when no email was due. */
  notification: string | null;
  notifiedAt: string | null;
}

/** The activity log as a tenant admin reads it: newest first. */
export class OperationRepository {
  constructor(private readonly dataSource: DataSource) {}

  async recent(tenantId: string, options: { failedOnly?: boolean; limit?: number } = {}): Promise<OperationRecord[]> {
    const rows: (Omit<OperationRecord, 'at' | 'notifiedAt'> & { at: Date; notifiedAt: Date | null })[] =
      await this.dataSource.query(
        `SELECT id AS "operationId", request_id AS "requestId", created_at AS at, kind, resource_type AS "resourceType", resource_id AS "resourceId",
              resource_name AS "resourceName", external_id AS "externalId", outcome, status, scim_type AS "scimType",
              reason, error AS detail, notes, notification, notified_at AS "notifiedAt"
         FROM operations
        WHERE tenant_id = $1 AND ($2::boolean IS FALSE OR outcome = 'failed')
        ORDER BY created_at DESC LIMIT $3`,
        [tenantId, options.failedOnly ?? false, options.limit ?? 50],
      );
    return rows.map((row) => ({
      ...row,
      at: row.at.toISOString(),
      notifiedAt: row.notifiedAt ? row.notifiedAt.toISOString() : null,
    }));
  }
}
