import type { JsonObject, JsonValue } from '../json';
import { MAX_PAGE_SIZE } from '../resources/list-query';
import { GROUP_RESOURCE_TYPE, USER_RESOURCE_TYPE } from '../schema/resource-type';
import {
  ENTERPRISE_USER_SCHEMA,
  GROUP_SCHEMA,
  RESOURCE_TYPE_SCHEMA,
  SCHEMA_SCHEMA,
  SERVICE_PROVIDER_CONFIG_SCHEMA,
  USER_SCHEMA,
} from '../schema/urns';
import { resourceTypeDocument, schemaDocument, schemasOf, serviceProviderConfig } from './discovery';

const BASE = 'https://scim.example.com/api/scim';
const ALL_SCHEMAS = schemasOf([USER_RESOURCE_TYPE, GROUP_RESOURCE_TYPE]);

function attributesOf(doc: JsonObject): JsonObject[] {
  return doc['attributes'] as JsonObject[];
}

function attribute(doc: JsonObject, name: string): JsonObject {
  const found = attributesOf(doc).find((a) => a['name'] === name);
  if (!found) throw new Error(`no attribute ${name} in ${String(doc['id'])}`);
  return found;
}

function subAttribute(parent: JsonObject, name: string): JsonObject {
  const found = (parent['subAttributes'] as JsonObject[]).find((a) => a['name'] === name);
  if (!found) throw new Error(`no sub-attribute ${name} in ${String(parent['name'])}`);
  return found;
}

/** JSON paths of every null (and undefined) value in a document. */
function nullPaths(value: JsonValue | undefined, path = '$'): string[] {
  if (value === null || value === undefined) return [path];
  if (Array.isArray(value)) return value.flatMap((v, i) => nullPaths(v, `${path}[${i}]`));
  if (typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => nullPaths(v, `${path}.${k}`));
  return [];
}

/** Every attribute document, sub-attributes included. */
function allAttributeDocuments(doc: JsonObject): JsonObject[] {
  const walk = (attrs: JsonObject[]): JsonObject[] =>
    attrs.flatMap((a) => [a, ...walk((a['subAttributes'] as JsonObject[] | undefined) ?? [])]);
  return walk(attributesOf(doc));
}

describe('schemaDocument', () => {
  const userSchema = schemaDocument(USER_RESOURCE_TYPE.schema, BASE);

  it('describes the User schema with its id, name and location', () => {
    expect(userSchema).toMatchObject({
      schemas: [SCHEMA_SCHEMA],
      id: USER_SCHEMA,
      name: 'User',
      meta: { resourceType: 'Schema', location: `${BASE}/Schemas/${USER_SCHEMA}` },
    });
  });

  it('tells the truth about userName: required, unique per tenant (server), not case-exact', () => {
    expect(attribute(userSchema, 'userName')).toMatchObject({
      type: 'string',
      multiValued: false,
      required: true,
      uniqueness: 'server',
      caseExact: false,
    });
  });

  it('lists "work" as the only canonical value of emails.type', () => {
    expect(subAttribute(attribute(userSchema, 'emails'), 'type')['canonicalValues']).toEqual(['work']);
  });

  it('describes emails as multi-valued complex with value, display, type and primary', () => {
    const emails = attribute(userSchema, 'emails');
    expect(emails).toMatchObject({ type: 'complex', multiValued: true });
    expect((emails['subAttributes'] as JsonObject[]).map((s) => s['name'])).toEqual([
      'value',
      'display',
      'type',
      'primary',
    ]);
  });

  it('does not advertise password, which is never accepted (changePassword is not supported)', () => {
    expect(attributesOf(userSchema).map((a) => String(a['name']).toLowerCase())).not.toContain('password');
  });

  it('describes groups as read-only', () => {
    expect(attribute(userSchema, 'groups')).toMatchObject({ mutability: 'readOnly', multiValued: true });
  });

  it('describes the enterprise manager as a complex attribute with value and $ref', () => {
    const enterprise = schemaDocument(USER_RESOURCE_TYPE.extensions[0]!, BASE);
    expect(enterprise['id']).toBe(ENTERPRISE_USER_SCHEMA);
    const manager = attribute(enterprise, 'manager');
    expect(manager).toMatchObject({ type: 'complex', multiValued: false });
    expect(subAttribute(manager, '$ref')).toMatchObject({ type: 'reference', referenceTypes: ['User'] });
  });

  it('marks Group displayName unique (server) and not case-exact', () => {
    expect(attribute(schemaDocument(GROUP_RESOURCE_TYPE.schema, BASE), 'displayName')).toMatchObject({
      uniqueness: 'server',
      caseExact: false,
      required: true,
    });
  });

  it.each(ALL_SCHEMAS.map((s) => [s.id, s] as const))(
    '%s: no attribute document contains a null value',
    (_id, schema) => {
      const doc = schemaDocument(schema, BASE);
      expect(nullPaths(doc)).toEqual([]);
    },
  );

  it.each(ALL_SCHEMAS.map((s) => [s.id, s] as const))(
    '%s: every attribute document has all RFC 7643 §7 characteristics',
    (_id, schema) => {
      for (const attr of allAttributeDocuments(schemaDocument(schema, BASE))) {
        expect(Object.keys(attr)).toEqual(
          expect.arrayContaining([
            'name',
            'type',
            'multiValued',
            'description',
            'required',
            'caseExact',
            'mutability',
            'returned',
            'uniqueness',
          ]),
        );
        if (attr['type'] === 'complex') expect(Array.isArray(attr['subAttributes'])).toBe(true);
        else expect(attr).not.toHaveProperty('subAttributes');
      }
    },
  );

  it('does not share arrays with the definitions (a caller changing the document changes nothing else)', () => {
    const doc = schemaDocument(USER_RESOURCE_TYPE.schema, BASE);
    (subAttribute(attribute(doc, 'emails'), 'type')['canonicalValues'] as string[]).push('home');
    const fresh = schemaDocument(USER_RESOURCE_TYPE.schema, BASE);
    expect(subAttribute(attribute(fresh, 'emails'), 'type')['canonicalValues']).toEqual(['work']);
  });
});

