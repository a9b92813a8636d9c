import type { DataSource } from 'typeorm';
import { isResourceId } from '../resource-id';

/** One row of the operations log with everything the console shows about it. */
export interface ActivityRecord {
  id: string;
  at: string;
  kind: string;
  resourceType: 'User' | 'Group';
  resourceId: string | null;
  resourceName: string | null;
  externalId: string | null;
  outcome: 'succeeded' | 'failed';
  status: number;
  scimType: string | null;
  reason: string | null;
  detail: string | null;
  context: Record<string, unknown> | null;
  notes: Record<string, unknown> | null;
  notification: 'pending' | 'gathered' | 'sent' | 'undeliverable' | null;
  notifiedAt: string | null;
}

export interface ActivityQuery {
  failedOnly?: boolean;
  resourceType?: 'User' | 'Group';
  /** Matched, case-insensitively and anywhere, against userName/displayName and externalId. */
  search?: string;
  /** Only the failures gathered into this digest (the failure email links here). */
  digestId?: string;
  /** Rows older than this operation (the previous page's last row). */
  before?: string;
  limit: number;
}

export interface ActivityCounts {
  users: number;
  groups: number;
  writes24h: number;
  failures24h: number;
  /** Writes and failures per hour of the last 7 days, oldest first, 168 entries. */
  hourly: { hour: string; writes: number; failures: number }[];
}

interface ActivityRow {
  id: string;
  created_at: Date;
  kind: string;
  resource_type: 'User' | 'Group';
  resource_id: string | null;
  resource_name: string | null;
  external_id: string | null;
  outcome: 'succeeded' | 'failed';
  status: number;
  scim_type: string | null;
  reason: string | null;
  error: string | null;
  context: Record<string, unknown> | null;
  notes: Record<string, unknown> | null;
  notification: ActivityRecord['notification'];
  notified_at: Date | null;
}

const COLUMNS = `id, created_at, kind, resource_type, resource_id, resource_name, external_id, outcome, status, scim_type,
                 reason, error, context, notes, notification, notified_at`;

function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function toRecord(row: ActivityRow): ActivityRecord {
  return {
    id: row.id,
    at: row.created_at.toISOString(),
    kind: row.kind,
    resourceType: row.resource_type,
    resourceId: row.resource_id,
    resourceName: row.resource_name,
    externalId: row.external_id,
    outcome: row.outcome,
    status: row.status,
    scimType: row.scim_type,
    reason: row.reason,
    detail: row.error,
    context: row.context,
    notes: row.notes,
    notification: row.notification,
    notifiedAt: row.notified_at ? row.notified_at.toISOString() : null,
  };
}

/** The operations log as the admin console reads it: one tenant's rows only, newest first. */
export class ActivityRepository {
  constructor(private readonly dataSource: DataSource) {}

  async page(tenantId: string, query: ActivityQuery): Promise<ActivityRecord[]> {
    const search = query.search?.trim();
    const rows: ActivityRow[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM operations o
        WHERE o.tenant_id = $1
          AND ($2::boolean IS FALSE OR o.outcome = 'failed')
          AND ($3::text IS NULL OR o.resource_type = $3)
          AND ($4::text IS NULL OR o.resource_name ILIKE $4 OR o.external_id ILIKE $4)
          AND ($5::uuid IS NULL OR o.digest_id = $5)
          AND ($6::uuid IS NULL OR (o.created_at, o.id) < (SELECT p.created_at, p.id FROM operations p WHERE p.id = $6 AND p.tenant_id = $1))
        ORDER BY o.created_at DESC, o.id DESC
        LIMIT $7`,
      [
        tenantId,
        query.failedOnly ?? false,
        query.resourceType ?? null,
        search ? likePattern(search) : null,
        query.digestId && isResourceId(query.digestId) ? query.digestId : null,
        query.before && isResourceId(query.before) ? query.before : null,
        query.limit,
      ],
    );
    return rows.map(toRecord);
  }

  /** One operation of this tenant; undefined for another tenant's (or no) operation. */
  async get(tenantId: string, operationId: string): Promise<ActivityRecord | undefined> {
    if (!isResourceId(operationId)) return undefined;
    const rows: ActivityRow[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM operations WHERE tenant_id = $1 AND id = $2`,
      [tenantId, operationId],
    );
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  async counts(tenantId: string): Promise<ActivityCounts> {
    const [totals] = (await this.dataSource.query(
      `SELECT (SELECT count(*) FROM users WHERE tenant_id = $1) AS users,
              (SELECT count(*) FROM groups WHERE tenant_id = $1) AS groups,
              (SELECT count(*) FROM operations WHERE tenant_id = $1 AND created_at > now() - interval '24 hours') AS writes,
              (SELECT count(*) FROM operations WHERE tenant_id = $1 AND outcome = 'failed' AND created_at > now() - interval '24 hours') AS failures`,
      [tenantId],
    )) as { users: string; groups: string; writes: string; failures: string }[];
    const hours: { hour: Date; writes: string; failures: string }[] = await this.dataSource.query(
      `WITH per_hour AS (
         SELECT date_trunc('hour', created_at) AS hour, count(*) AS writes, count(*) FILTER (WHERE outcome = 'failed') AS failures
           FROM operations
          WHERE tenant_id = $1 AND created_at >= date_trunc('hour', now()) - interval '167 hours'
          GROUP BY 1
       )
       SELECT h.hour, coalesce(p.writes, 0) AS writes, coalesce(p.failures, 0) AS failures
         FROM generate_series(date_trunc('hour', now()) - interval '167 hours', date_trunc('hour', now()), interval '1 hour') AS h(hour)
         LEFT JOIN per_hour p ON p.hour = h.hour
        ORDER BY h.hour`,
      [tenantId],
    );
    return {
      users: Number(totals?.users ?? 0),
      groups: Number(totals?.groups ?? 0),
      writes24h: Number(totals?.writes ?? 0),
      failures24h: Number(totals?.failures ?? 0),
      hourly: hours.map((h) => ({
        hour: h.hour.toISOString(),
        writes: Number(h.writes),
        failures: Number(h.failures),
      })),
    };
  }
}
