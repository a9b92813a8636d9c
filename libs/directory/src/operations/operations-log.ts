import type { DataSource, EntityManager } from 'typeorm';
import { storableText } from '@scim/scim';
import type { FailureNotice, WriteResult } from '@scim/queue';
import type { Refusal } from '../directory-error';
import { FailureReason, isFailureReason } from '@scim/queue';
import { toStoredResource, type ResourceRow } from '../resources/resource-row';
import type { DirectoryJobInput } from '../directory-writer';
import { jobSubject, type Subject } from './operation-subject';
import { failedOperationRow, insertOperationSql } from './operation-row.sql';

const TABLES = { User: 'users', Group: 'groups' } as const;

function storableOrNull(text: string | null): string | null {
  return text === null ? null : storableText(text);
}

/**
 * The operations log as the writer uses it: successful writes insert their row in the same
 * statement or transaction as the change (see UserWrites, GroupWrites); this class answers
 * redelivered operations from the log and records refusals.
 */
export class OperationsLog {
  constructor(private readonly dataSource: DataSource) {}

  /** The recorded outcome of an operation that was already applied, or undefined. */
  async replay(operationId: string, db: EntityManager = this.dataSource.manager): Promise<WriteResult | undefined> {
    const rows: {
      outcome: string;
      /** Of a success; null for failures recorded since reasons replaced statuses. */
      status: number | null;
      reason: string | null;
      context: Record<string, unknown> | null;
      error: string | null;
      resource_id: string | null;
      tenant_id: string;
      resource_type: 'User' | 'Group';
    }[] = await db.query(
      `SELECT outcome, status, reason, context, error, resource_id, tenant_id, resource_type FROM operations WHERE id = $1`,
      [operationId],
    );
    const recorded = rows[0];
    if (!recorded) return undefined;
    if (recorded.outcome === 'failed') {
      return {
        ok: false,
        // Rows from before reasons were recorded have none: a generic refusal.
        reason: isFailureReason(recorded.reason ?? '')
          ? (recorded.reason as FailureReason)
          : FailureReason.InvalidRequest,
        detail: recorded.error ?? 'The operation failed.',
        ...(recorded.context ? { context: recorded.context } : {}),
      };
    }
    if (recorded.status === 204 || recorded.resource_id === null) return { ok: true, status: 204 };
    const resources: ResourceRow[] = await db.query(
      `SELECT id, data, version, created_at, updated_at FROM ${TABLES[recorded.resource_type]} WHERE tenant_id = $1 AND id = $2`,
      [recorded.tenant_id, recorded.resource_id],
    );
    if (!resources[0])
      return {
        ok: false,
        reason: FailureReason.NotFound,
        detail: `The ${recorded.resource_type} written by this operation has since been deleted.`,
      };
    return { ok: true, status: recorded.status as 200 | 201, resource: toStoredResource(resources[0]) };
  }

  /** Which of these operations are recorded (applied or refused). */
  async recorded(operationIds: string[], db: EntityManager = this.dataSource.manager): Promise<string[]> {
    if (operationIds.length === 0) return [];
    const rows: { id: string }[] = await db.query(`SELECT id FROM operations WHERE id = ANY($1::uuid[])`, [
      operationIds,
    ]);
    return rows.map((row) => row.id);
  }

  /**
   * Settles an operation whose result was lost (the gateway lost its Redis connection): its
   * recorded result if it ran, else a refusal recorded under its id, marked for the failure
   * email if the tenant wants them (the notifier gathers pending rows). A write that still runs
   * later meets that row and changes nothing (each write and its log row are one statement or
   * transaction), so the refusal stays true.
   */
  async abandon(job: DirectoryJobInput, refusal: Refusal): Promise<WriteResult> {
    const { tenantId, operationId, requestId } = job.data;
    const subject = await this.completeSubject(tenantId, jobSubject(job));
    const tenants: { notify: boolean }[] = await this.dataSource.manager.query(
      `SELECT notify_on_failure AND notify_email IS NOT NULL AS notify FROM tenants WHERE id = $1`,
      [tenantId],
    );
    const notify = tenants[0]?.notify === true;
    return (await this.refuse({ operationId, requestId, tenantId, kind: job.name, subject, notify }, refusal)).result;
  }

  /** Fills in the name and externalId of a refused write's target from the directory, when it exists. */
  async completeSubject(
    tenantId: string,
    subject: Subject,
    db: EntityManager = this.dataSource.manager,
  ): Promise<Subject> {
    if (subject.name !== null || subject.resourceId === null) return subject;
    const nameColumn = subject.resourceType === 'User' ? 'user_name' : 'display_name';
    const rows: { name: string; external_id: string | null }[] = await db.query(
      `SELECT ${nameColumn} AS name, external_id FROM ${TABLES[subject.resourceType]} WHERE tenant_id = $1 AND id = $2`,
      [tenantId, subject.resourceId],
    );
    return rows[0]
      ? { ...subject, name: rows[0].name, externalId: subject.externalId ?? rows[0].external_id }
      : subject;
  }

  /**
   * Records a refused write; if the operation was recorded meanwhile, that record is the answer.
   * With `notify`, the row is marked pending for the notifier, and the notice is returned so that
   * the caller can also put it on the notifications queue.
   */
  async refuse(
    entry: {
      operationId: string;
      requestId?: string;
      tenantId: string;
      kind: string;
      subject: Subject;
      notify: boolean;
    },
    refusal: Refusal,
    db: EntityManager = this.dataSource.manager,
  ): Promise<{ result: WriteResult; notice?: FailureNotice }> {
    // A refusal can quote the very text the database refused (a NUL in a name or an id): store it replaced.
    const subject: Subject = {
      ...entry.subject,
      name: storableOrNull(entry.subject.name),
      externalId: storableOrNull(entry.subject.externalId),
    };
    refusal = {
      ...refusal,
      detail: storableText(refusal.detail),
      ...(refusal.context
        ? {
            context: JSON.parse(JSON.stringify(refusal.context), (_key, value: unknown) =>
              typeof value === 'string' ? storableText(value) : value,
            ),
          }
        : {}),
    };
    const { reason } = refusal;
    const rows: { created_at: Date }[] = await db.query(
      `${insertOperationSql(failedOperationRow({ tenant_id: '$2', notification: '$11' }))}
       ON CONFLICT (id) DO NOTHING RETURNING created_at`,
      [
        entry.operationId,
        entry.tenantId,
        entry.kind,
        subject.resourceType,
        subject.resourceId,
        subject.name,
        subject.externalId,
        refusal.detail,
        reason,
        refusal.context ? JSON.stringify(refusal.context) : null,
        entry.notify ? 'pending' : null,
        entry.requestId ?? null,
      ],
    );
    if (rows.length === 0) {
      const recorded = await this.replay(entry.operationId, db);
      if (recorded) return { result: recorded };
    }
    const result: WriteResult = { ok: false, ...refusal };
    if (!entry.notify || rows.length === 0) return { result };
    const notice: FailureNotice = {
      tenantId: entry.tenantId,
      operationId: entry.operationId,
      ...(entry.requestId ? { requestId: entry.requestId } : {}),
      kind: entry.kind,
      resourceType: subject.resourceType,
      resourceId: subject.resourceId,
      resourceName: subject.name,
      externalId: subject.externalId,
      detail: refusal.detail,
      reason,
      context: refusal.context ?? null,
      occurredAt: rows[0]!.created_at.toISOString(),
    };
    return { result, notice };
  }
}
