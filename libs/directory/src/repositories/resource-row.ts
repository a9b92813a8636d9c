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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are UUIDs; anything else cannot name a resource (and must not reach a uuid cast). */
export function isResourceId(id: string): boolean {
  return UUID.test(id);
}
