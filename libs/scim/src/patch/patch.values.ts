import { ScimError } from '../errors/scim-error';
import { isJsonObject, type JsonObject, type JsonPrimitive, type JsonValue } from '../json';
import { findAttribute, type AttributeDefinition } from '../schema/attribute';

/*
 * Turning PATCH values into stored values for one attribute definition. Conventions:
 *   - `null` (and "", [], {} where they make sense) means "no value", i.e. remove;
 *   - inside a complex value a sub-attribute set to null is kept as a deletion marker when the
 *     value is merged (add/replace on a complex attribute), and dropped when it is stored as is;
 *   - unknown and readOnly sub-attributes in a value are ignored, as on POST/PUT (RFC 7643 §7).
 */

/** A simple value, or null for "no value". Booleans may arrive as strings in any case (Entra). */
export function coerceSimple(definition: AttributeDefinition, value: JsonValue, label: string): JsonPrimitive {
  if (value === null) return null;
  if (typeof value === 'object') {
    throw invalidValue(label, `takes a single ${definition.type} value, got ${describe(value)}`);
  }
  switch (definition.type) {
    case 'boolean':
      return toBoolean(value, label);
    case 'integer':
    case 'decimal':
      return toNumber(definition, value, label);
    default:
      // Numbers and booleans become strings, as on POST; "" is no value.
      if (typeof value !== 'string') return String(value);
      return value === '' ? null : value;
  }
}

function toBoolean(value: JsonPrimitive, label: string): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const lower = value.trim().toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
  }
  throw invalidValue(label, `must be a boolean (true or false), got ${describe(value)}`);
}

function toNumber(definition: AttributeDefinition, value: JsonPrimitive, label: string): number {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (
    typeof number !== 'number' ||
    !Number.isFinite(number) ||
    (definition.type === 'integer' && !Number.isInteger(number))
  ) {
    throw invalidValue(
      label,
      `must be ${definition.type === 'integer' ? 'an integer' : 'a number'}, got ${describe(value)}`,
    );
  }
  return number;
}

/**
 * A single-valued complex attribute that only points at another resource (the enterprise
 * `manager`): stored as `{ value }`, since `$ref` and `displayName` are derived from the id.
 */
export function isReference(definition: AttributeDefinition): boolean {
  return (
    definition.type === 'complex' &&
    !definition.multiValued &&
    findAttribute(definition.subAttributes, 'value') !== undefined &&
    findAttribute(definition.subAttributes, '$ref') !== undefined
  );
}

/**
 * A complex value (a single-valued complex attribute, or one element of a multi-valued one) with
 * canonical sub-attribute names; null when it holds nothing. A bare string means its `value`
 * sub-attribute (Entra sends the manager as a plain id). With `keepNulls`, sub-attributes set to
 * null stay in the result so that a merge removes them.
 */
export function coerceComplex(
  definition: AttributeDefinition,
  value: JsonValue,
  label: string,
  keepNulls: boolean,
): JsonObject | null {
  if (value === null || value === '') return null;
  if (Array.isArray(value)) throw invalidValue(label, `takes a single object, got ${describe(value)}`);
  const object = isJsonObject(value) ? value : wrapBareValue(definition, value, label);
  const result: JsonObject = {};
  for (const [key, subValue] of Object.entries(object)) {
    const sub = findAttribute(definition.subAttributes, key);
    if (!sub || sub.mutability === 'readOnly') continue;
    if (isReference(definition) && sub.name !== 'value') continue;
    const coerced = coerceSimple(sub, subValue, `${label}.${sub.name}`);
    if (coerced !== null || keepNulls) result[sub.name] = coerced;
  }
  return Object.keys(result).length > 0 ? result : null;
}

function wrapBareValue(definition: AttributeDefinition, value: JsonPrimitive, label: string): JsonObject {
  if (!findAttribute(definition.subAttributes, 'value')) {
    throw invalidValue(label, `must be an object of sub-attributes, got ${describe(value)}`);
  }
  return { value };
}

/**
 * The value of a single-valued attribute, or null for "remove". Complex values keep null
 * sub-attributes, since they are merged.
 */
export function coerceSingle(definition: AttributeDefinition, value: JsonValue, label: string): JsonValue {
  const single = unwrapSingle(value, label);
  return definition.type === 'complex'
    ? coerceComplex(definition, single, label, true)
    : coerceSimple(definition, single, label);
}

/** Entra wraps the manager in a one-element array: one element is unwrapped, none is no value. */
export function unwrapSingle(value: JsonValue, label: string): JsonValue {
  if (!Array.isArray(value)) return value;
  if (value.length > 1) throw invalidValue(label, `takes one value, got an array of ${value.length}`);
  return value[0] ?? null;
}

/** The values of a multi-valued attribute: a lone value is wrapped; empty values are dropped. */
export function coerceElements(definition: AttributeDefinition, value: JsonValue, label: string): JsonValue[] {
  const items = Array.isArray(value) ? value : [value];
  return items
    .map((item, index) => coerceElement(definition, item, `${label}[${index}]`))
    .filter((item): item is NonNullable<JsonValue> => item !== null);
}

export function coerceElement(definition: AttributeDefinition, value: JsonValue, label: string): JsonValue {
  return definition.type === 'complex'
    ? coerceComplex(definition, value, label, false)
    : coerceSimple(definition, value, label);
}

/** Applies a complex value onto an existing one: given sub-attributes win, null ones are removed. */
export function mergeComplex(existing: JsonValue | undefined, patch: JsonObject): JsonObject {
  const result: JsonObject = isJsonObject(existing) ? { ...existing } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = value;
  }
  return result;
}

/**
 * Whether `element` has everything `probe` has. Identifies "the same" element for add (no
 * duplicates: Entra re-adds `{value}` for a member stored with more sub-attributes) and for
 * remove-with-value. Strings compare case-insensitively unless the sub-attribute is caseExact.
 */
export function elementContains(definition: AttributeDefinition, element: JsonValue, probe: JsonValue): boolean {
  if (!isJsonObject(probe) || !isJsonObject(element)) return sameValue(definition, element, probe);
  return Object.entries(probe).every(([key, value]) => {
    const sub = findAttribute(definition.subAttributes, key);
    return sub !== undefined && element[key] !== undefined && sameValue(sub, element[key], value);
  });
}

function sameValue(definition: AttributeDefinition, a: JsonValue, b: JsonValue): boolean {
  if (typeof a === 'string' && typeof b === 'string' && !definition.caseExact)
    return a.toLowerCase() === b.toLowerCase();
  return JSON.stringify(a) === JSON.stringify(b);
}

function invalidValue(label: string, reason: string): ScimError {
  return ScimError.badRequest('invalidValue', `"${label}" ${reason}.`);
}

function describe(value: JsonValue): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${JSON.stringify(value)}`;
}
