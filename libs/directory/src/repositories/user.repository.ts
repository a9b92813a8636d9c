import type { DataSource } from 'typeorm';
import type { GroupMembership, ListQuery, StoredUser } from '@scim/scim';
import { listResources, type ListingSource, type ResourcePage } from './resource-listing';
import { isResourceId, toStoredResource, type ResourceRow } from './resource-row';
import { USER_SQL_MAPPING } from './user.mapping';

export interface UserReadOptions {
  /** Load the user's `groups` (one subquery in the same statement); off when the projection leaves them out. */
  withGroups?: boolean;
}

/** The user's direct groups as one jsonb array, computed in the same query as the user. */
const GROUPS_COLUMN = `(SELECT COALESCE(jsonb_agg(jsonb_build_object('value', g.id, 'display', g.display_name) ORDER BY g.display_name, g.id), '[]'::jsonb)
    FROM group_members gm JOIN groups g ON g.id = gm.group_id WHERE gm.user_id = u.id) AS groups`;

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
  constructor(private readonly dataSource: DataSource) {}

  async findById(tenantId: string, id: string, options: UserReadOptions = {}): Promise<StoredUser | undefined> {
    if (!isResourceId(id)) return undefined;
    const from = source(options);
    const rows: (ResourceRow & Record<string, unknown>)[] = await this.dataSource.query(
      `SELECT u.id, u.data, u.version, u.created_at, u.updated_at${options.withGroups ? `, ${GROUPS_COLUMN}` : ''} FROM users u WHERE u.tenant_id = $1 AND u.id = $2`,
      [tenantId, id],
    );
    return rows[0] ? from.toResource(rows[0]) : undefined;
  }

  /** A page of users matching the filter, in creation order (stable across pages). */
  list(tenantId: string, query: Pick<ListQuery, 'filter' | 'startIndex' | 'count'> & Partial<Pick<ListQuery, 'sortBy' | 'sortOrder'>>, options: UserReadOptions = {}): Promise<ResourcePage<StoredUser>> {
    return listResources(this.dataSource, source(options), tenantId, query);
  }
}
