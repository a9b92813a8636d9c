import {
  ENTERPRISE_USER_SCHEMA,
  USER_RESOURCE_TYPE,
  USER_SCHEMA,
  type AttributeDefinition,
  type Filter,
  type ResolvedAttribute,
} from '@scim/scim';
import {
  commonColumn,
  elementFilterToSql,
  sqlScalar,
  type SqlResourceMapping,
  type SqlScalar,
} from '../filter/filter-sql';
import type { SqlParams } from '../filter/sql-params';

const ALIAS = 'u';

const scalar = sqlScalar;

/**
 * The stored work email is the user's only email (the work-email rule), kept in the indexed
 * `work_email` column: `emails.value`, `emails[type eq "work"].value` and friends read it there.
 */
function emailSubAttribute(name: string): SqlScalar | undefined {
  switch (name.toLowerCase()) {
    case 'value':
      return scalar(`${ALIAS}.work_email`, 'text', false);
    case 'type':
      return scalar(`CASE WHEN ${ALIAS}.work_email IS NOT NULL THEN 'work' END`, 'text', false);
    case 'primary':
      // As the client sent it (the rule does not change the flag), so read from the document.
      return scalar(`(${ALIAS}.data #>> '{emails,0,primary}')`, 'boolean', false);
    default:
      return undefined;
  }
}

/** Whether every path in a value filter names one of these sub-attributes. */
function onlyNames(filter: Filter, names: string[]): boolean {
  switch (filter.type) {
    case 'and':
    case 'or':
      return onlyNames(filter.left, names) && onlyNames(filter.right, names);
    case 'not':
      return onlyNames(filter.filter, names);
    case 'valuePath':
      return false;
    default:
      return filter.path.subAttr === undefined && names.includes(filter.path.name.toLowerCase());
  }
}

export const USER_SQL_MAPPING: SqlResourceMapping = {
  resourceType: USER_RESOURCE_TYPE,
  document: `${ALIAS}.data`,
  schemas(params: SqlParams) {
    const extension = params.add(ENTERPRISE_USER_SCHEMA);
    return `(ARRAY[${params.add(USER_SCHEMA)}::text] || CASE WHEN ${ALIAS}.data ? ${extension} THEN ARRAY[${extension}::text] ELSE ARRAY[]::text[] END)`;
  },
  column(resolved: ResolvedAttribute) {
    const common = commonColumn(ALIAS, 'User', resolved);
    if (common !== undefined || resolved.extension) return common;
    const { attribute, subAttribute } = resolved;
    // `active` is read from the document, not the account-status column: an unassigned `active`
    // (removed by a PATCH) matches no comparison, as reads omit it.
    switch (attribute.name) {
      case 'userName':
        return scalar(`${ALIAS}.user_name`, 'text', false);
      case 'emails':
        return emailSubAttribute(subAttribute?.name ?? 'value');
      default:
        return undefined;
    }
  },
  valuePath(attribute: AttributeDefinition, filter: Filter, params: SqlParams) {
    if (attribute.name !== 'emails') return undefined;
    // Only value, type and primary live in columns; a filter on anything else (display) uses the document.
    if (!onlyNames(filter, ['value', 'type', 'primary'])) return undefined;
    return `(${ALIAS}.work_email IS NOT NULL AND ${elementFilterToSql(filter, emailSubAttribute, 'emails', params)})`;
  },
};
