import { isJsonObject, type JsonObject } from '../json';
import { findAttribute, type AttributeDefinition } from '../schema/attribute';
import { COMMON_ATTRIBUTES } from '../schema/common.schema';
import { parseAttrPath, resolveAttribute, schemaUris, type ResourceTypeDefinition } from '../schema/resource-type';

export interface Projection {
  attributes?: string[];
  excludedAttributes?: string[];
}

/**
 * Applies `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5) to a rendered resource.
 * `id` and `schemas` are always returned; names are case-insensitive and may be URN-qualified or
 * name sub-attributes (`name.givenName`). Unknown names select nothing and exclude nothing.
 */
export function projectResource(
  resource: JsonObject,
  projection: Projection,
  resourceType: ResourceTypeDefinition,
): JsonObject {
  const uris = schemaUris(resourceType);
  if (projection.attributes && projection.attributes.length > 0) {
    const result: JsonObject = { schemas: resource['schemas'] ?? [], id: resource['id'] ?? null };
    for (const name of projection.attributes) copyPath(resource, result, name, uris, resourceType);
    return result;
  }
  if (projection.excludedAttributes && projection.excludedAttributes.length > 0) {
    let result = resource;
    for (const name of projection.excludedAttributes) result = removePath(result, name, uris, resourceType);
    return result;
  }
  return resource;
}

/** Whether a projection leaves out the given top-level attribute (used to skip loading it at all). */
export function projectionExcludes(projection: Projection, attributeName: string): boolean {
  const wanted = attributeName.toLowerCase();
  if (projection.attributes && projection.attributes.length > 0) {
    return !projection.attributes.some((a) => {
      const lower = a.toLowerCase();
      return (
        lower === wanted ||
        lower.startsWith(wanted + '.') ||
        lower.endsWith(':' + wanted) ||
        lower.includes(':' + wanted + '.')
      );
    });
  }
  return (projection.excludedAttributes ?? []).some(
    (a) => a.toLowerCase() === wanted || a.toLowerCase().endsWith(':' + wanted),
  );
}

interface Location {
  /** Key path in the rendered resource: [attribute] or [extensionUri, attribute], then sub-attribute. */
  keys: string[];
  attribute: AttributeDefinition;
  subAttribute?: AttributeDefinition;
}

function locate(name: string, uris: string[], resourceType: ResourceTypeDefinition): Location | undefined {
  const path = parseAttrPath(name, uris);
  // A bare extension URN selects the whole extension.
  const resolved = resolveAttribute(resourceType, path);
  if (!resolved) return undefined;
  const keys = resolved.extension ? [resolved.extension, resolved.attribute.name] : [resolved.attribute.name];
  return { keys, attribute: resolved.attribute, subAttribute: resolved.subAttribute };
}

function copyPath(
  source: JsonObject,
  target: JsonObject,
  name: string,
  uris: string[],
  resourceType: ResourceTypeDefinition,
): void {
  const extension = resourceType.extensions.find((e) => e.id.toLowerCase() === name.toLowerCase());
  if (extension) {
    if (source[extension.id] !== undefined) target[extension.id] = source[extension.id]!;
    return;
  }
  const location = locate(name, uris, resourceType);
  if (!location) return;
  let from: JsonObject = source;
  let to: JsonObject = target;
  for (const key of location.keys.slice(0, -1)) {
    const next = from[key];
    if (!isJsonObject(next)) return;
    from = next;
    to = (isJsonObject(to[key]) ? to[key] : (to[key] = {})) as JsonObject;
  }
  const key = location.keys[location.keys.length - 1]!;
  const value = from[key];
  if (value === undefined) return;
  if (!location.subAttribute) {
    to[key] = value;
    return;
  }
  const sub = location.subAttribute.name;
  if (Array.isArray(value)) {
    const existing = Array.isArray(to[key]) ? (to[key] as JsonObject[]) : value.map(() => ({}));
    to[key] = value.map((element, i) => {
      const merged: JsonObject = { ...(existing[i] ?? {}) };
      if (isJsonObject(element) && element[sub] !== undefined) merged[sub] = element[sub]!;
      return merged;
    });
  } else if (isJsonObject(value) && value[sub] !== undefined) {
    to[key] = { ...(isJsonObject(to[key]) ? to[key] : {}), [sub]: value[sub]! };
  }
}

function removePath(
  source: JsonObject,
  name: string,
  uris: string[],
  resourceType: ResourceTypeDefinition,
): JsonObject {
  const extension = resourceType.extensions.find((e) => e.id.toLowerCase() === name.toLowerCase());
  if (extension) {
    const { [extension.id]: _removed, ...rest } = source;
    return rest;
  }
  const location = locate(name, uris, resourceType);
  if (!location) return source;
  // Attributes returned "always" cannot be excluded.
  const definition = location.subAttribute ?? location.attribute;
  if (definition.returned === 'always' || findAttribute(COMMON_ATTRIBUTES, 'id') === definition) return source;
  const result: JsonObject = { ...source };
  let holder: JsonObject = result;
  for (const key of location.keys.slice(0, -1)) {
    const next = holder[key];
    if (!isJsonObject(next)) return source;
    holder = holder[key] = { ...next };
  }
  const key = location.keys[location.keys.length - 1]!;
  if (!location.subAttribute) {
    delete holder[key];
    return result;
  }
  const sub = location.subAttribute.name;
  const value = holder[key];
  if (Array.isArray(value)) {
    holder[key] = value.map((element) => {
      if (!isJsonObject(element)) return element;
      const copy = { ...element };
      delete copy[sub];
      return copy;
    });
  } else if (isJsonObject(value)) {
    const copy = { ...value };
    delete copy[sub];
    holder[key] = copy;
  }
  return result;
}
