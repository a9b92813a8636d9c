import { ScimError } from '../errors/scim-error';
import { isJsonObject, type JsonObject } from '../json';
import { USER_RESOURCE_TYPE } from '../schema/resource-type';
import { ENTERPRISE_USER_SCHEMA, USER_SCHEMA } from '../schema/urns';
import { normalizeResource } from './resource-normalizer';
import { etag, type StoredUser } from './stored-resource';

/**
 * Validates a User body (POST/PUT) and returns it in canonical form. `active` defaults to true:
 * a created account is active unless told otherwise.
 */
export function parseUser(body: unknown): JsonObject {
  const user = validateUserDocument(body);
  if (user['active'] === undefined) user['active'] = true;
  return user;
}

/**
 * Validates a User document after PATCH. Nothing is defaulted: an attribute the PATCH removed
 * stays unassigned (RFC 7644 §3.5.2.2), `active` included.
 */
export function validateUserDocument(document: unknown): JsonObject {
  const user = normalizeResource(document, USER_RESOURCE_TYPE);
  const userName = user['userName'];
  if (typeof userName !== 'string' || userName.trim() === '') {
    throw ScimError.badRequest('invalidValue', 'userName is required and must be a non-empty string.');
  }
  if (userName.length > 256) {
    throw ScimError.badRequest(
      'invalidValue',
      `userName is ${userName.length} characters long; at most 256 are allowed.`,
    );
  }
  return user;
}

/** The SCIM representation of a stored user (RFC 7643 §4.1), with `meta`, the manager's `$ref` and its groups. */
export function renderUser(stored: StoredUser, baseUrl: string): JsonObject {
  const { data } = stored;
  const schemas = [USER_SCHEMA];
  const body: JsonObject = { schemas, id: stored.id };
  // Identity first, then the rest in stored order: easier to read in logs and tools.
  for (const key of ['externalId', 'userName']) if (data[key] !== undefined) body[key] = data[key]!;
  for (const [key, value] of Object.entries(data)) {
    if (key in body) continue;
    if (key === ENTERPRISE_USER_SCHEMA) continue;
    body[key] = value;
  }
  const enterprise = data[ENTERPRISE_USER_SCHEMA];
  if (isJsonObject(enterprise)) {
    schemas.push(ENTERPRISE_USER_SCHEMA);
    const manager = enterprise['manager'];
    body[ENTERPRISE_USER_SCHEMA] =
      isJsonObject(manager) && typeof manager['value'] === 'string'
        ? { ...enterprise, manager: { value: manager['value'], $ref: `${baseUrl}/Users/${manager['value']}` } }
        : enterprise;
  }
  if (stored.groups && stored.groups.length > 0) {
    body['groups'] = stored.groups.map((g) => ({
      value: g.value,
      $ref: `${baseUrl}/Groups/${g.value}`,
      display: g.display,
      type: 'direct',
    }));
  }
  body['meta'] = {
    resourceType: 'User',
    created: stored.created,
    lastModified: stored.lastModified,
    location: `${baseUrl}/Users/${stored.id}`,
    version: etag(stored.version),
  };
  return body;
}
