/** RFC 7643 §7 attribute characteristics, as this server applies them. */
export type AttributeType =
  'string' | 'boolean' | 'decimal' | 'integer' | 'dateTime' | 'reference' | 'complex' | 'binary';
export type Mutability = 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
export type Returned = 'always' | 'never' | 'default' | 'request';
export type Uniqueness = 'none' | 'server' | 'global';

export interface AttributeDefinition {
  name: string;
  type: AttributeType;
  multiValued: boolean;
  description: string;
  required: boolean;
  caseExact: boolean;
  mutability: Mutability;
  returned: Returned;
  uniqueness: Uniqueness;
  canonicalValues?: string[];
  referenceTypes?: string[];
  subAttributes?: AttributeDefinition[];
}

export interface SchemaDefinition {
  id: string;
  name: string;
  description: string;
  attributes: AttributeDefinition[];
}

type AttributeOptions = Partial<Omit<AttributeDefinition, 'name' | 'type'>>;

const DEFAULTS = {
  multiValued: false,
  description: '',
  required: false,
  caseExact: false,
  mutability: 'readWrite',
  returned: 'default',
  uniqueness: 'none',
} as const;

export function attr(name: string, type: AttributeType, options: AttributeOptions = {}): AttributeDefinition {
  return { name, type, ...DEFAULTS, ...options };
}

export function complex(
  name: string,
  subAttributes: AttributeDefinition[],
  options: AttributeOptions = {},
): AttributeDefinition {
  return { name, type: 'complex', ...DEFAULTS, ...options, subAttributes };
}

/** Finds an attribute by name, case-insensitively (RFC 7643 §2.1: attribute names are case-insensitive). */
export function findAttribute(
  attributes: readonly AttributeDefinition[] | undefined,
  name: string,
): AttributeDefinition | undefined {
  if (!attributes) return undefined;
  return byLowerCaseName(attributes).get(name.toLowerCase());
}

/**
 * Each attribute list's index by lower-cased name, made once: every key of every request body,
 * filter and PATCH path is looked up here, and lower-casing each candidate on each look-up was a
 * visible part of a POST's CPU. Rebuilt if a list's length changed (schemas are constants).
 */
const indexes = new WeakMap<
  readonly AttributeDefinition[],
  { length: number; byName: Map<string, AttributeDefinition> }
>();

function byLowerCaseName(attributes: readonly AttributeDefinition[]): Map<string, AttributeDefinition> {
  let index = indexes.get(attributes);
  if (!index || index.length !== attributes.length) {
    const byName = new Map<string, AttributeDefinition>();
    // The first of two same-named attributes wins, as Array#find did.
    for (const attribute of attributes) {
      const key = attribute.name.toLowerCase();
      if (!byName.has(key)) byName.set(key, attribute);
    }
    index = { length: attributes.length, byName };
    indexes.set(attributes, index);
  }
  return index.byName;
}
