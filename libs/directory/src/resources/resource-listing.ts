import type { ListQuery, StoredResource } from '@scim/scim';
import type { SqlRows } from '../database/sql-rows';
import { filterToSql, sortExpression, type SqlResourceMapping } from '../filter/filter-sql';
import { SqlParams } from '../filter/sql-params';
import type { ResourceRow } from './resource-row';

export interface ResourcePage<T extends StoredResource = StoredResource> {
  totalResults: number;
  resources: T[];
}

export interface ListingSource<T extends StoredResource> {
  table: 'users' | 'groups';
  /** The alias the mapping's SQL uses (`u`, `g`). */
  alias: string;
  mapping: SqlResourceMapping;
  /** Extra selected columns (`expr AS name`), read back by `toResource`. */
  extraColumns?: string[];
  toResource(row: ResourceRow & Record<string, unknown>): T;
}

/**
 * One page of a tenant's resources matching a filter, in creation order (stable across pages),
 * with the total in the same query (a window count) unless the page is past the end.
 */
export async function listResources<T extends StoredResource>(
  rows: SqlRows,
  source: ListingSource<T>,
  tenantId: string,
  query: Pick<ListQuery, 'filter' | 'startIndex' | 'count'> & Partial<Pick<ListQuery, 'sortBy' | 'sortOrder'>>,
): Promise<ResourcePage<T>> {
  const a = source.alias;
  const params = new SqlParams();
  const where = [`${a}.tenant_id = ${params.add(tenantId)}`];
  if (query.filter) where.push(filterToSql(query.filter, source.mapping, params));
  const condition = where.join(' AND ');
  const filterValues = [...params.values];
  const count = async (): Promise<number> => {
    const counted = await rows<{ total: string }>(
      `SELECT count(*) AS total FROM ${source.table} ${a} WHERE ${condition}`,
      filterValues,
    );
    return Number(counted[0]?.total ?? 0);
  };
  if (query.count === 0) return { totalResults: await count(), resources: [] };
  // Sorted by the attribute asked for (nulls last when ascending), then in creation order.
  const sortBy = query.sortBy && sortExpression(query.sortBy, source.mapping, params);
  const order = sortBy
    ? `${sortBy} ${query.sortOrder === 'descending' ? 'DESC NULLS LAST' : 'ASC NULLS LAST'}, ${a}.seq`
    : `${a}.seq`;
  const limit = params.add(query.count);
  // startIndex is 1-based; beyond any real table size the page is simply empty.
  const offset = params.add(Math.min(query.startIndex - 1, Number.MAX_SAFE_INTEGER));
  const columns = [
    `${a}.id`,
    `${a}.data`,
    `${a}.version`,
    `${a}.created_at`,
    `${a}.updated_at`,
    ...(source.extraColumns ?? []),
    'count(*) OVER () AS total',
  ];
  const page = await rows<ResourceRow & Record<string, unknown> & { total: string }>(
    `SELECT ${columns.join(', ')} FROM ${source.table} ${a} WHERE ${condition} ORDER BY ${order} LIMIT ${limit} OFFSET ${offset}`,
    params.values,
  );
  if (page.length > 0)
    return { totalResults: Number(page[0]!.total), resources: page.map((row) => source.toResource(row)) };
  // Past the last page the window count is not there: count separately.
  return { totalResults: query.startIndex > 1 ? await count() : 0, resources: [] };
}
