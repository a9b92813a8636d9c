import { attr, complex, type AttributeDefinition, type SchemaDefinition } from './attribute';
import { GROUP_SCHEMA } from './urns';

export const GROUP_ATTRIBUTES: AttributeDefinition[] = [
  attr('displayName', 'string', {
    required: true,
    uniqueness: 'server',
    caseExact: false,
    description: 'A human-readable name for the Group, unique within the tenant, compared case-insensitively.',
  }),
  complex(
    'members',
    [
      attr('value', 'string', { mutability: 'immutable', description: 'Identifier of the member of this Group.' }),
      attr('$ref', 'reference', {
        mutability: 'immutable',
        referenceTypes: ['User', 'Group'],
        description: 'The URI of the member resource.',
      }),
      attr('display', 'string', { mutability: 'readOnly', description: 'The displayName of the member.' }),
      attr('type', 'string', {
        mutability: 'immutable',
        canonicalValues: ['User', 'Group'],
        description: 'The type of the member.',
      }),
    ],
    { multiValued: true, description: 'A list of members of the Group.' },
  ),
];

export const GROUP_SCHEMA_DEFINITION: SchemaDefinition = {
  id: GROUP_SCHEMA,
  name: 'Group',
  description: 'Group',
  attributes: GROUP_ATTRIBUTES,
};
