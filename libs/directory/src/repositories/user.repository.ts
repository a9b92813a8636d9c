import type { DataSource } from 'typeorm';
import type { ListQuery, StoredResource } from '@scim/scim';
import { filterToSql } from '../filter/filter-sql';
import { SqlParams } from '../filter/sql-params';
import { RESOURCE_COLUMNS, isResourceId, toStoredResource, type ResourceRow } from './resource-row';
import { USER_SQL_MAPPING } from './user.mapping';

export interface ResourcePage {
  totalResults: number;
  resources: StoredResource[];
}

/** Reads of users, always scoped to one tenant. Writes go through DirectoryWriter. */
export class UserRepository {
  constructor(private readonly dataSource: DataSource) {}

  async findById(tenantId: string, id: string): Promise<StoredResource | undefined> {
    if (!isResourceId(id)) return undefined;
    const rows: ResourceRow[] = await this.dataSource.query(
      `SELECT ${RESOURCE_COLUMNS} FROM users WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id],
    );
    return rows[0] ? toStoredResource(rows[0]) : undefined;
  }

  /** A page of users matching the filter, in creation order (stable across pages). */
  async list(tenantId: string, query: Pick<ListQuery, 'filter' | 'startIndex' | 'count'>): Promise<ResourcePage> {
    const params = new SqlParams();
    const where = [`u.tenant_id = ${params.add(tenantId)}`];
    if (query.filter) where.push(filterToSql(query.filter, USER_SQL_MAPPING, params));
    const condition = where.join(' AND ');
    const filterValues = [...params.values];
    if (query.count === 0) return { totalResults: await this.count(condition, filterValues), resources: [] };
    const limit = params.add(query.count);
    // startIndex is 1-based; beyond any real table size the page is simply empty.
    const offset = params.add(Math.min(query.startIndex - 1, Number.MAX_SAFE_INTEGER));
    const rows: (ResourceRow & { total: string })[] = await this.dataSource.query(
      `SELECT u.id, u.data, u.version, u.created_at, u.updated_at, count(*) OVER () AS total
         FROM users u WHERE ${condition}
        ORDER BY u.seq LIMIT ${limit} OFFSET ${offset}`,
      params.values,
    );
    if (rows.length > 0) return { totalResults: Number(rows[0]!.total), resources: rows.map(toStoredResource) };
    // Past the last page the window count is not there: count separately.
    return { totalResults: query.startIndex > 1 ? await this.count(condition, filterValues) : 0, resources: [] };
  }

  private async count(condition: string, values: unknown[]): Promise<number> {
    const rows: { total: string }[] = await this.dataSource.query(`SELECT count(*) AS total FROM users u WHERE ${condition}`, values);
    return Number(rows[0]?.total ?? 0);
  }
}
