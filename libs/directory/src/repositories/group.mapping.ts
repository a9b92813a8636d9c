import { GROUP_RESOURCE_TYPE, GROUP_SCHEMA, type ResolvedAttribute } from '@scim/scim';
import type { ElementScalars, SqlResourceMapping, SqlScalar } from '../filter/filter-sql';

const ALIAS = 'g';

function scalar(expression: string, valueKind: SqlScalar['valueKind'], caseExact: boolean): SqlScalar {
  return { kind: 'scalar', expression, valueKind, caseExact };
}

/**
 * A member row (alias `gm`) seen as a SCIM `members` element: value is the member's id, type
 * User or Group, display the member's displayName (or userName).
 */
export const MEMBER_SCALARS: ElementScalars = (name) => {
  switch (name.toLowerCase()) {
    case 'value':
      return scalar('gm.member_id', 'uuid', true);
    case 'type':
      return scalar('gm.member_type', 'text', false);
    case 'display':
      return scalar(
        `(SELECT COALESCE(mu.data ->> 'displayName', mu.user_name) FROM users mu WHERE mu.id = gm.user_id
          UNION ALL SELECT mg.display_name FROM groups mg WHERE mg.id = gm.member_group_id LIMIT 1)`,
        'text',
        false,
      );
    default:
      return undefined;
  }
};

export const GROUP_SQL_MAPPING: SqlResourceMapping = {
  resourceType: GROUP_RESOURCE_TYPE,
  document: `${ALIAS}.data`,
  schemas: (params) => `ARRAY[${params.add(GROUP_SCHEMA)}::text]`,
  column(resolved: ResolvedAttribute) {
    if (resolved.extension) return undefined;
    const { attribute, subAttribute } = resolved;
    switch (attribute.name) {
      case 'id':
        return scalar(`${ALIAS}.id`, 'uuid', true);
      case 'externalId':
        return scalar(`${ALIAS}.external_id`, 'text', true);
      case 'displayName':
        return scalar(`${ALIAS}.display_name`, 'text', false);
      case 'meta':
        if (subAttribute?.name === 'created') return scalar(`${ALIAS}.created_at`, 'timestamp', false);
        if (subAttribute?.name === 'lastModified') return scalar(`${ALIAS}.updated_at`, 'timestamp', false);
        if (subAttribute?.name === 'resourceType') return scalar(`'Group'`, 'text', true);
        return 'always-false';
      default:
        return undefined;
    }
  },
  relation(attribute) {
    if (attribute.name !== 'members') return undefined;
    return {
      exists: (condition) => `EXISTS (SELECT 1 FROM group_members gm WHERE gm.group_id = ${ALIAS}.id AND ${condition})`,
      scalars: MEMBER_SCALARS,
    };
  },
};
