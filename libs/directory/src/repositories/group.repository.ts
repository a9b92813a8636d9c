import type { DataSource } from 'typeorm';
import type { ListQuery, MemberRow, StoredResource } from '@scim/scim';
import { GROUP_SQL_MAPPING } from './group.mapping';
import { listResources, plainResource, type ResourcePage } from './resource-listing';
import { isResourceId, toStoredResource, type ResourceRow } from './resource-row';

/** Members are read in pages of this many rows, so that a 100,000-member group is never held at once. */
export const MEMBER_PAGE_SIZE = 5000;

/** Reads of groups and their members, always scoped to one tenant. Writes go through DirectoryWriter. */
export class GroupRepository {
  constructor(private readonly dataSource: DataSource) {}

  async findById(tenantId: string, id: string): Promise<StoredResource | undefined> {
    if (!isResourceId(id)) return undefined;
    const rows: ResourceRow[] = await this.dataSource.query(
      `SELECT id, data, version, created_at, updated_at FROM groups WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id],
    );
    return rows[0] ? toStoredResource(rows[0]) : undefined;
  }

  list(tenantId: string, query: Pick<ListQuery, 'filter' | 'startIndex' | 'count'>): Promise<ResourcePage> {
    return listResources(this.dataSource, { table: 'groups', alias: 'g', mapping: GROUP_SQL_MAPPING, toResource: plainResource }, tenantId, query);
  }

  /**
   * The group's members page by page (keyset on the primary key, so each page costs the same
   * however large the group), with the display name each is rendered with.
   */
  async *members(tenantId: string, groupId: string, pageSize = MEMBER_PAGE_SIZE): AsyncGenerator<MemberRow[]> {
    if (!isResourceId(groupId)) return;
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const rows: MemberRow[] = await this.dataSource.query(
        `SELECT gm.member_id AS id, gm.member_type AS type, COALESCE(u.data ->> 'displayName', u.user_name, g.display_name) AS display
           FROM group_members gm
           LEFT JOIN users u ON u.id = gm.user_id
           LEFT JOIN groups g ON g.id = gm.member_group_id
          WHERE gm.tenant_id = $4 AND gm.group_id = $1 AND gm.member_id > $2
          ORDER BY gm.member_id LIMIT $3`,
        [groupId, after, pageSize, tenantId],
      );
      if (rows.length > 0) yield rows;
      if (rows.length < pageSize) return;
      after = rows[rows.length - 1]!.id;
    }
  }
}
