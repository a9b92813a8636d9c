import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { USER_RESOURCE_TYPE, applyPatch, etag, parsePatchRequest, parseUser, type JsonObject, type StoredResource } from '@scim/scim';
import type { DirectoryJob, DirectoryJobData, DirectoryJobName, WriteResult } from '@scim/queue';
import { DirectoryError, DirectoryErrorCode, answerForRefusal, violatedUniqueConstraint, type ErrorAnswer } from '../directory-error';
import { isResourceId, toStoredResource, type ResourceRow } from '../repositories/resource-row';
import { applyWorkEmailRule, type IgnoredEmail } from '../rules/work-email.rule';
import type { TenantSettingsCache } from './tenant-settings.cache';

type JobInput = { [N in DirectoryJob['name']]: { name: N; data: DirectoryJobData<N> } }[DirectoryJob['name']];

/** Who a write was about, for the operations log and failure notices. */
interface Subject {
  resourceType: 'User' | 'Group';
  resourceId: string | null;
  name: string | null;
  externalId: string | null;
}

const USER_NAME_INDEX = 'users_tenant_user_name_key';
/**
 * Timestamps are kept to the millisecond, the precision of meta.created/lastModified, so that a
 * filter with a value the server returned (`meta.lastModified gt "…"`) means what it says.
 */
const MILLISECOND_NOW = "date_trunc('milliseconds', now())";
/** How often an update re-reads and re-applies after losing an optimistic-concurrency race. */
const MAX_UPDATE_ATTEMPTS = 20;

