import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import {
  GROUP_RESOURCE_TYPE,
  applyPatch,
  parseGroup,
  planGroupPatch,
  validateGroupDocument,
  type Filter,
  type JsonObject,
  type MemberRef,
  type MemberType,
} from '@scim/scim';
import type { DirectoryJobData, WriteResult } from '@scim/queue';
import { DirectoryError, assertNever, violatedForeignKey, violatedUniqueConstraint } from '../directory-error';
import { FailureReason } from '@scim/queue';
import { elementFilterToSql } from '../filter/filter-sql';
import { SqlParams } from '../filter/sql-params';
import { MEMBER_SCALARS } from './group.sql-columns';
import { isResourceId } from '../resource-id';
import { MILLISECOND_NOW, stringOrNull, toStoredResource, type ResourceRow } from '../resources/resource-row';
import { insertOperationSql } from '../operations/operation-row.sql';
import { assertIfMatch } from '../resources/if-match';

const DISPLAY_NAME_INDEX = 'groups_tenant_display_name_key';
const MEMBER_FOREIGN_KEYS = ['group_members_user_fkey', 'group_members_member_group_fkey'];
/**
 * After this many membership rows inserted by this process, group_members is re-analysed: an
 * initial sync can grow a group from nothing to 100,000 members within seconds, long before
 * autovacuum refreshes the statistics, and stale statistics make the planner scan the whole
 * group where an index lookup per named member is right.
 */
const ANALYZE_AFTER_INSERTED_MEMBERS = 20000;
/** How many unknown member ids an error message lists before "and N more". */
const LISTED_IDS = 20;

interface ResolvedMember {
  id: string;
  type: MemberType;
}

function describeIds(ids: string[]): string {
  const listed = ids.slice(0, LISTED_IDS).join(', ');
  return ids.length > LISTED_IDS ? `${listed} and ${ids.length - LISTED_IDS} more` : listed;
}

/**
 * Group writes. Membership lives one row per member in group_members and is changed with set
 * operations whose cost follows the number of members named, not the size of the group. Each
 * write runs in one transaction that first locks the group row, so concurrent PATCHes of one
 * group apply one after the other and none is lost.
 */
export class GroupWrites {
  private insertedSinceAnalyze = 0;

  constructor(private readonly dataSource: DataSource) {}

  async create(
    data: DirectoryJobData<'create-group'>,
    db: EntityManager = this.dataSource.manager,
  ): Promise<WriteResult> {
    const { group } = parseGroup({ ...data.group, members: data.members });
    return this.transaction(
      db,
      async (manager) => {
        const id = randomUUID();
        const members = await this.resolveMembers(manager, data.tenantId, id, data.members);
        const rows: ResourceRow[] = await manager.query(
          `WITH g AS (
           INSERT INTO groups (id, tenant_id, display_name, external_id, data, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5::jsonb, ${MILLISECOND_NOW}, ${MILLISECOND_NOW})
           RETURNING id, data, version, created_at, updated_at
         ), o AS (
           ${insertOperationSql(
             {
               id: '$6',
               tenant_id: '$2',
               kind: "'create-group'",
               resource_type: "'Group'",
               resource_id: 'g.id',
               resource_name: '$3',
               external_id: '$4',
               outcome: "'succeeded'",
               status: '201',
               notes: '$7::jsonb',
               request_id: '$8',
             },
             'g',
           )}
         )
         SELECT * FROM g`,
          [
            id,
            data.tenantId,
            group['displayName'],
            stringOrNull(group['externalId']),
            JSON.stringify(group),
            data.operationId,
            this.notes(members.length),
            data.requestId ?? null,
          ],
        );
        await this.insertMembers(manager, data.tenantId, id, members);
        return { ok: true, status: 201, resource: toStoredResource(rows[0]!) };
      },
      stringOrNull(group['displayName']),
    );
  }

  async replace(
    data: DirectoryJobData<'replace-group'>,
    db: EntityManager = this.dataSource.manager,
  ): Promise<WriteResult> {
    const { group } = parseGroup({ ...data.group, members: data.members });
    return this.transaction(
      db,
      async (manager) => {
        const current = await this.lock(manager, data.tenantId, data.groupId);
        assertIfMatch(data.ifMatch, current.version, 'group');
        const members = await this.resolveMembers(manager, data.tenantId, current.id, data.members);
        await manager.query(`DELETE FROM group_members WHERE group_id = $1`, [current.id]);
        await this.insertMembers(manager, data.tenantId, current.id, members);
        return this.writeDocument(manager, data, 'replace-group', current.id, group);
      },
      stringOrNull(group['displayName']),
    );
  }

