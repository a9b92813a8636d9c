import type { JsonObject, JsonValue } from '../json';
import type { AttributeDefinition, SchemaDefinition } from '../schema/attribute';
import type { ResourceTypeDefinition } from '../schema/resource-type';
import { MAX_PAGE_SIZE } from '../resources/list-query';
import { BULK_LIMITS } from '../bulk/bulk.request';
import { RESOURCE_TYPE_SCHEMA, SCHEMA_SCHEMA, SERVICE_PROVIDER_CONFIG_SCHEMA } from '../schema/urns';

/** What the server actually supports; discovery must never claim more (RFC 7643 §5). */
export interface ServiceFeatures {
  patch: boolean;
  bulk: { supported: boolean; maxOperations: number; maxPayloadSize: number };
  filter: { supported: boolean; maxResults: number };
  changePassword: boolean;
  sort: boolean;
  etag: boolean;
}

export const CURRENT_FEATURES: ServiceFeatures = {
  patch: true,
  bulk: { supported: true, maxOperations: BULK_LIMITS.maxOperations, maxPayloadSize: BULK_LIMITS.maxPayloadSize },
  filter: { supported: true, maxResults: MAX_PAGE_SIZE },
  changePassword: false,
  sort: true,
  etag: true,
};

export function serviceProviderConfig(baseUrl: string, features: ServiceFeatures = CURRENT_FEATURES): JsonObject {
  return {
    schemas: [SERVICE_PROVIDER_CONFIG_SCHEMA],
    documentationUri: `${baseUrl.replace(/\/api\/scim$/, '')}/`,
    patch: { supported: features.patch },
    bulk: { ...features.bulk },
    filter: { ...features.filter },
    changePassword: { supported: features.changePassword },
    sort: { supported: features.sort },
    etag: { supported: features.etag },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'OAuth Bearer Token',
        description: 'Authentication with the tenant\'s SCIM token, sent as "Authorization: Bearer <token>".',
        specUri: 'https://www.rfc-editor.org/info/rfc6750',
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${baseUrl}/ServiceProviderConfig` },
  };
}

function attributeDocument(attribute: AttributeDefinition): JsonObject {
  const doc: JsonObject = {
    name: attribute.name,
    type: attribute.type,
    multiValued: attribute.multiValued,
    description: attribute.description,
    required: attribute.required,
    caseExact: attribute.caseExact,
    mutability: attribute.mutability,
    returned: attribute.returned,
    uniqueness: attribute.uniqueness,
  };
  if (attribute.canonicalValues) doc['canonicalValues'] = [...attribute.canonicalValues];
  if (attribute.referenceTypes) doc['referenceTypes'] = [...attribute.referenceTypes];
  if (attribute.subAttributes) doc['subAttributes'] = attribute.subAttributes.map(attributeDocument) as JsonValue[];
  return doc;
}

export function schemaDocument(schema: SchemaDefinition, baseUrl: string): JsonObject {
  return {
    schemas: [SCHEMA_SCHEMA],
    id: schema.id,
    name: schema.name,
    description: schema.description,
    attributes: schema.attributes.map(attributeDocument) as JsonValue[],
    meta: { resourceType: 'Schema', location: `${baseUrl}/Schemas/${schema.id}` },
  };
}

export function resourceTypeDocument(resourceType: ResourceTypeDefinition, baseUrl: string): JsonObject {
  return {
    schemas: [RESOURCE_TYPE_SCHEMA],
    id: resourceType.name,
    name: resourceType.name,
    endpoint: resourceType.endpoint,
    description: resourceType.description,
    schema: resourceType.schema.id,
    schemaExtensions: resourceType.extensions.map((e) => ({ schema: e.id, required: false })),
    meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/${resourceType.name}` },
  };
}

/** Every schema of the given resource types, core first, without duplicates. */
export function schemasOf(resourceTypes: readonly ResourceTypeDefinition[]): SchemaDefinition[] {
  const all = resourceTypes.flatMap((rt) => [rt.schema, ...rt.extensions]);
  return all.filter((schema, index) => all.findIndex((s) => s.id === schema.id) === index);
}
