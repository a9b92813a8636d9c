import type { PoolClient } from 'pg';
import Cursor from 'pg-cursor';
import type { DataSource } from 'typeorm';
import type { ListQuery, MemberRow, StoredResource } from '@scim/scim';
import { GROUP_SQL_MAPPING } from './group.mapping';
import { listResources, type ResourcePage } from './resource-listing';
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

  list(tenantId: string, query: Pick<ListQuery, 'filter' | 'startIndex' | 'count'> & Partial<Pick<ListQuery, 'sortBy' | 'sortOrder'>>): Promise<ResourcePage> {
    return listResources(this.dataSource, { table: 'groups', alias: 'g', mapping: GROUP_SQL_MAPPING, toResource: toStoredResource }, tenantId, query);
  }

  /**
   * The group's members page by page, with the display name each is rendered with. One query is
   * read through a cursor (pg-cursor), `pageSize` rows at a time, so a 100,000-member group is never
   * held in memory at once, and its plan does not depend on fresh table statistics.
   */
  async *members(tenantId: string, groupId: string, pageSize = MEMBER_PAGE_SIZE): AsyncGenerator<MemberRow[]> {
    if (!isResourceId(groupId)) return;
    const runner = this.dataSource.createQueryRunner();
    const client = (await runner.connect()) as PoolClient;
    const cursor = client.query(
      new Cursor<MemberRow>(
        `SELECT gm.member_id AS id, gm.member_type AS type, COALESCE(u.data ->> 'displayName', u.user_name, g.display_name) AS display
           FROM group_members gm
           LEFT JOIN users u ON u.id = gm.user_id
           LEFT JOIN groups g ON g.id = gm.member_group_id
          WHERE gm.group_id = $1 AND gm.tenant_id = $2
          ORDER BY gm.member_id`,
        [groupId, tenantId],
      ),
    );
    try {
      for (;;) {
        const rows = await cursor.read(pageSize);
        if (rows.length > 0) yield rows;
        if (rows.length < pageSize) return;
      }
    } finally {
      // Also when the consumer stops early (client went away): close the portal, free the connection.
      await cursor.close().catch(() => undefined);
      await runner.release();
    }
  }
}
