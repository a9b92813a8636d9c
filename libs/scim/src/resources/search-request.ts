import { ScimError } from '../errors/scim-error';
import { getKeyIgnoringCase, isJsonObject } from '../json';
import { SEARCH_REQUEST_SCHEMA } from '../schema/urns';
import { parseListQuery, type ListQuery } from './list-query';

function text(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && (name === 'startIndex' || name === 'count')) return String(value);
  if (
    Array.isArray(value) &&
    (name === 'attributes' || name === 'excludedAttributes') &&
    value.every((v) => typeof v === 'string')
  )
    return value.join(',');
  throw ScimError.badRequest('invalidValue', `"${name}" in the search request has the wrong type.`);
}

/**
 * A `POST …/.search` body (RFC 7644 §3.4.3): the list parameters of §3.4.2 as JSON, with
 * `attributes` and `excludedAttributes` as arrays. Validated like the query-string form.
 */
export function parseSearchRequest(body: unknown): ListQuery {
  if (!isJsonObject(body))
    throw ScimError.badRequest('invalidSyntax', 'A search request must be a JSON object (RFC 7644 §3.4.3).');
  const schemas = body['schemas'];
  if (
    !Array.isArray(schemas) ||
    !schemas.some((s) => typeof s === 'string' && s.toLowerCase() === SEARCH_REQUEST_SCHEMA.toLowerCase())
  ) {
    throw ScimError.badRequest('invalidSyntax', `A search request must list "${SEARCH_REQUEST_SCHEMA}" in "schemas".`);
  }
  const params: Record<string, string | undefined> = {};
  for (const name of ['filter', 'sortBy', 'sortOrder', 'startIndex', 'count', 'attributes', 'excludedAttributes']) {
    params[name] = text(getKeyIgnoringCase(body, name), name);
  }
  return parseListQuery(params);
}
