import { ScimError } from '../errors/scim-error';
import { attr, findAttribute, type AttributeDefinition } from '../schema/attribute';
import { resolveAttribute, type AttrPath, type ResourceTypeDefinition } from '../schema/resource-type';
import type { CompareOperator, Filter, FilterValue } from './filter.ast';
import { printPath } from './filter.printer';

/**
 * In-memory evaluation of a filter over SCIM JSON resources (RFC 7644 §3.4.2.2).
 *
 * The filter is compiled once against the resource type, so a filter that cannot be applied
 * (`active gt true`, a date that is not a date) is rejected whatever the data, instead of only
 * when some resource happens to reach the bad comparison.
 */
export type ResourcePredicate = (resource: Record<string, unknown>) => boolean;

export function matchesFilter(
  resource: Record<string, unknown>,
  filter: Filter,
  resourceType: ResourceTypeDefinition,
): boolean {
  return compileFilter(filter, resourceType)(resource);
}

/** Validates the filter against the resource type and returns a predicate to test many resources with. */
export function compileFilter(filter: Filter, resourceType: ResourceTypeDefinition): ResourcePredicate {
  return compile(filter, resourceScope(resourceType));
}

/** An attribute a path points to, with the way to read its values from a resource or an element. */
interface Target {
  /** Governs type and case-sensitivity; undefined when the attribute has no value to compare (`name eq "x"`). */
  definition: AttributeDefinition | undefined;
  /** The candidate values; a comparison matches when any of them does. */
  values(node: unknown): unknown[];
  /** Whether `pr` holds. */
  present(node: unknown): boolean;
}

/** Resolves paths: against the resource type at the top, against sub-attributes inside `emails[...]`. */
interface Scope {
  resolve(path: AttrPath): Target | undefined;
  /** Compiles `path[filter]`; only the resource scope allows it (value filters do not nest). */
  valuePath(path: AttrPath, filter: Filter): Predicate;
}

type Predicate = (node: unknown) => boolean;

const never: Predicate = () => false;

/** `schemas` is on every resource but in no schema's attribute list. */
const SCHEMAS_ATTRIBUTE = attr('schemas', 'reference', { multiValued: true, caseExact: false });

function compile(filter: Filter, scope: Scope): Predicate {
  switch (filter.type) {
    case 'and': {
      const left = compile(filter.left, scope);
      const right = compile(filter.right, scope);
      return (node) => left(node) && right(node);
    }
    case 'or': {
      const left = compile(filter.left, scope);
      const right = compile(filter.right, scope);
      return (node) => left(node) || right(node);
    }
    case 'not': {
      const inner = compile(filter.filter, scope);
      return (node) => !inner(node);
    }
    case 'present': {
      const target = scope.resolve(filter.path);
      return target ? (node) => target.present(node) : never;
    }
    case 'compare':
      return compileComparison(filter.path, filter.op, filter.value, scope);
    case 'valuePath':
      return scope.valuePath(filter.path, filter.filter);
  }
}

function compileComparison(path: AttrPath, op: CompareOperator, value: FilterValue, scope: Scope): Predicate {
  const subject = `${printPath(path)} ${op}`;
  if (value === null) return compileNullComparison(path, op, scope, subject);
  if (typeof value === 'boolean' && op !== 'eq' && op !== 'ne') {
    throw invalid(`"${subject} ${value}": true and false can only be compared with eq or ne`);
  }
  const target = scope.resolve(path);
  // Unknown attributes match nothing (RFC 7644 §3.4.2.2 leaves them to the server).
  if (!target?.definition) return never;
  const test = compareValue(target.definition, op, value, subject);
  return (node) => target.values(node).some(test);
}

/** `x eq null` is "x is absent", `x ne null` is "x is present". */
function compileNullComparison(path: AttrPath, op: CompareOperator, scope: Scope, subject: string): Predicate {
  if (op !== 'eq' && op !== 'ne') throw invalid(`"${subject} null": null can only be compared with eq or ne`);
  const target = scope.resolve(path);
  const present = target ? (node: unknown) => target.present(node) : never;
  return op === 'eq' ? (node) => !present(node) : present;
}

// ---------------------------------------------------------------------------------------------
// Scopes

