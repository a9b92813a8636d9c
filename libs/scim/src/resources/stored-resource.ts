import type { JsonObject } from '../json';

/** A resource as the directory hands it out: the stored document plus server-owned fields. */
export interface StoredResource {
  id: string;
  /** Canonical document (see normalizeResource); never contains id or meta. */
  data: JsonObject;
  /** Incremented on every write; rendered as the weak ETag `W/"<version>"`. */
  version: number;
  created: string;
  lastModified: string;
}

export function etag(version: number): string {
  return `W/"${version}"`;
}

/** Whether an If-Match / If-None-Match header (RFC 7232) names this version: `*`, or one of its ETags, weak or not. */
export function etagMatches(header: string | undefined, version: number): boolean {
  if (header === undefined) return false;
  const current = etag(version);
  return header
    .split(',')
    .map((t) => t.trim())
    .some((t) => t === '*' || t === current || `W/${t}` === current);
}

/** A user's direct group, as the read-only `groups` attribute shows it. */
export interface GroupMembership {
  value: string;
  display: string;
}

export interface StoredUser extends StoredResource {
  /** Loaded only when the read wants them. */
  groups?: GroupMembership[];
}
