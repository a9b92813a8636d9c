import { findAttribute, type AttributeDefinition, type SchemaDefinition } from './attribute';
import { COMMON_ATTRIBUTES } from './common.schema';
import { GROUP_SCHEMA_DEFINITION } from './group.schema';
import { ENTERPRISE_USER_SCHEMA_DEFINITION, USER_SCHEMA_DEFINITION } from './user.schema';

export interface ResourceTypeDefinition {
  name: 'User' | 'Group';
  endpoint: '/Users' | '/Groups';
  description: string;
  schema: SchemaDefinition;
  extensions: SchemaDefinition[];
}

export const USER_RESOURCE_TYPE: ResourceTypeDefinition = {
  name: 'User',
  endpoint: '/Users',
  description: 'User Account',
  schema: USER_SCHEMA_DEFINITION,
  extensions: [ENTERPRISE_USER_SCHEMA_DEFINITION],
};

export const GROUP_RESOURCE_TYPE: ResourceTypeDefinition = {
  name: 'Group',
  endpoint: '/Groups',
  description: 'Group',
  schema: GROUP_SCHEMA_DEFINITION,
  extensions: [],
};

/** A reference to an attribute as written in a filter or a PATCH path: `urn:…:User:manager.value`. */
export interface AttrPath {
  /** Schema URN prefix when one was written, as written. */
  uri?: string;
  /** Attribute name as written (names are case-insensitive). */
  name: string;
  /** Sub-attribute name as written, for `name.familyName`. */
  subAttr?: string;
}

/** Where an attribute lives once resolved against a resource type. */
export interface ResolvedAttribute {
  /** `undefined` for core and common attributes; the extension URN for extension attributes. */
  extension?: string;
  attribute: AttributeDefinition;
  subAttribute?: AttributeDefinition;
}

/**
 * Resolves a path to its definition: URN prefixes (core or extension), names in any case,
 * and extension attributes written without their URN (Entra sends `manager` bare).
 * Returns undefined for attributes the resource type does not have.
 */
export function resolveAttribute(resourceType: ResourceTypeDefinition, path: AttrPath): ResolvedAttribute | undefined {
  const withSub = (
    extension: string | undefined,
    attribute: AttributeDefinition | undefined,
  ): ResolvedAttribute | undefined => {
    if (!attribute) return undefined;
    if (path.subAttr === undefined) return { extension, attribute };
    const subAttribute = findAttribute(attribute.subAttributes, path.subAttr);
    return subAttribute ? { extension, attribute, subAttribute } : undefined;
  };
  if (path.uri !== undefined) {
    const uri = path.uri.toLowerCase();
    if (uri === resourceType.schema.id.toLowerCase()) {
      return withSub(
        undefined,
        findAttribute(resourceType.schema.attributes, path.name) ?? findAttribute(COMMON_ATTRIBUTES, path.name),
      );
    }
    const extension = resourceType.extensions.find((e) => e.id.toLowerCase() === uri);
    return extension ? withSub(extension.id, findAttribute(extension.attributes, path.name)) : undefined;
  }
  const core = findAttribute(COMMON_ATTRIBUTES, path.name) ?? findAttribute(resourceType.schema.attributes, path.name);
  if (core) return withSub(undefined, core);
  for (const extension of resourceType.extensions) {
    const found = findAttribute(extension.attributes, path.name);
    if (found) return withSub(extension.id, found);
  }
  return undefined;
}

/** Splits `urn:…:User:name.givenName` into its URN, attribute and sub-attribute. */
export function parseAttrPath(text: string, knownUris: readonly string[]): AttrPath {
  let rest = text;
  let uri: string | undefined;
  const lower = text.toLowerCase();
  for (const candidate of knownUris) {
    const prefix = candidate.toLowerCase() + ':';
    if (lower.startsWith(prefix)) {
      uri = text.slice(0, candidate.length);
      rest = text.slice(prefix.length);
      break;
    }
  }
  if (uri === undefined && lower.startsWith('urn:')) {
    // An unknown URN: everything up to the last colon is the URN.
    const at = text.lastIndexOf(':');
    uri = text.slice(0, at);
    rest = text.slice(at + 1);
  }
  const dot = rest.indexOf('.');
  const path: AttrPath = dot < 0 ? { name: rest } : { name: rest.slice(0, dot), subAttr: rest.slice(dot + 1) };
  if (uri !== undefined) path.uri = uri;
  return path;
}

export function schemaUris(resourceType: ResourceTypeDefinition): string[] {
  return [resourceType.schema.id, ...resourceType.extensions.map((e) => e.id)];
}
