import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import type { JsonObject, StoredResource } from '@scim/scim';
import type { DirectoryJobData, WriteResult } from '@scim/queue';
import { DirectoryError, violatedUniqueConstraint } from '../directory-error';
import { FailureReason } from '@scim/queue';
import { isResourceId } from '../resource-id';
import { MILLISECOND_NOW, stringOrNull, toStoredResource, type ResourceRow } from '../resources/resource-row';
import { applyWorkEmailRule, type IgnoredEmail, type WorkEmailOutcome } from '../rules/work-email.rule';
import type { TenantSettingsCache } from '../tenants/tenant-settings.cache';
import { insertOperationSql } from '../operations/operation-row.sql';
import { assertIfMatch } from '../resources/if-match';

const USER_NAME_INDEX = 'users_tenant_user_name_key';
/** How often an update re-reads and re-applies after losing an optimistic-concurrency race. */
const MAX_UPDATE_ATTEMPTS = 20;

/** The one work email a stored user has (the rule keeps at most one). */
function storedWorkEmail(user: JsonObject): string | null {
  const emails = user['emails'];
  const first = Array.isArray(emails) ? emails[0] : undefined;
  return typeof first === 'object' && first !== null && !Array.isArray(first) ? stringOrNull(first['value']) : null;
}

interface OperationNotes {
  ignoredEmails?: IgnoredEmail[];
  unassigned?: string[];
}

/**
 * What the operations log notes (pg sends the object as JSON to the `::jsonb` parameter) about an accepted write: emails the rule ignored, and `active`
 * becoming unassigned (a PATCH removed it; the account stays active, as one created without it).
 */
function notesFor(ignored: IgnoredEmail[], before?: JsonObject, after?: JsonObject): OperationNotes | null {
  const notes: OperationNotes = {};
  if (ignored.length > 0) notes.ignoredEmails = ignored;
  if (before?.['active'] !== undefined && after?.['active'] === undefined) notes.unassigned = ['active'];
  return Object.keys(notes).length > 0 ? notes : null;
}

/** A user to insert, as insertUsers' jsonb_to_recordset reads it; `ord` is its place in the batch. */
interface NewUserRow {
  ord: number;
  id: string;
  tenant_id: string;
  user_name: string;
  external_id: string | null;
  active: boolean;
  work_email: string | null;
  data: JsonObject;
  operation_id: string;
  notes: OperationNotes | null;
  request_id: string | null;
}

function newUserRow(ord: number, data: DirectoryJobData<'create-user'>, ruled: WorkEmailOutcome): NewUserRow {
  const { user, workEmail, ignored } = ruled;
  return {
    ord,
    id: randomUUID(),
    tenant_id: data.tenantId,
    user_name: user['userName'] as string,
    external_id: stringOrNull(user['externalId']),
    active: user['active'] !== false,
    work_email: workEmail,
    data: user,
    operation_id: data.operationId,
    notes: notesFor(ignored),
    request_id: data.requestId ?? null,
  };
}

function userNameTaken(userName: string): DirectoryError {
  return new DirectoryError(
    FailureReason.UserNameTaken,
    `userName "${userName}" is already taken in this tenant (userNames are compared case-insensitively). Find the existing user with filter userName eq "${userName}".`,
    { userName },
  );
}

/**
 * User writes. Each write and its operations-log row are one SQL statement (a data-modifying
 * CTE), so one atomic unit; updates are optimistic (re-read and re-apply when the version moved).
 */
export class UserWrites {
  constructor(
    private readonly dataSource: DataSource,
    private readonly tenantSettings: TenantSettingsCache,
  ) {}

  /** One create; a taken userName (the unique index, compared case-insensitively) is refused with 409. */
  async create(
    data: DirectoryJobData<'create-user'>,
    db: EntityManager = this.dataSource.manager,
  ): Promise<WriteResult> {
    const tenant = await this.tenantSettings.get(data.tenantId);
    const row = newUserRow(0, data, applyWorkEmailRule(data.user, tenant.workDomains));
    const [created] = await this.insertUsers([row], db);
    if (!created) throw userNameTaken(row.user_name);
    return created;
  }