function resourceScope(resourceType: ResourceTypeDefinition): Scope {
  return {
    resolve(path) {
      if (isSchemasPath(path, resourceType))
        return simpleTarget(SCHEMAS_ATTRIBUTE, (node) => property(node, 'schemas'));
      const resolved = resolveAttribute(resourceType, path);
      if (!resolved) return undefined;
      const { extension, attribute, subAttribute } = resolved;
      const read = (node: unknown): unknown =>
        property(extension === undefined ? node : property(node, extension), attribute.name);
      if (subAttribute) return subAttributeTarget(read, subAttribute);
      return attribute.type === 'complex' ? complexTarget(read, attribute) : simpleTarget(attribute, read);
    },
    valuePath(path, filter) {
      const resolved = path.subAttr === undefined ? resolveAttribute(resourceType, path) : undefined;
      if (!resolved) {
        assertNoNestedValuePath(filter); // still reject what could never be valid
        return never;
      }
      const { extension, attribute } = resolved;
      const inner = compile(filter, elementScope(attribute));
      return (node) => {
        const container = extension === undefined ? node : property(node, extension);
        return elementsOf(property(container, attribute.name)).some(inner);
      };
    },
  };
}

/** Inside `emails[...]`: plain names are sub-attributes of one element. */
function elementScope(parent: AttributeDefinition): Scope {
  return {
    resolve(path) {
      if (path.uri !== undefined || path.subAttr !== undefined) return undefined;
      const sub = findAttribute(parent.subAttributes, path.name);
      return sub ? simpleTarget(sub, (element) => property(element, sub.name)) : undefined;
    },
    valuePath(path) {
      throw invalid(`value filters cannot be nested ("${printPath(path)}[...]" inside "${parent.name}[...]")`);
    },
  };
}

function assertNoNestedValuePath(filter: Filter): void {
  compile(filter, elementScope(attr('unknown', 'complex')));
}

function isSchemasPath(path: AttrPath, resourceType: ResourceTypeDefinition): boolean {
  const coreUri = path.uri === undefined || path.uri.toLowerCase() === resourceType.schema.id.toLowerCase();
  return coreUri && path.subAttr === undefined && path.name.toLowerCase() === 'schemas';
}

// ---------------------------------------------------------------------------------------------
// Targets

/** A simple attribute, single- or multi-valued: compare each value. */
function simpleTarget(definition: AttributeDefinition, read: (node: unknown) => unknown): Target {
  return {
    definition,
    values: (node) => elementsOf(read(node)),
    present: (node) => isPresent(read(node)),
  };
}

/** `name.familyName`, `emails.value`: the sub-attribute of the one value or of every element. */
function subAttributeTarget(read: (node: unknown) => unknown, subAttribute: AttributeDefinition): Target {
  const values = (node: unknown) =>
    elementsOf(read(node)).flatMap((element) => elementsOf(property(element, subAttribute.name)));
  return { definition: subAttribute, values, present: (node) => values(node).some(isPresent) };
}

/** `emails co "x"`, `manager eq "id"`: a complex attribute compared without a sub-attribute means its `value`. */
function complexTarget(read: (node: unknown) => unknown, attribute: AttributeDefinition): Target {
  const valueAttribute = findAttribute(attribute.subAttributes, 'value');
  return {
    definition: valueAttribute,
    values: (node) =>
      valueAttribute
        ? elementsOf(read(node)).flatMap((element) => elementsOf(property(element, valueAttribute.name)))
        : [],
    present: (node) => isPresent(read(node)),
  };
}

/** Reads a key of a JSON object; exact key first, then any case (attribute names are case-insensitive). */
function property(node: unknown, name: string): unknown {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
  const record = node as Record<string, unknown>;
  if (name in record) return record[name];
  const wanted = name.toLowerCase();
  const key = Object.keys(record).find((k) => k.toLowerCase() === wanted);
  return key === undefined ? undefined : record[key];
}