describe('schemasOf', () => {
  it('lists core schemas first, then extensions, without duplicates', () => {
    expect(schemasOf([USER_RESOURCE_TYPE, GROUP_RESOURCE_TYPE, USER_RESOURCE_TYPE]).map((s) => s.id)).toEqual([
      USER_SCHEMA,
      ENTERPRISE_USER_SCHEMA,
      GROUP_SCHEMA,
    ]);
  });
});

describe('resourceTypeDocument', () => {
  it('describes Users with the optional enterprise extension', () => {
    const doc = resourceTypeDocument(USER_RESOURCE_TYPE, BASE);
    expect(doc).toEqual({
      schemas: [RESOURCE_TYPE_SCHEMA],
      id: 'User',
      name: 'User',
      endpoint: '/Users',
      description: 'User Account',
      schema: USER_SCHEMA,
      schemaExtensions: [{ schema: ENTERPRISE_USER_SCHEMA, required: false }],
      meta: { resourceType: 'ResourceType', location: `${BASE}/ResourceTypes/User` },
    });
    expect(nullPaths(doc)).toEqual([]);
  });

  it('describes Groups without extensions', () => {
    expect(resourceTypeDocument(GROUP_RESOURCE_TYPE, BASE)).toMatchObject({
      id: 'Group',
      endpoint: '/Groups',
      schema: GROUP_SCHEMA,
      schemaExtensions: [],
    });
  });
});

describe('serviceProviderConfig', () => {
  const config = serviceProviderConfig(BASE);

  it('claims only what the server supports', () => {
    expect(config).toMatchObject({
      schemas: [SERVICE_PROVIDER_CONFIG_SCHEMA],
      patch: { supported: true },
      bulk: { supported: true, maxOperations: 1000, maxPayloadSize: 1048576 },
      filter: { supported: true, maxResults: MAX_PAGE_SIZE },
      changePassword: { supported: false },
      sort: { supported: true },
      etag: { supported: true },
      meta: { resourceType: 'ServiceProviderConfig', location: `${BASE}/ServiceProviderConfig` },
    });
  });

  it('advertises bearer-token authentication as the primary scheme', () => {
    expect(config['authenticationSchemes']).toEqual([
      expect.objectContaining({ type: 'oauthbearertoken', primary: true }),
    ]);
  });

  it('points documentationUri at the site, not at the SCIM base', () => {
    expect(config['documentationUri']).toBe('https://scim.example.com/');
  });

  it('contains no null value', () => {
    expect(nullPaths(config)).toEqual([]);
  });
});