  /**
   * The creates of one batch in one statement, so one round trip and one commit (issue 13). A create
   * that met a taken userName (in the tenant, or earlier in the batch) inserted nothing and gets
   * `undefined`: the caller applies it alone, which refuses it as create() does; so does one the
   * work-email rule refuses. Any error means nothing was written.
   */
  async createMany(
    writes: DirectoryJobData<'create-user'>[],
    db: EntityManager = this.dataSource.manager,
  ): Promise<(WriteResult | undefined)[]> {
    const rows: NewUserRow[] = [];
    for (const [ord, data] of writes.entries()) {
      const tenant = await this.tenantSettings.get(data.tenantId);
      try {
        rows.push(newUserRow(ord, data, applyWorkEmailRule(data.user, tenant.workDomains)));
      } catch (error) {
        // Refused by the rule: left out here, refused when the caller applies it alone.
        if (!(error instanceof DirectoryError)) throw error;
      }
    }
    const results = await this.insertUsers(rows, db);
    return writes.map((_data, ord) => results[ord]);
  }

  /**
   * The one INSERT of users: the rows in `ord` order with ON CONFLICT DO NOTHING (a taken userName
   * inserts nothing, which the callers turn into a refusal), and an operations-log row for each user
   * inserted, in the same statement. Results by `ord`; undefined where nothing was inserted.
   */
  private async insertUsers(rows: NewUserRow[], db: EntityManager): Promise<(WriteResult | undefined)[]> {
    const inserted: ResourceRow[] = await db.query(
      `WITH i AS (
         SELECT * FROM jsonb_to_recordset($1::jsonb) AS i(ord int, id uuid, tenant_id uuid, user_name text,
           external_id text, active boolean, work_email text, data jsonb, operation_id uuid, notes jsonb, request_id text)
       ), u AS (
         INSERT INTO users (id, tenant_id, user_name, external_id, active, work_email, data, created_at, updated_at)
         SELECT id, tenant_id, user_name, external_id, active, work_email, data, ${MILLISECOND_NOW}, ${MILLISECOND_NOW}
           FROM i ORDER BY ord
         ON CONFLICT DO NOTHING
         RETURNING id, data, version, created_at, updated_at
       ), o AS (
         ${insertOperationSql(
           {
             id: 'i.operation_id',
             tenant_id: 'i.tenant_id',
             kind: "'create-user'",
             resource_type: "'User'",
             resource_id: 'u.id',
             resource_name: 'i.user_name',
             external_id: 'i.external_id',
             outcome: "'succeeded'",
             status: '201',
             notes: 'i.notes',
             request_id: 'i.request_id',
           },
           'u JOIN i ON i.id = u.id',
         )}
       )
       SELECT * FROM u`,
      [JSON.stringify(rows)],
    );
    const byId = new Map(inserted.map((row) => [row.id, row]));
    const results: (WriteResult | undefined)[] = [];
    for (const { ord, id } of rows) {
      const row = byId.get(id);
      if (row) results[ord] = { ok: true, status: 201, resource: toStoredResource(row) };
    }
    return results;
  }

