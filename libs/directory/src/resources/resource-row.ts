import type { JsonObject, StoredResource } from '@scim/scim';

/** The columns every resource query selects, in the shape Postgres returns them. */
export interface ResourceRow {
  id: string;
  data: JsonObject;
  version: number;
  created_at: Date;
  updated_at: Date;
}

export const RESOURCE_COLUMNS = 'id, data, version, created_at, updated_at';

export function toStoredResource(row: ResourceRow): StoredResource {
  return {
    id: row.id,
    data: row.data,
    version: row.version,
    created: row.created_at.toISOString(),
    lastModified: row.updated_at.toISOString(),
  };
}

/**
 * Timestamps are kept to the millisecond, the precision of meta.created/lastModified, so that a
 * filter with a value the server returned (`meta.lastModified gt "…"`) means what it says.
 */
export const MILLISECOND_NOW = "date_trunc('milliseconds', now())";

export function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}
