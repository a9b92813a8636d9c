import { USER_RESOURCE_TYPE, type AttributeDefinition, type Filter, type ResolvedAttribute } from '@scim/scim';
import { scalarCondition, type SqlResourceMapping, type SqlScalar } from '../filter/filter-sql';
import type { SqlParams } from '../filter/sql-params';

const ALIAS = 'u';

function scalar(expression: string, valueKind: SqlScalar['valueKind'], caseExact: boolean): SqlScalar {
  return { kind: 'scalar', expression, valueKind, caseExact };
}

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
      return scalar(`CASE WHEN ${ALIAS}.work_email IS NOT NULL THEN TRUE END`, 'boolean', false);
    default:
      return undefined;
  }
}

function emailElementFilter(filter: Filter, params: SqlParams): string | undefined {
  switch (filter.type) {
    case 'and':
    case 'or': {
      const left = emailElementFilter(filter.left, params);
      const right = emailElementFilter(filter.right, params);
      return left === undefined || right === undefined ? undefined : `(${left} ${filter.type === 'and' ? 'AND' : 'OR'} ${right})`;
    }
    case 'not': {
      const inner = emailElementFilter(filter.filter, params);
      return inner === undefined ? undefined : `(${inner} IS NOT TRUE)`;
    }
    case 'valuePath':
      return undefined;
    case 'present':
    case 'compare': {
      if (filter.path.subAttr !== undefined) return undefined;
      const target = emailSubAttribute(filter.path.name);
      return target ? scalarCondition(filter, target, params) : undefined;
    }
  }
}

export const USER_SQL_MAPPING: SqlResourceMapping = {
  resourceType: USER_RESOURCE_TYPE,
  document: `${ALIAS}.data`,
  column(resolved: ResolvedAttribute) {
    if (resolved.extension) return undefined;
    const { attribute, subAttribute } = resolved;
    switch (attribute.name) {
      case 'id':
        return scalar(`${ALIAS}.id`, 'uuid', true);
      case 'externalId':
        return scalar(`${ALIAS}.external_id`, 'text', true);
      case 'userName':
        return scalar(`${ALIAS}.user_name`, 'text', false);
      case 'active':
        return scalar(`${ALIAS}.active`, 'boolean', false);
      case 'meta':
        if (subAttribute?.name === 'created') return scalar(`${ALIAS}.created_at`, 'timestamp', false);
        if (subAttribute?.name === 'lastModified') return scalar(`${ALIAS}.updated_at`, 'timestamp', false);
        if (subAttribute?.name === 'resourceType') return scalar(`'User'`, 'text', true);
        return 'always-false';
      case 'emails':
        return emailSubAttribute(subAttribute?.name ?? 'value');
      default:
        return undefined;
    }
  },
  valuePath(attribute: AttributeDefinition, filter: Filter, params: SqlParams) {
    if (attribute.name !== 'emails') return undefined;
    const condition = emailElementFilter(filter, params);
    return condition === undefined ? undefined : `(${ALIAS}.work_email IS NOT NULL AND ${condition})`;
  },
};
