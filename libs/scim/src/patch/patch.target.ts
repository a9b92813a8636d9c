import { ScimError } from '../errors/scim-error';
import type { Filter } from '../filter/filter.ast';
import { isJsonObject, type JsonObject, type JsonValue } from '../json';
import { findAttribute, type AttributeDefinition } from '../schema/attribute';
import { resolveAttribute, type AttrPath, type ResourceTypeDefinition } from '../schema/resource-type';
import type { PatchPath } from './patch.request';

/** What a PATCH path points at once resolved against a resource type. */
export interface Target {
  /** The path as written, for error details. */
  label: string;
  /** The extension URN the attribute lives under; undefined for core attributes. */
  extension: string | undefined;
  attribute: AttributeDefinition;
  subAttribute: AttributeDefinition | undefined;
  /** The valuePath filter; its paths are relative to the attribute's values. */
  filter: Filter | undefined;
  /** The attribute alone (URN and name), for evaluating the filter. */
  attrPath: AttrPath;
}

/** Resolves a path, rejecting unknown attributes (invalidPath) and server-owned ones (mutability). */
export function resolveTarget(path: PatchPath, resourceType: ResourceTypeDefinition): Target {
  const { uri, name } = path.attrPath;
  if (uri === undefined && name.toLowerCase() === 'schemas') {
    throw ScimError.badRequest('mutability', `"schemas" cannot be modified (path "${path.text}").`);
  }
  const attrPath: AttrPath = uri === undefined ? { name } : { uri, name };
  const resolved = resolveAttribute(resourceType, attrPath);
  if (!resolved) {
    throw ScimError.badRequest(
      'invalidPath',
      `Invalid path "${path.text}": a ${resourceType.name} has no attribute "${name}".`,
    );
  }
  const { attribute } = resolved;
  const subName = path.type === 'attrPath' ? path.attrPath.subAttr : path.subAttr;
  const subAttribute = subName === undefined ? undefined : findAttribute(attribute.subAttributes, subName);
  if (subName !== undefined && !subAttribute) {
    throw ScimError.badRequest(
      'invalidPath',
      `Invalid path "${path.text}": "${attribute.name}" has no sub-attribute "${subName}".`,
    );
  }
  if (path.type === 'valuePath' && attribute.type !== 'complex') {
    throw ScimError.badRequest(
      'invalidPath',
      `Invalid path "${path.text}": a filter applies to complex attributes, and "${attribute.name}" is a ${attribute.type}.`,
    );
  }
  checkMutability(path.text, attribute, subAttribute);
  return {
    label: path.text,
    extension: resolved.extension,
    attribute,
    subAttribute,
    filter: path.type === 'valuePath' ? path.filter : undefined,
    attrPath:
      resolved.extension === undefined ? { name: attribute.name } : { uri: resolved.extension, name: attribute.name },
  };
}

function checkMutability(
  label: string,
  attribute: AttributeDefinition,
  subAttribute: AttributeDefinition | undefined,
): void {
  if (attribute.mutability === 'readOnly') {
    throw ScimError.badRequest(
      'mutability',
      `"${attribute.name}" is read-only and cannot be modified (path "${label}").`,
    );
  }
  if (subAttribute?.mutability === 'readOnly') {
    throw ScimError.badRequest(
      'mutability',
      `"${attribute.name}.${subAttribute.name}" is read-only and cannot be modified (path "${label}").`,
    );
  }
  // Immutable sub-attributes (a member's `value`) are set when the element is added, never edited.
  if (subAttribute?.mutability === 'immutable') {
    throw ScimError.badRequest(
      'mutability',
      `"${attribute.name}.${subAttribute.name}" is immutable; add or remove the whole value instead (path "${label}").`,
    );
  }
}

/** The attribute's current value in a document; extension attributes live under their URN key. */
export function readTarget(document: JsonObject, target: Target): JsonValue | undefined {
  const holder = target.extension === undefined ? document : document[target.extension];
  return isJsonObject(holder) ? holder[target.attribute.name] : undefined;
}

/** A copy of the document with the attribute set; an empty value (undefined, null, [], {}) removes it. */
export function writeTarget(document: JsonObject, target: Target, value: JsonValue | undefined): JsonObject {
  const key = target.attribute.name;
  if (target.extension === undefined) return withKey(document, key, value);
  const holder = document[target.extension];
  const extension = withKey(isJsonObject(holder) ? holder : {}, key, value);
  return withKey(document, target.extension, extension);
}

/** A copy of the object with `key` set, or removed when the value is empty. */
export function withKey(object: JsonObject, key: string, value: JsonValue | undefined): JsonObject {
  const copy: JsonObject = { ...object };
  if (value === undefined || isEmpty(value)) delete copy[key];
  else copy[key] = value;
  return copy;
}

function isEmpty(value: JsonValue): boolean {
  if (value === null) return true;
  if (Array.isArray(value)) return value.length === 0;
  return isJsonObject(value) && Object.keys(value).length === 0;
}
