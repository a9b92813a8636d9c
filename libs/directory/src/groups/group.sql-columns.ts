import { GROUP_RESOURCE_TYPE, GROUP_SCHEMA, type ResolvedAttribute } from '@scim/scim';
import { commonColumn, sqlScalar, type ElementScalars, type SqlResourceMapping } from '../filter/filter-sql';

const ALIAS = 'g';

const scalar = sqlScalar;

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
    const common = commonColumn(ALIAS, 'Group', resolved);
    if (common !== undefined || resolved.extension) return common;
    return resolved.attribute.name === 'displayName' ? scalar(`${ALIAS}.display_name`, 'text', false) : undefined;
  },
  relation(attribute) {
    if (attribute.name !== 'members') return undefined;
    return {
      exists: (condition) => `EXISTS (SELECT 1 FROM group_members gm WHERE gm.group_id = ${ALIAS}.id AND ${condition})`,
      scalars: MEMBER_SCALARS,
    };
  },
};