function assertNever(value: never): never {
  throw new Error(`Unhandled directory job: ${JSON.stringify(value)}`);
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function userSubject(user: JsonObject | undefined, id: string | null): Subject {
  return { resourceType: 'User', resourceId: id, name: stringOrNull(user?.['userName']), externalId: stringOrNull(user?.['externalId']) };
}

/** The one work email a stored user has (the rule keeps at most one). */
function storedWorkEmail(user: JsonObject): string | null {
  const emails = user['emails'];
  const first = Array.isArray(emails) ? emails[0] : undefined;
  return typeof first === 'object' && first !== null && !Array.isArray(first) ? stringOrNull(first['value']) : null;
}

function notesFor(ignored: IgnoredEmail[]): string | null {
  return ignored.length > 0 ? JSON.stringify({ ignoredEmails: ignored }) : null;
}

function ifMatchHolds(ifMatch: string | undefined, version: number): boolean {
  if (ifMatch === undefined) return true;
  const current = etag(version);
  return ifMatch.split(',').map((t) => t.trim()).some((t) => t === '*' || t === current || `W/${t}` === current);
}

/**
 * Applies directory write jobs under the platform rules. Each write and its operations-log row
 * are one SQL statement (a data-modifying CTE), hence one atomic unit; the log's primary key is the
 * operation id, so a redelivered job is answered from the log instead of being applied twice.
 * Refusals (rules, validation, not found) are results; anything else is thrown for BullMQ to retry.
 */
export class DirectoryWriter {
  /** The jobs `apply` handles; the worker refuses to start when the contract names one more. */
  static readonly HANDLED_JOBS: Readonly<Record<DirectoryJobName, true>> = {
    'create-user': true,
    'replace-user': true,
    'patch-user': true,
    'delete-user': true,
  };

  constructor(
    private readonly dataSource: DataSource,
    private readonly tenantSettings: TenantSettingsCache,
  ) {}

  async apply(job: JobInput): Promise<WriteResult> {
    const { data } = job;
    if (Date.now() > data.deadline) {
      // The gateway has already answered 503: a write that had not started must not happen later.
      return (await this.replay(data.operationId)) ?? this.refuse(job, { status: 503, detail: 'The write was not applied: it waited in the queue longer than the gateway waits for an answer. Retry the request.' });
    }
    try {
      switch (job.name) {
        case 'create-user':
          return await this.createUser(job.data);
        case 'replace-user':
          return await this.updateUser(job.name, job.data, () => parseUser(job.data.user));
        case 'patch-user': {
          const operations = parsePatchRequest(job.data.patch);
          return await this.updateUser(job.name, job.data, (current) => parseUser(applyPatch(current, operations, USER_RESOURCE_TYPE)));
        }
        case 'delete-user':
          return await this.deleteUser(job.data);
        default:
          return assertNever(job);
      }
    } catch (error) {
      // A redelivered job meets its own earlier write (a unique violation): answer what was recorded.
      const recorded = await this.replay(data.operationId);
      if (recorded) return recorded;
      const refusal = answerForRefusal(error);
      if (!refusal) throw error;
      return this.refuse(job, refusal);
    }
  }

  private async createUser(data: DirectoryJobData<'create-user'>): Promise<WriteResult> {
    const tenant = await this.tenantSettings.get(data.tenantId);
    const { user, workEmail, ignored } = applyWorkEmailRule(parseUser(data.user), tenant.workDomains);
    const userName = user['userName'] as string;
    try {
      const rows: ResourceRow[] = await this.dataSource.query(
        `WITH u AS (
           INSERT INTO users (id, tenant_id, user_name, external_id, active, work_email, data, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, ${MILLISECOND_NOW}, ${MILLISECOND_NOW})
           RETURNING id, data, version, created_at, updated_at
         ), o AS (
           INSERT INTO operations (id, tenant_id, kind, resource_type, resource_id, resource_name, external_id, outcome, status, notes)
           SELECT $8, $2, 'create-user', 'User', u.id, $3, $4, 'succeeded', 201, $9::jsonb FROM u
         )
         SELECT * FROM u`,
        [randomUUID(), data.tenantId, userName, stringOrNull(user['externalId']), user['active'] !== false, workEmail, JSON.stringify(user), data.operationId, notesFor(ignored)],
      );
      return { ok: true, status: 201, resource: toStoredResource(rows[0]!) };
    } catch (error) {
      throw this.translateUniqueViolation(error, userName);
    }
  }

  /** PUT and PATCH: read, compute the new document, write it if nobody wrote in between. */
  private async updateUser(
    kind: 'replace-user' | 'patch-user',
    data: DirectoryJobData<'replace-user' | 'patch-user'>,
    compute: (current: JsonObject) => JsonObject,
  ): Promise<WriteResult> {
    for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
      const current = await this.loadUser(data.tenantId, data.userId);
      if (!ifMatchHolds(data.ifMatch, current.version)) {
        throw new DirectoryError(DirectoryErrorCode.VersionMismatch, `The user has changed: If-Match ${data.ifMatch} does not match the current version ${etag(current.version)}.`);
      }
      const next = compute(current.data);
      const tenant = await this.tenantSettings.get(data.tenantId);
      const { user, workEmail, ignored } = applyWorkEmailRule(next, tenant.workDomains, { alreadyAccepted: storedWorkEmail(current.data) });
      const userName = user['userName'] as string;
      try {
        const rows: ResourceRow[] = await this.dataSource.query(
          `WITH u AS (
             UPDATE users SET user_name = $3, external_id = $4, active = $5, work_email = $6, data = $7::jsonb,
                    version = version + 1, updated_at = ${MILLISECOND_NOW}
              WHERE tenant_id = $2 AND id = $1 AND version = $8
             RETURNING id, data, version, created_at, updated_at
           ), o AS (
             INSERT INTO operations (id, tenant_id, kind, resource_type, resource_id, resource_name, external_id, outcome, status, notes)
             SELECT $9, $2, $10, 'User', u.id, $3, $4, 'succeeded', 200, $11::jsonb FROM u
           )
           SELECT * FROM u`,
          [current.id, data.tenantId, userName, stringOrNull(user['externalId']), user['active'] !== false, workEmail, JSON.stringify(user), current.version, data.operationId, kind, notesFor(ignored)],
        );
        if (rows[0]) return { ok: true, status: 200, resource: toStoredResource(rows[0]) };
      } catch (error) {
        throw this.translateUniqueViolation(error, userName);
      }
      // Someone else wrote this user between our read and our write: apply again on the new version.
    }
    throw new Error(`User ${data.userId} kept changing during ${MAX_UPDATE_ATTEMPTS} attempts to update it`);
  }

  private async deleteUser(data: DirectoryJobData<'delete-user'>): Promise<WriteResult> {
    if (data.ifMatch !== undefined) {
      const current = await this.loadUser(data.tenantId, data.userId);
      if (!ifMatchHolds(data.ifMatch, current.version)) {
        throw new DirectoryError(DirectoryErrorCode.VersionMismatch, `The user has changed: If-Match ${data.ifMatch} does not match the current version ${etag(current.version)}.`);
      }
    }
    const rows: { id: string }[] = isResourceId(data.userId)
      ? await this.dataSource.query(
        `WITH d AS (
           DELETE FROM users WHERE tenant_id = $2 AND id = $1 RETURNING id, user_name, external_id
         ), o AS (
           INSERT INTO operations (id, tenant_id, kind, resource_type, resource_id, resource_name, external_id, outcome, status)
           SELECT $3, $2, 'delete-user', 'User', d.id, d.user_name, d.external_id, 'succeeded', 204 FROM d
         )
         SELECT id FROM d`,
        [data.userId, data.tenantId, data.operationId],
      )
      : [];
    if (rows.length === 0) throw this.userNotFound(data.userId);
    return { ok: true, status: 204 };
  }

  private async loadUser(tenantId: string, userId: string): Promise<StoredResource> {
    const rows: ResourceRow[] = isResourceId(userId)
      ? await this.dataSource.query(`SELECT id, data, version, created_at, updated_at FROM users WHERE tenant_id = $1 AND id = $2`, [tenantId, userId])
      : [];
    if (!rows[0]) throw this.userNotFound(userId);
    return toStoredResource(rows[0]);
  }

  private userNotFound(userId: string): DirectoryError {
    return new DirectoryError(DirectoryErrorCode.NotFound, `No user with id "${userId}" in this tenant.`);
  }

  private translateUniqueViolation(error: unknown, userName: string): unknown {
    if (violatedUniqueConstraint(error) !== USER_NAME_INDEX) return error;
    return new DirectoryError(
      DirectoryErrorCode.UserNameTaken,
      `userName "${userName}" is already taken in this tenant (userNames are compared case-insensitively). Find the existing user with filter userName eq "${userName}".`,
    );
  }

  /** The recorded outcome of an operation that was already applied (a redelivered job). */
  private async replay(operationId: string): Promise<WriteResult | undefined> {
    const rows: { outcome: string; status: number; scim_type: string | null; error: string | null; resource_id: string | null; tenant_id: string; resource_type: string }[] =
      await this.dataSource.query(`SELECT outcome, status, scim_type, error, resource_id, tenant_id, resource_type FROM operations WHERE id = $1`, [operationId]);
    const recorded = rows[0];
    if (!recorded) return undefined;
    if (recorded.outcome === 'failed') {
      return { ok: false, status: recorded.status, ...(recorded.scim_type ? { scimType: recorded.scim_type } : {}), detail: recorded.error ?? 'The operation failed.' };
    }
    if (recorded.status === 204 || recorded.resource_id === null) return { ok: true, status: 204 };
    const resources: ResourceRow[] = await this.dataSource.query(
      `SELECT id, data, version, created_at, updated_at FROM users WHERE tenant_id = $1 AND id = $2`,
      [recorded.tenant_id, recorded.resource_id],
    );
    if (!resources[0]) return { ok: false, status: 404, detail: `The ${recorded.resource_type} written by this operation has since been deleted.` };
    return { ok: true, status: recorded.status as 200 | 201, resource: toStoredResource(resources[0]) };
  }

  /** Records a refused write in the operations log and returns the refusal as the job's result. */
  private async refuse(job: JobInput, refusal: ErrorAnswer): Promise<WriteResult> {
    const { data } = job;
    const subject = this.subjectOf(job);
    const rows: unknown[] = await this.dataSource.query(
      `INSERT INTO operations (id, tenant_id, kind, resource_type, resource_id, resource_name, external_id, outcome, status, scim_type, error)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'failed', $8, $9, $10)
       ON CONFLICT (id) DO NOTHING RETURNING id`,
      [data.operationId, data.tenantId, job.name, subject.resourceType, subject.resourceId, subject.name, subject.externalId, refusal.status, refusal.scimType ?? null, refusal.detail],
    );
    if (rows.length === 0) {
      const recorded = await this.replay(data.operationId);
      if (recorded) return recorded;
    }
    return { ok: false, status: refusal.status, ...(refusal.scimType ? { scimType: refusal.scimType } : {}), detail: refusal.detail };
  }

  private subjectOf(job: JobInput): Subject {
    switch (job.name) {
      case 'create-user':
        return userSubject(job.data.user as JsonObject, null);
      case 'replace-user':
        return userSubject(job.data.user as JsonObject, isResourceId(job.data.userId) ? job.data.userId : null);
      case 'patch-user':
      case 'delete-user':
        return userSubject(undefined, isResourceId(job.data.userId) ? job.data.userId : null);
      default:
        return assertNever(job);
    }
  }
}
