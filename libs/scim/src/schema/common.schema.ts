import { attr, complex, type AttributeDefinition } from './attribute';

/** Attributes every resource has (RFC 7643 §3.1). They are not part of any schema's attribute list. */
export const COMMON_ATTRIBUTES: AttributeDefinition[] = [
  attr('id', 'string', {
    mutability: 'readOnly',
    returned: 'always',
    caseExact: true,
    uniqueness: 'server',
    description: 'Unique identifier assigned by the service provider.',
  }),
  attr('externalId', 'string', { caseExact: true, description: 'Identifier assigned by the provisioning client.' }),
  complex(
    'meta',
    [
      attr('resourceType', 'string', { mutability: 'readOnly', caseExact: true }),
      attr('created', 'dateTime', { mutability: 'readOnly' }),
      attr('lastModified', 'dateTime', { mutability: 'readOnly' }),
      attr('location', 'reference', { mutability: 'readOnly', referenceTypes: ['uri'] }),
      attr('version', 'string', { mutability: 'readOnly', caseExact: true }),
    ],
    { mutability: 'readOnly' },
  ),
];