  async patch(
    data: DirectoryJobData<'patch-group'>,
    db: EntityManager = this.dataSource.manager,
  ): Promise<WriteResult> {
    const steps = planGroupPatch(data.operations);
    return this.transaction(
      db,
      async (manager) => {
        const current = await this.lock(manager, data.tenantId, data.groupId);
        assertIfMatch(data.ifMatch, current.version, 'group');
        let document = current.data;
        for (const step of steps) {
          switch (step.kind) {
            case 'document':
              document = applyPatch(document, step.operations, GROUP_RESOURCE_TYPE);
              break;
            case 'add-members':
              await this.insertMembers(
                manager,
                data.tenantId,
                current.id,
                await this.resolveMembers(manager, data.tenantId, current.id, step.members),
              );
              break;
            case 'remove-members':
              await this.removeMembers(manager, current.id, step.values);
              break;
            case 'remove-all-members':
              await manager.query(`DELETE FROM group_members WHERE group_id = $1`, [current.id]);
              break;
            case 'remove-matching-members':
              await this.removeMatchingMembers(manager, current.id, step.filter);
              break;
            case 'replace-members': {
              const members = await this.resolveMembers(manager, data.tenantId, current.id, step.members);
              await manager.query(`DELETE FROM group_members WHERE group_id = $1`, [current.id]);
              await this.insertMembers(manager, data.tenantId, current.id, members);
              break;
            }
            default:
              assertNever(step);
          }
        }
        return this.writeDocument(manager, data, 'patch-group', current.id, validateGroupDocument(document));
      },
      null,
    );
  }

  async delete(
    data: DirectoryJobData<'delete-group'>,
    db: EntityManager = this.dataSource.manager,
  ): Promise<WriteResult> {
    return this.transaction(
      db,
      async (manager) => {
        // The lock makes the If-Match check and the delete one step.
        const current = await this.lock(manager, data.tenantId, data.groupId);
        assertIfMatch(data.ifMatch, current.version, 'group');
        // Memberships of and in this group go with it (ON DELETE CASCADE); users stay.
        await manager.query(
          `WITH d AS (
           DELETE FROM groups WHERE tenant_id = $2 AND id = $1 RETURNING id, display_name, external_id
         )
         ${insertOperationSql(
           {
             id: '$3',
             tenant_id: '$2',
             kind: "'delete-group'",
             resource_type: "'Group'",
             resource_id: 'd.id',
             resource_name: 'd.display_name',
             external_id: 'd.external_id',
             outcome: "'succeeded'",
             status: '204',
             request_id: '$4',
           },
           'd',
         )}`,
          [current.id, data.tenantId, data.operationId, data.requestId ?? null],
        );
        return { ok: true, status: 204 };
      },
      null,
    );
  }

  /** Its own transaction, or a savepoint within the caller's (a batch of writes). */
  private async transaction(
    db: EntityManager,
    work: (manager: EntityManager) => Promise<WriteResult>,
    displayName: string | null,
  ): Promise<WriteResult> {
    let result: WriteResult;
    try {
      result = await db.transaction(work);
    } catch (error) {
      throw this.translateConstraintViolation(error, displayName);
    }
    if (this.insertedSinceAnalyze >= ANALYZE_AFTER_INSERTED_MEMBERS) {
      this.insertedSinceAnalyze = 0;
      void this.dataSource.query('ANALYZE group_members').catch(() => undefined);
    }
    return result;
  }

  /** Reads the group and locks its row until the transaction ends (writers of one group queue up). */
  private async lock(
    manager: EntityManager,
    tenantId: string,
    groupId: string,
  ): Promise<{ id: string; data: JsonObject; version: number }> {
    const rows: { id: string; data: JsonObject; version: number }[] = isResourceId(groupId)
      ? await manager.query(`SELECT id, data, version FROM groups WHERE tenant_id = $1 AND id = $2 FOR NO KEY UPDATE`, [
          tenantId,
          groupId,
        ])
      : [];
    if (!rows[0]) throw this.notFound(groupId);
    return rows[0];
  }

  private async writeDocument(
    manager: EntityManager,
    data: { tenantId: string; operationId: string; requestId?: string },
    kind: 'replace-group' | 'patch-group',
    groupId: string,
    group: JsonObject,
  ): Promise<WriteResult> {
    const rows: ResourceRow[] = await manager.query(
      `WITH g AS (
         UPDATE groups SET display_name = $3, external_id = $4, data = $5::jsonb, version = version + 1, updated_at = ${MILLISECOND_NOW}
          WHERE tenant_id = $2 AND id = $1
         RETURNING id, data, version, created_at, updated_at
       ), o AS (
         ${insertOperationSql(
           {
             id: '$6',
             tenant_id: '$2',
             kind: '$7',
             resource_type: "'Group'",
             resource_id: 'g.id',
             resource_name: '$3',
             external_id: '$4',
             outcome: "'succeeded'",
             status: '200',
             request_id: '$8',
           },
           'g',
         )}
       )
       SELECT * FROM g`,
      [
        groupId,
        data.tenantId,
        group['displayName'],
        stringOrNull(group['externalId']),
        JSON.stringify(group),
        data.operationId,
        kind,
        data.requestId ?? null,
      ],
    );
    return { ok: true, status: 200, resource: toStoredResource(rows[0]!) };
  }

