import { ScimError } from '../errors/scim-error';
import { isJsonObject, type JsonObject, type JsonValue } from '../json';
import { findAttribute, type AttributeDefinition } from '../schema/attribute';
import { COMMON_ATTRIBUTES } from '../schema/common.schema';
import type { ResourceTypeDefinition } from '../schema/resource-type';

/**
 * Turns what a client sent (POST/PUT body, or a document after PATCH) into the canonical stored
 * document: schema-cased keys, extension attributes under their URN, booleans as booleans, nulls
 * and empty values dropped, read-only and unknown attributes ignored. Throws ScimError for values
 * of the wrong type. Pure: never mutates its input.
 */
export function normalizeResource(body: unknown, resourceType: ResourceTypeDefinition): JsonObject {
  if (!isJsonObject(body)) {
    throw ScimError.badRequest(
      'invalidSyntax',
      `The request body must be a JSON object describing a ${resourceType.name}.`,
    );
  }
  const result: JsonObject = {};
  for (const [key, value] of Object.entries(body)) {
    const extension = resourceType.extensions.find((e) => e.id.toLowerCase() === key.toLowerCase());
    if (extension) {
      if (value === null) continue;
      if (!isJsonObject(value)) {
        throw ScimError.badRequest(
          'invalidValue',
          `"${key}" must be an object holding the ${extension.name} attributes.`,
        );
      }
      for (const [extKey, extValue] of Object.entries(value)) {
        const definition = findAttribute(extension.attributes, extKey);
        if (definition) setExtensionValue(result, extension.id, definition, extValue);
      }
      continue;
    }
    const common = findAttribute(COMMON_ATTRIBUTES, key);
    if (common) {
      // id and meta are the server's; externalId is the client's.
      if (common.name === 'externalId') setValue(result, common, value, common.name);
      continue;
    }
    const core = findAttribute(resourceType.schema.attributes, key);
    if (core) {
      setValue(result, core, value, core.name);
      continue;
    }
    // Older Entra traffic puts enterprise attributes (department, manager) at the top level, often
    // as nulls: those mean "nothing sent", not "erase what the extension object says".
    if (value === null) continue;
    for (const ext of resourceType.extensions) {
      const definition = findAttribute(ext.attributes, key);
      if (definition) setExtensionValue(result, ext.id, definition, value);
    }
  }
  return result;
}

function setValue(target: JsonObject, definition: AttributeDefinition, value: unknown, label: string): void {
  if (definition.mutability === 'readOnly' || definition.mutability === 'writeOnly') return;
  const normalized = normalizeAttribute(definition, value, label);
  if (normalized === undefined) delete target[definition.name];
  else target[definition.name] = normalized;
}

function setExtensionValue(target: JsonObject, uri: string, definition: AttributeDefinition, value: unknown): void {
  const existing = target[uri];
  const extension: JsonObject = isJsonObject(existing) ? { ...existing } : {};
  setValue(extension, definition, value, `${uri}:${definition.name}`);
  if (Object.keys(extension).length > 0) target[uri] = extension;
  else delete target[uri];
}

/** Returns the canonical value, or undefined when the value is empty (null, "", [], {}). */
export function normalizeAttribute(
  definition: AttributeDefinition,
  value: unknown,
  label: string,
): JsonValue | undefined {
  if (value === null || value === undefined) return undefined;
  if (definition.multiValued) {
    const items = Array.isArray(value) ? value : [value];
    const normalized = items
      .map((item, index) => normalizeSingle(definition, item, `${label}[${index}]`))
      .filter((item): item is JsonValue => item !== undefined);
    return normalized.length > 0 ? normalized : undefined;
  }
  if (isManager(definition)) return normalizeManager(value, label);
  return normalizeSingle(definition, value, label);
}

function normalizeSingle(definition: AttributeDefinition, value: unknown, label: string): JsonValue | undefined {
  if (value === null || value === undefined) return undefined;
  if (definition.type === 'complex') {
    if (!isJsonObject(value)) {
      // A bare value for a multi-valued complex attribute means its "value" sub-attribute.
      if (
        definition.multiValued &&
        (typeof value === 'string' || typeof value === 'number') &&
        findAttribute(definition.subAttributes, 'value')
      ) {
        return { value: String(value) };
      }
      throw ScimError.badRequest('invalidValue', `"${label}" must be an object, got ${describe(value)}.`);
    }
    const result: JsonObject = {};
    for (const [key, subValue] of Object.entries(value)) {
      const sub = findAttribute(definition.subAttributes, key);
      if (!sub) continue;
      const normalized = normalizeSingle(sub, subValue, `${label}.${sub.name}`);
      if (normalized !== undefined) result[sub.name] = normalized;
    }
    return Object.keys(result).length > 0 ? result : undefined;
  }
  return normalizeScalar(definition, value, label);
}

function normalizeScalar(definition: AttributeDefinition, value: unknown, label: string): JsonValue | undefined {
  if (value === '') return undefined;
  switch (definition.type) {
    case 'boolean':
      return toBoolean(value, label);
    case 'integer':
    case 'decimal': {
      const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (
        typeof number !== 'number' ||
        !Number.isFinite(number) ||
        (definition.type === 'integer' && !Number.isInteger(number))
      ) {
        throw ScimError.badRequest(
          'invalidValue',
          `"${label}" must be ${definition.type === 'integer' ? 'an integer' : 'a number'}, got ${describe(value)}.`,
        );
      }
      return number;
    }
    case 'dateTime': {
      if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) {
        throw ScimError.badRequest(
          'invalidValue',
          `"${label}" must be an xsd:dateTime string, got ${describe(value)}.`,
        );
      }
      return value;
    }
    default: {
      if (typeof value === 'number' || typeof value === 'boolean') return String(value);
      if (typeof value !== 'string') {
        throw ScimError.badRequest('invalidValue', `"${label}" must be a string, got ${describe(value)}.`);
      }
      return value === '' ? undefined : value;
    }
  }
}

/** Entra sends booleans as strings in any case ("False"); accept both and store a boolean. */
export function toBoolean(value: unknown, label: string): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const lower = value.trim().toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
  }
  throw ScimError.badRequest('invalidValue', `"${label}" must be a boolean (true or false), got ${describe(value)}.`);
}

function isManager(definition: AttributeDefinition): boolean {
  return definition.name === 'manager' && definition.type === 'complex';
}

/** Manager arrives as an id string, an object with `value`, or a one-element array; stored as `{ value }`. */
function normalizeManager(value: unknown, label: string): JsonObject | undefined {
  let candidate = value;
  if (Array.isArray(candidate)) {
    if (candidate.length > 1)
      throw ScimError.badRequest('invalidValue', `"${label}" takes one manager, got ${candidate.length}.`);
    candidate = candidate[0];
  }
  if (candidate === undefined || candidate === null) return undefined;
  if (isJsonObject(candidate)) candidate = candidate['value'] ?? candidate['Value'];
  if (candidate === undefined || candidate === null || candidate === '') return undefined;
  if (typeof candidate !== 'string') {
    throw ScimError.badRequest('invalidValue', `"${label}" must be the manager's id, got ${describe(candidate)}.`);
  }
  return { value: candidate };
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${JSON.stringify(value)}`;
}
