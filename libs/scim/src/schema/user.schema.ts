import { attr, complex, type AttributeDefinition, type SchemaDefinition } from './attribute';
import { ENTERPRISE_USER_SCHEMA, USER_SCHEMA } from './urns';

/** Sub-attributes shared by the plain multi-valued attributes (RFC 7643 §2.4). */
function multiValuedSubAttributes(
  valueType: 'string' | 'reference' | 'binary',
  canonicalTypes?: string[],
  valueOptions: Partial<AttributeDefinition> = {},
): AttributeDefinition[] {
  return [
    attr('value', valueType, { description: 'The value of the attribute.', ...valueOptions }),
    attr('display', 'string', { description: 'A human-readable name, primarily used for display purposes.' }),
    attr('type', 'string', {
      description: "A label indicating the attribute's function.",
      ...(canonicalTypes ? { canonicalValues: canonicalTypes } : {}),
    }),
    attr('primary', 'boolean', { description: 'Indicates the primary or preferred attribute value.' }),
  ];
}

/**
 * The core User attributes this server keeps. `password` is not one of them: passwords are never
 * accepted (changePassword is not supported); POST/PUT ignore it and a PATCH of it is refused.
 */
export const USER_ATTRIBUTES: AttributeDefinition[] = [
  attr('userName', 'string', {
    required: true,
    uniqueness: 'server',
    caseExact: false,
    description: 'Unique identifier for the User within the tenant, compared case-insensitively.',
  }),
  complex(
    'name',
    [
      attr('formatted', 'string', { description: 'The full name, formatted for display.' }),
      attr('familyName', 'string', { description: 'The family name of the User.' }),
      attr('givenName', 'string', { description: 'The given name of the User.' }),
      attr('middleName', 'string', { description: 'The middle name(s) of the User.' }),
      attr('honorificPrefix', 'string', { description: 'The honorific prefix(es) of the User.' }),
      attr('honorificSuffix', 'string', { description: 'The honorific suffix(es) of the User.' }),
    ],
    { description: "The components of the user's real name." },
  ),
  attr('displayName', 'string', { description: 'The name of the User, suitable for display to end-users.' }),
  attr('nickName', 'string', { description: 'The casual way to address the user.' }),
  attr('profileUrl', 'reference', {
    referenceTypes: ['external'],
    description: "A fully qualified URL pointing to a page representing the User's online profile.",
  }),
  attr('title', 'string', { description: 'The user\'s title, such as "Vice President".' }),
  attr('userType', 'string', { description: 'The relationship between the organization and the user.' }),
  attr('preferredLanguage', 'string', {
    description: "The User's preferred written or spoken language (RFC 7231 Accept-Language format).",
  }),
  attr('locale', 'string', { description: "The User's default location for localization." }),
  attr('timezone', 'string', { description: "The User's time zone in IANA Time Zone database format." }),
  attr('active', 'boolean', {
    description: "The User's administrative status. Inactive users are kept and still returned.",
  }),
  complex('emails', multiValuedSubAttributes('string', ['work']), {
    multiValued: true,
    description:
      'Email addresses. Only one work email whose domain belongs to the tenant is saved; other types are ignored.',
  }),
  complex('phoneNumbers', multiValuedSubAttributes('string', ['work', 'home', 'mobile', 'fax', 'pager', 'other']), {
    multiValued: true,
    description: 'Phone numbers for the User.',
  }),
  complex('ims', multiValuedSubAttributes('string', ['aim', 'gtalk', 'icq', 'xmpp', 'msn', 'skype', 'qq', 'yahoo']), {
    multiValued: true,
    description: 'Instant messaging addresses for the User.',
  }),
  complex('photos', multiValuedSubAttributes('reference', ['photo', 'thumbnail'], { referenceTypes: ['external'] }), {
    multiValued: true,
    description: 'URLs of photos of the User.',
  }),
  complex(
    'addresses',
    [
      attr('formatted', 'string', { description: 'The full mailing address, formatted for display.' }),
      attr('streetAddress', 'string', { description: 'The full street address component.' }),
      attr('locality', 'string', { description: 'The city or locality component.' }),
      attr('region', 'string', { description: 'The state or region component.' }),
      attr('postalCode', 'string', { description: 'The zip code or postal code component.' }),
      attr('country', 'string', { description: 'The country name component.' }),
      attr('type', 'string', {
        canonicalValues: ['work', 'home', 'other'],
        description: "A label indicating the attribute's function.",
      }),
      attr('primary', 'boolean', { description: 'Indicates the primary mailing address.' }),
    ],
    { multiValued: true, description: 'A physical mailing address for this User.' },
  ),
  complex(
    'groups',
    [
      attr('value', 'string', { mutability: 'readOnly', description: "The identifier of the User's group." }),
      attr('$ref', 'reference', {
        mutability: 'readOnly',
        referenceTypes: ['User', 'Group'],
        description: 'The URI of the corresponding Group resource.',
      }),
      attr('display', 'string', { mutability: 'readOnly', description: "The group's displayName." }),
      attr('type', 'string', {
        mutability: 'readOnly',
        canonicalValues: ['direct', 'indirect'],
        description: 'Direct or indirect membership.',
      }),
    ],
    {
      multiValued: true,
      mutability: 'readOnly',
      description: 'A list of groups to which the user belongs. Managed through the Group resource.',
    },
  ),
  complex('entitlements', multiValuedSubAttributes('string'), {
    multiValued: true,
    description: 'A list of entitlements for the User.',
  }),
  complex('roles', multiValuedSubAttributes('string'), {
    multiValued: true,
    description: 'A list of roles for the User.',
  }),
  complex('x509Certificates', multiValuedSubAttributes('binary'), {
    multiValued: true,
    description: 'A list of certificates issued to the User.',
  }),
];

export const ENTERPRISE_USER_ATTRIBUTES: AttributeDefinition[] = [
  attr('employeeNumber', 'string', { description: 'Numeric or alphanumeric identifier assigned to a person.' }),
  attr('costCenter', 'string', { description: 'Identifies the name of a cost center.' }),
  attr('organization', 'string', { description: 'Identifies the name of an organization.' }),
  attr('division', 'string', { description: 'Identifies the name of a division.' }),
  attr('department', 'string', { description: 'Identifies the name of a department.' }),
  complex(
    'manager',
    [
      attr('value', 'string', { description: "The id of the SCIM resource representing the User's manager." }),
      attr('$ref', 'reference', {
        referenceTypes: ['User'],
        description: "The URI of the SCIM resource representing the User's manager.",
      }),
      attr('displayName', 'string', { mutability: 'readOnly', description: "The displayName of the User's manager." }),
    ],
    { description: "The User's manager." },
  ),
];

export const USER_SCHEMA_DEFINITION: SchemaDefinition = {
  id: USER_SCHEMA,
  name: 'User',
  description: 'User Account',
  attributes: USER_ATTRIBUTES,
};

export const ENTERPRISE_USER_SCHEMA_DEFINITION: SchemaDefinition = {
  id: ENTERPRISE_USER_SCHEMA,
  name: 'EnterpriseUser',
  description: 'Enterprise User',
  attributes: ENTERPRISE_USER_ATTRIBUTES,
};