function elementsOf(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** RFC 7644 `pr`: has a non-empty value (not null, "", [] or {} — also not an array or object of those). */
function isPresent(value: unknown): boolean {
  if (value === undefined || value === null || value === '') return false;
  if (Array.isArray(value)) return value.some(isPresent);
  if (typeof value === 'object') return Object.values(value).some(isPresent);
  return true;
}

// ---------------------------------------------------------------------------------------------
// Comparisons

type ValueTest = (actual: unknown) => boolean;

/** Builds the test for one candidate value, or throws when the operator cannot apply to the attribute. */
function compareValue(
  definition: AttributeDefinition,
  op: CompareOperator,
  value: string | number | boolean,
  subject: string,
): ValueTest {
  switch (definition.type) {
    case 'boolean':
      return compareBoolean(op, value, subject);
    case 'integer':
    case 'decimal':
      return compareNumber(op, value, subject);
    case 'dateTime':
      return compareDateTime(definition, op, value, subject);
    case 'complex':
      return () => false;
    case 'string':
    case 'reference':
    case 'binary':
      return compareString(definition, op, String(value));
  }
}

function compareBoolean(op: CompareOperator, value: string | number | boolean, subject: string): ValueTest {
  if (op !== 'eq' && op !== 'ne') throw invalid(`"${subject}": a boolean attribute can only be compared with eq or ne`);
  const expected = toBoolean(value);
  if (expected === undefined)
    throw invalid(`"${subject} ${JSON.stringify(value)}": a boolean attribute can only be compared with true or false`);
  return (actual) => {
    const bool = toBoolean(actual);
    return bool !== undefined && (op === 'eq' ? bool === expected : bool !== expected);
  };
}

function toBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value !== 'string') return undefined;
  const lower = value.toLowerCase();
  return lower === 'true' ? true : lower === 'false' ? false : undefined;
}

function compareNumber(op: CompareOperator, value: string | number | boolean, subject: string): ValueTest {
  const expected = toNumber(value);
  if (expected === undefined)
    throw invalid(`"${subject} ${JSON.stringify(value)}": a numeric attribute must be compared with a number`);
  if (op === 'co' || op === 'sw' || op === 'ew')
    throw invalid(`"${subject}": co, sw and ew apply to strings, not numbers`);
  return (actual) => {
    const number = toNumber(actual);
    return number !== undefined && order(op, number, expected);
  };
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const number = Number(value);
  return Number.isFinite(number) ? number : undefined;
}

/** Date-times compare by instant, so `2011-05-13T04:42:34Z` equals `2011-05-13T06:42:34+02:00`; co/sw/ew look at the text. */
function compareDateTime(
  definition: AttributeDefinition,
  op: CompareOperator,
  value: string | number | boolean,
  subject: string,
): ValueTest {
  if (op === 'co' || op === 'sw' || op === 'ew') return compareString(definition, op, String(value));
  const expected = typeof value === 'string' ? Date.parse(value) : NaN;
  if (Number.isNaN(expected)) {
    throw invalid(`"${subject} ${JSON.stringify(value)}": expected a date-time such as "2011-05-13T04:42:34Z"`);
  }
  return (actual) => {
    const instant = typeof actual === 'string' ? Date.parse(actual) : NaN;
    return !Number.isNaN(instant) && order(op, instant, expected);
  };
}

function compareString(definition: AttributeDefinition, op: CompareOperator, value: string): ValueTest {
  const fold = definition.caseExact ? (text: string) => text : (text: string) => text.toLowerCase();
  const expected = fold(value);
  return (actual) => {
    if (typeof actual !== 'string' && typeof actual !== 'number' && typeof actual !== 'boolean') return false;
    const text = fold(String(actual));
    switch (op) {
      case 'co':
        return text.includes(expected);
      case 'sw':
        return text.startsWith(expected);
      case 'ew':
        return text.endsWith(expected);
      default:
        return order(op, text, expected); // lexicographic by UTF-16 code unit, as in a "C" collation
    }
  };
}

function order<T extends string | number>(
  op: Exclude<CompareOperator, 'co' | 'sw' | 'ew'>,
  actual: T,
  expected: T,
): boolean {
  switch (op) {
    case 'eq':
      return actual === expected;
    case 'ne':
      return actual !== expected;
    case 'gt':
      return actual > expected;
    case 'ge':
      return actual >= expected;
    case 'lt':
      return actual < expected;
    case 'le':
      return actual <= expected;
  }
}

function invalid(detail: string): ScimError {
  return ScimError.badRequest('invalidFilter', `Invalid filter: ${detail}`);
}
