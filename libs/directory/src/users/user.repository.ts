import type { DataSource } from 'typeorm';
import type { GroupMembership, ListQuery, StoredUser } from '@scim/scim';
import { readRows, type SqlRows } from '../database/sql-rows';
import { listResources, type ListingSource, type ResourcePage } from '../resources/resource-listing';
import { isResourceId } from '../resource-id';
import { toStoredResource, type ResourceRow } from '../resources/resource-row';
import { USER_SQL_MAPPING } from './user.sql-columns';

export interface UserReadOptions {
  /** Load the users' `groups` (in the same query); off when the projection leaves them out. */
  withGroups?: boolean;
}

/** scim_user_groups() is a PL/pgSQL function (see the groups migration): its plan is cached. */
const GROUPS_COLUMN = 'scim_user_groups(u.id) AS groups';

function source(options: UserReadOptions): ListingSource<StoredUser> {
  return {
    table: 'users',
    alias: 'u',
    mapping: USER_SQL_MAPPING,
    extraColumns: options.withGroups ? [GROUPS_COLUMN] : [],
    toResource: (row) => {
      const user: StoredUser = toStoredResource(row);
      if (options.withGroups) user.groups = (row['groups'] as GroupMembership[] | undefined) ?? [];
      return user;
    },
  };
}

/** Reads of users, always scoped to one tenant. Writes go through DirectoryWriter. */
export class UserRepository {
  private readonly rows: SqlRows;

  /** A DataSource's reads go straight to its pool (readRows); SqlRows: another database's (a replica). */
  constructor(source: DataSource | SqlRows) {
    this.rows = typeof source === 'function' ? source : readRows(source);
  }

  async findById(tenantId: string, id: string, options: UserReadOptions = {}): Promise<StoredUser | undefined> {
    if (!isResourceId(id)) return undefined;
    const rows = await this.rows<ResourceRow & Record<string, unknown>>(
      `SELECT u.id, u.data, u.version, u.created_at, u.updated_at${options.withGroups ? `, ${GROUPS_COLUMN}` : ''} FROM users u WHERE u.tenant_id = $1 AND u.id = $2`,
      [tenantId, id],
    );
    return rows[0] ? source(options).toResource(rows[0]) : undefined;
  }

  /** The user's direct groups (for write answers, which come from the worker without them). */
  async groupsOf(userId: string): Promise<GroupMembership[]> {
    if (!isResourceId(userId)) return [];
    const rows = await this.rows<{ groups: GroupMembership[] }>(`SELECT scim_user_groups($1) AS groups`, [userId]);
    return rows[0]?.groups ?? [];
  }

  /** A page of users matching the filter, in creation order (stable across pages) or as sorted. */
  list(
    tenantId: string,
    query: Pick<ListQuery, 'filter' | 'startIndex' | 'count'> & Partial<Pick<ListQuery, 'sortBy' | 'sortOrder'>>,
    options: UserReadOptions = {},
  ): Promise<ResourcePage<StoredUser>> {
    return listResources(this.rows, source(options), tenantId, query);
  }
}
