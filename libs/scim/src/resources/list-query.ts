import { ScimError } from '../errors/scim-error';
import type { Filter } from '../filter/filter.ast';
import { assertFilterCost } from '../filter/filter.cost';
import { parseFilter } from '../filter/filter.parser';
import { parseAttrPath, type AttrPath } from '../schema/resource-type';
import { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA } from '../schema/urns';

/** Page size when the client sends no `count`, and the most one page returns (advertised in ServiceProviderConfig). */
export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;
const MAX_START_INDEX = 2_000_000_000;

export interface ListQuery {
  filter?: Filter;
  /** 1-based, as in RFC 7644 §3.4.2.4. */
  startIndex: number;
  count: number;
  attributes?: string[];
  excludedAttributes?: string[];
  /** RFC 7644 §3.4.2.3; without it, resources come in creation order. */
  sortBy?: AttrPath;
  sortOrder: 'ascending' | 'descending';
}

type QueryParams = Record<string, string | string[] | undefined>;

/**
 * Reads the list parameters of RFC 7644 §3.4.2 from a query string (names case-insensitive).
 * Unknown parameters, such as Entra's `aadOptscim062020`, are ignored.
 */
export function parseListQuery(params: QueryParams): ListQuery {
  const get = (name: string): string | undefined => {
    const key = Object.keys(params).find((k) => k.toLowerCase() === name.toLowerCase());
    const value = key === undefined ? undefined : params[key];
    return Array.isArray(value) ? value[value.length - 1] : value;
  };
  const query: ListQuery = {
    // Past the last page the answer is empty; beyond this bound it is empty too, without overflow.
    startIndex: Math.min(MAX_START_INDEX, Math.max(1, parseInteger(get('startIndex'), 'startIndex') ?? 1)),
    count: Math.min(MAX_PAGE_SIZE, Math.max(0, parseInteger(get('count'), 'count') ?? DEFAULT_PAGE_SIZE)),
    sortOrder: parseSortOrder(get('sortOrder')),
  };
  const sortBy = get('sortBy');
  if (sortBy !== undefined && sortBy.trim() !== '') query.sortBy = parseAttrPath(sortBy.trim(), KNOWN_URIS);
  const filter = get('filter');
  if (filter !== undefined) query.filter = assertFilterCost(parseFilter(filter));
  const attributes = parseAttributeList(get('attributes'));
  if (attributes) query.attributes = attributes;
  const excluded = parseAttributeList(get('excludedAttributes'));
  if (excluded) query.excludedAttributes = excluded;
  return query;
}

const KNOWN_URIS = [USER_SCHEMA, GROUP_SCHEMA, ENTERPRISE_USER_SCHEMA];

function parseSortOrder(value: string | undefined): 'ascending' | 'descending' {
  if (value === undefined || value.trim() === '') return 'ascending';
  const lower = value.trim().toLowerCase();
  if (lower === 'ascending' || lower === 'descending') return lower;
  throw ScimError.badRequest('invalidValue', `sortOrder must be "ascending" or "descending", got "${value}".`);
}

function parseInteger(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (!/^-?\d+$/.test(value.trim())) {
    throw ScimError.badRequest('invalidValue', `${name} must be an integer, got "${value}".`);
  }
  return Number(value);
}

export function parseAttributeList(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  return names.length > 0 ? names : undefined;
}
