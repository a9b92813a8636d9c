const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are UUIDs; anything else cannot name a resource (and must not reach a uuid cast). */
export function isResourceId(id: string): boolean {
  return UUID.test(id);
}