  /** PUT and PATCH: read, compute the new document, write it if nobody wrote in between. */
  async update(
    kind: 'replace-user' | 'patch-user',
    data: DirectoryJobData<'replace-user' | 'patch-user'>,
    compute: (current: JsonObject) => JsonObject,
    db: EntityManager = this.dataSource.manager,
  ): Promise<WriteResult> {
    for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
      const current = await this.load(db, data.tenantId, data.userId);
      assertIfMatch(data.ifMatch, current.version, 'user');
      const next = compute(current.data);
      const tenant = await this.tenantSettings.get(data.tenantId);
      const { user, workEmail, ignored } = applyWorkEmailRule(next, tenant.workDomains, {
        alreadyAccepted: storedWorkEmail(current.data),
      });
      const userName = user['userName'] as string;
      try {
        const rows: ResourceRow[] = await db.query(
          `WITH u AS (
             UPDATE users SET user_name = $3, external_id = $4, active = $5, work_email = $6, data = $7::jsonb,
                    version = version + 1, updated_at = ${MILLISECOND_NOW}
              WHERE tenant_id = $2 AND id = $1 AND version = $8
             RETURNING id, data, version, created_at, updated_at
           ), o AS (
             ${insertOperationSql(
               {
                 id: '$9',
                 tenant_id: '$2',
                 kind: '$10',
                 resource_type: "'User'",
                 resource_id: 'u.id',
                 resource_name: '$3',
                 external_id: '$4',
                 outcome: "'succeeded'",
                 status: '200',
                 notes: '$11::jsonb',
                 request_id: '$12',
               },
               'u',
             )}
           )
           SELECT * FROM u`,
          [
            current.id,
            data.tenantId,
            userName,
            stringOrNull(user['externalId']),
            user['active'] !== false,
            workEmail,
            JSON.stringify(user),
            current.version,
            data.operationId,
            kind,
            notesFor(ignored, current.data, user),
            data.requestId ?? null,
          ],
        );
        if (rows[0]) return { ok: true, status: 200, resource: toStoredResource(rows[0]) };
      } catch (error) {
        throw this.translateUniqueViolation(error, userName);
      }
      // Someone else wrote this user between our read and our write: apply again on the new version.
    }
    throw new Error(`User ${data.userId} kept changing during ${MAX_UPDATE_ATTEMPTS} attempts to update it`);
  }

  async delete(
    data: DirectoryJobData<'delete-user'>,
    db: EntityManager = this.dataSource.manager,
  ): Promise<WriteResult> {
    // With If-Match, the delete only happens at the version that was checked.
    let checkedVersion: number | null = null;
    if (data.ifMatch !== undefined) {
      const current = await this.load(db, data.tenantId, data.userId);
      assertIfMatch(data.ifMatch, current.version, 'user');
      checkedVersion = current.version;
    }
    const rows: { id: string }[] = isResourceId(data.userId)
      ? await db.query(
          `WITH d AS (
           DELETE FROM users WHERE tenant_id = $2 AND id = $1 AND ($4::integer IS NULL OR version = $4)
           RETURNING id, user_name, external_id
         ), o AS (
           ${insertOperationSql(
             {
               id: '$3',
               tenant_id: '$2',
               kind: "'delete-user'",
               resource_type: "'User'",
               resource_id: 'd.id',
               resource_name: 'd.user_name',
               external_id: 'd.external_id',
               outcome: "'succeeded'",
               status: '204',
               request_id: '$5',
             },
             'd',
           )}
         )
         SELECT id FROM d`,
          [data.userId, data.tenantId, data.operationId, checkedVersion, data.requestId ?? null],
        )
      : [];
    if (rows.length === 0) {
      // Changed since the check (a concurrent write): load() throws 404 if it is gone, else 412.
      if (checkedVersion !== null)
        assertIfMatch(data.ifMatch, (await this.load(db, data.tenantId, data.userId)).version, 'user');
      throw this.userNotFound(data.userId);
    }
    return { ok: true, status: 204 };
  }

  private async load(db: EntityManager, tenantId: string, userId: string): Promise<StoredResource> {
    const rows: ResourceRow[] = isResourceId(userId)
      ? await db.query(`SELECT id, data, version, created_at, updated_at FROM users WHERE tenant_id = $1 AND id = $2`, [
          tenantId,
          userId,
        ])
      : [];
    if (!rows[0]) throw this.userNotFound(userId);
    return toStoredResource(rows[0]);
  }

  private userNotFound(userId: string): DirectoryError {
    return new DirectoryError(FailureReason.NotFound, `No user with id "${userId}" in this tenant.`);
  }

  private translateUniqueViolation(error: unknown, userName: string): unknown {
    return violatedUniqueConstraint(error) === USER_NAME_INDEX ? userNameTaken(userName) : error;
  }
}