  /**
   * Checks that every named member is a user or group of this tenant (one query for any number of
   * ids) and learns its type. Unknown ids refuse the whole write, naming them.
   */
  private async resolveMembers(
    manager: EntityManager,
    tenantId: string,
    groupId: string,
    refs: MemberRef[],
  ): Promise<ResolvedMember[]> {
    const wanted = [...new Set(refs.map((ref) => ref.value.toLowerCase()))];
    if (wanted.length === 0) return [];
    if (wanted.includes(groupId)) {
      throw new DirectoryError(FailureReason.InvalidMembers, `A group cannot be a member of itself (${groupId}).`);
    }
    const ids = wanted.filter(isResourceId);
    const found: ResolvedMember[] =
      ids.length === 0
        ? []
        : await manager.query(
            `SELECT id, 'User' AS type FROM users WHERE tenant_id = $1 AND id = ANY($2::uuid[])
       UNION ALL
       SELECT id, 'Group' AS type FROM groups WHERE tenant_id = $1 AND id = ANY($2::uuid[])`,
            [tenantId, ids],
          );
    if (found.length < wanted.length) {
      const known = new Set(found.map((m) => m.id));
      const unknown = wanted.filter((id) => !known.has(id));
      throw new DirectoryError(
        FailureReason.InvalidMembers,
        `These members are not users or groups of this tenant: ${describeIds(unknown)}. Nothing of this request was applied; provision them first or remove them from the request.`,
        { ids: unknown.slice(0, LISTED_IDS), count: unknown.length },
      );
    }
    return found;
  }

  private async insertMembers(
    manager: EntityManager,
    tenantId: string,
    groupId: string,
    members: ResolvedMember[],
  ): Promise<void> {
    if (members.length === 0) return;
    this.insertedSinceAnalyze += members.length;
    // A present member is not an error: ON CONFLICT DO NOTHING (Entra re-sends adds it cannot see).
    await manager.query(
      `INSERT INTO group_members (tenant_id, group_id, user_id, member_group_id)
       SELECT $1, $2, m.user_id, m.group_id FROM unnest($3::uuid[], $4::uuid[]) AS m(user_id, group_id)
       ON CONFLICT (group_id, member_id) DO NOTHING`,
      [
        tenantId,
        groupId,
        members.map((m) => (m.type === 'User' ? m.id : null)),
        members.map((m) => (m.type === 'Group' ? m.id : null)),
      ],
    );
  }

  /** Removes exactly the named members; naming an absent member is not an error. */
  private async removeMembers(manager: EntityManager, groupId: string, values: string[]): Promise<void> {
    const ids = values.filter(isResourceId);
    if (ids.length === 0) return;
    await manager.query(`DELETE FROM group_members WHERE group_id = $1 AND member_id = ANY($2::uuid[])`, [
      groupId,
      ids,
    ]);
  }

  private async removeMatchingMembers(manager: EntityManager, groupId: string, filter: Filter): Promise<void> {
    const params = new SqlParams();
    const group = params.add(groupId);
    const condition = elementFilterToSql(filter, MEMBER_SCALARS, 'members', params);
    await manager.query(`DELETE FROM group_members gm WHERE gm.group_id = ${group} AND ${condition}`, params.values);
  }

  private notes(memberCount: number): string | null {
    return memberCount > 0 ? JSON.stringify({ members: memberCount }) : null;
  }

  private notFound(groupId: string): DirectoryError {
    return new DirectoryError(FailureReason.NotFound, `No group with id "${groupId}" in this tenant.`);
  }

  private translateConstraintViolation(error: unknown, displayName: string | null): unknown {
    const constraint = violatedUniqueConstraint(error);
    if (constraint === DISPLAY_NAME_INDEX) {
      const name = displayName === null ? 'This displayName' : `displayName "${displayName}"`;
      return new DirectoryError(
        FailureReason.DisplayNameTaken,
        `${name} is already taken by another group in this tenant (compared case-insensitively).${displayName === null ? '' : ` Find it with filter displayName eq "${displayName}".`}`,
        displayName === null ? undefined : { displayName },
      );
    }
    const foreignKey = violatedForeignKey(error);
    if (foreignKey !== undefined && MEMBER_FOREIGN_KEYS.includes(foreignKey)) {
      // A member was deleted between the check and the insert.
      return new DirectoryError(
        FailureReason.InvalidMembers,
        'A member was deleted while it was being added; nothing of this request was applied. Retry it.',
      );
    }
    return error;
  }
}
