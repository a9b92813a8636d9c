import { ScimError } from '../errors/scim-error';
import { isJsonObject, type JsonObject, type JsonValue } from '../json';
import { GROUP_RESOURCE_TYPE } from '../schema/resource-type';
import { GROUP_SCHEMA } from '../schema/urns';
import { normalizeResource } from './resource-normalizer';
import { etag, type StoredResource } from './stored-resource';

export type MemberType = 'User' | 'Group';

/** A member as a client names it: an id, and optionally whether it is a User or a Group. */
export interface MemberRef {
  value: string;
  type?: MemberType;
}

/** A member as stored, with the display name it is rendered with. */
export interface MemberRow {
  id: string;
  type: MemberType;
  display: string | null;
}

export interface GroupInput {
  /** The canonical group document without members (displayName, externalId). */
  group: JsonObject;
  members: MemberRef[];
}

/** Reads a `members` value: an array of `{ value, type? }` (Entra adds `$ref: null`), or one such object. */
export function parseMemberRefs(value: JsonValue | undefined, label = 'members'): MemberRef[] {
  if (value === undefined || value === null) return [];
  const items = Array.isArray(value) ? value : [value];
  return items.map((item, index) => {
    const where = `${label}[${index}]`;
    const raw = isJsonObject(item) ? (item['value'] ?? item['Value']) : item;
    if (typeof raw !== 'string' || raw.trim() === '') {
      throw ScimError.badRequest('invalidValue', `${where} must name a member by its id in "value".`);
    }
    const ref: MemberRef = { value: raw.trim() };
    const type = isJsonObject(item) ? (item['type'] ?? item['Type']) : undefined;
    if (type !== undefined && type !== null) {
      const canonical =
        typeof type === 'string'
          ? (['User', 'Group'] as const).find((t) => t.toLowerCase() === type.toLowerCase())
          : undefined;
      if (!canonical)
        throw ScimError.badRequest(
          'invalidValue',
          `${where}.type must be "User" or "Group", got ${JSON.stringify(type)}.`,
        );
      ref.type = canonical;
    }
    return ref;
  });
}

/** Validates a Group body (POST/PUT): displayName required; members read separately. */
export function parseGroup(body: unknown): GroupInput {
  const normalized = normalizeResource(body, GROUP_RESOURCE_TYPE);
  const members = parseMemberRefs(isJsonObject(body) ? findKey(body, 'members') : undefined);
  const { members: _ignored, ...group } = normalized;
  const displayName = group['displayName'];
  if (typeof displayName !== 'string' || displayName.trim() === '') {
    throw ScimError.badRequest('invalidValue', 'displayName is required and must be a non-empty string.');
  }
  if (displayName.length > 256) {
    throw ScimError.badRequest(
      'invalidValue',
      `displayName is ${displayName.length} characters long; at most 256 are allowed.`,
    );
  }
  return { group, members };
}

/** Validates a group document after PATCH (no members in it). */
export function validateGroupDocument(document: JsonObject): JsonObject {
  return parseGroup(document).group;
}

function findKey(body: JsonObject, name: string): JsonValue | undefined {
  const key = Object.keys(body).find(
    (k) => k.toLowerCase() === name || k.toLowerCase() === `${GROUP_SCHEMA.toLowerCase()}:${name}`,
  );
  return key === undefined ? undefined : body[key];
}

export function memberLocation(member: Pick<MemberRow, 'id' | 'type'>, baseUrl: string): string {
  return `${baseUrl}/${member.type === 'User' ? 'Users' : 'Groups'}/${member.id}`;
}

export function renderMember(member: MemberRow, baseUrl: string): JsonObject {
  const rendered: JsonObject = { value: member.id, $ref: memberLocation(member, baseUrl), type: member.type };
  if (member.display !== null) rendered['display'] = member.display;
  return rendered;
}

/**
 * The SCIM representation of a stored group (RFC 7643 §4.2). Members are passed in when they were
 * loaded; large groups are streamed instead (the gateway splices them in).
 */
export function renderGroup(stored: StoredResource, baseUrl: string, members?: JsonObject[]): JsonObject {
  const body: JsonObject = { schemas: [GROUP_SCHEMA], id: stored.id };
  if (stored.data['externalId'] !== undefined) body['externalId'] = stored.data['externalId']!;
  for (const [key, value] of Object.entries(stored.data)) if (!(key in body)) body[key] = value;
  // No members: the attribute is left out, as every empty attribute is (RFC 7643 §2.5).
  if (members && members.length > 0) body['members'] = members;
  body['meta'] = {
    resourceType: 'Group',
    created: stored.created,
    lastModified: stored.lastModified,
    location: `${baseUrl}/Groups/${stored.id}`,
    version: etag(stored.version),
  };
  return body;
}
