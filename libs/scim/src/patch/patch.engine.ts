import { ScimError } from '../errors/scim-error';
import type { Filter } from '../filter/filter.ast';
import { compileFilter } from '../filter/filter.evaluator';
import { isJsonObject, type JsonObject, type JsonValue } from '../json';
import { findAttribute, type AttributeDefinition } from '../schema/attribute';
import { schemaUris, type ResourceTypeDefinition } from '../schema/resource-type';
import { parsePatchPath, type PatchOperation, type PatchPath } from './patch.request';
import { readTarget, resolveTarget, withKey, writeTarget, type Target } from './patch.target';
import {
  coerceComplex,
  coerceElements,
  coerceSimple,
  coerceSingle,
  elementContains,
  isReference,
  mergeComplex,
  unwrapSingle,
} from './patch.values';

/** What one operation does at one target; `remove` may carry Entra's list of values to remove. */
type Change = { op: 'add' | 'replace'; value: JsonValue } | { op: 'remove'; value: JsonValue | undefined };

/**
 * Applies PATCH operations (RFC 7644 §3.5.2, plus the forms Microsoft Entra ID sends) in order
 * and returns the new document. Pure: the input is never modified; unchanged parts of it are
 * shared with the result. Throws ScimError on the first operation that cannot be applied.
 */
export function applyPatch(
  resource: JsonObject,
  operations: readonly PatchOperation[],
  resourceType: ResourceTypeDefinition,
): JsonObject {
  const result = operations.reduce(
    (document, operation) => applyOperation(document, operation, resourceType),
    resource,
  );
  return result === resource ? { ...resource } : result;
}

function applyOperation(
  document: JsonObject,
  operation: PatchOperation,
  resourceType: ResourceTypeDefinition,
): JsonObject {
  if (operation.path === undefined) return applyPathless(document, operation.op, operation.value, resourceType);
  const schema = schemaNamedBy(operation.path, resourceType);
  if (schema !== undefined) return applyToSchema(document, operation, schema, resourceType);
  const change: Change =
    operation.op === 'remove' ? { op: 'remove', value: operation.value } : { op: operation.op, value: operation.value };
  return applyAt(document, resolveTarget(operation.path, resourceType), change, resourceType);
}

// ---------------------------------------------------------------------------------------------
// Path-less add/replace: every key of the value is a path (Entra sends "name.givenName" and
// URN-qualified keys), and a schema URN key holds that schema's attributes.

function applyPathless(
  document: JsonObject,
  op: 'add' | 'replace',
  value: JsonObject,
  resourceType: ResourceTypeDefinition,
): JsonObject {
  return Object.entries(value).reduce(
    (current, [key, entry]) => applyPathlessEntry(current, op, key, entry, resourceType),
    document,
  );
}

function applyPathlessEntry(
  document: JsonObject,
  op: 'add' | 'replace',
  key: string,
  value: JsonValue,
  resourceType: ResourceTypeDefinition,
): JsonObject {
  const schema = schemaUris(resourceType).find((uri) => uri.toLowerCase() === key.toLowerCase());
  if (schema === undefined) {
    return applyAt(document, resolveTarget(parsePatchPath(key), resourceType), { op, value }, resourceType);
  }
  if (value === null && schema !== resourceType.schema.id) return withKey(document, schema, undefined);
  if (!isJsonObject(value)) {
    throw ScimError.badRequest('invalidValue', `"${key}" must be an object holding attributes of that schema.`);
  }
  return Object.entries(value).reduce(
    (current, [name, entry]) =>
      applyAt(
        current,
        resolveTarget(parsePatchPath(`${schema}:${name}`), resourceType),
        { op, value: entry },
        resourceType,
      ),
    document,
  );
}

// ---------------------------------------------------------------------------------------------
// A schema URN as the path (`urn:…:enterprise:2.0:User`): the value holds that schema's
// attributes, as under that key of a path-less value; remove clears the whole extension.

function schemaNamedBy(path: PatchPath, resourceType: ResourceTypeDefinition): string | undefined {
  if (path.type !== 'attrPath') return undefined;
  const text = path.text.trim().toLowerCase();
  return schemaUris(resourceType).find((uri) => uri.toLowerCase() === text);
}

function applyToSchema(
  document: JsonObject,
  operation: PatchOperation & { path: PatchPath },
  schema: string,
  resourceType: ResourceTypeDefinition,
): JsonObject {
  if (operation.op !== 'remove')
    return applyPathlessEntry(document, operation.op, schema, operation.value, resourceType);
  if (schema === resourceType.schema.id) {
    throw ScimError.badRequest(
      'invalidPath',
      `"${operation.path.text}" names the whole ${resourceType.name}; remove its attributes by their own paths.`,
    );
  }
  // A value would mean "remove these attributes"; clearing the whole extension instead would lose data.
  if (operation.value !== undefined && operation.value !== null) {
    throw ScimError.badRequest(
      'invalidValue',
      `"remove" of "${operation.path.text}" clears all its attributes and takes no value; to remove some of them, use paths such as "${schema}:department".`,
    );
  }
  return withKey(document, schema, undefined);
}

// ---------------------------------------------------------------------------------------------
// One change at one resolved path.

function applyAt(
  document: JsonObject,
  target: Target,
  change: Change,
  resourceType: ResourceTypeDefinition,
): JsonObject {
  // Clients commonly send null to clear an attribute.
  if (change.op !== 'remove' && change.value === null)
    return applyAt(document, target, { op: 'remove', value: undefined }, resourceType);
  if (target.filter !== undefined || (target.subAttribute !== undefined && target.attribute.multiValued)) {
    return applyToValues(document, target, change, resourceType);
  }
  if (target.subAttribute !== undefined) return applyToSubAttribute(document, target, target.subAttribute, change);
  return applyToAttribute(document, target, change);
}

/** A whole attribute: `userName`, `name`, `emails`, `members`, `manager`. */
function applyToAttribute(document: JsonObject, target: Target, change: Change): JsonObject {
  const { attribute, label } = target;
  const current = readTarget(document, target);
  if (change.op === 'remove') {
    if (change.value === undefined || change.value === null) return writeTarget(document, target, undefined);
    return removeListedValues(document, target, current, change.value);
  }
  if (!attribute.multiValued)
    return writeTarget(document, target, singleValue(attribute, current, change.value, label));
  const values = coerceElements(attribute, change.value, label);
  // RFC: add appends (an empty array adds nothing); replace swaps in the new set (empty removes).
  const base = change.op === 'add' ? asList(attribute, current) : [];
  return writeTarget(document, target, appendValues(attribute, base, values));
}

/**
 * Add and replace of a single-valued attribute both set it; a complex value is merged, so
 * sub-attributes not given are left unchanged (RFC 7644 §3.5.2.1 and §3.5.2.3). A reference
 * (manager) is replaced outright: it is only its id.
 */
function singleValue(
  attribute: AttributeDefinition,
  current: JsonValue | undefined,
  value: JsonValue,
  label: string,
): JsonValue {
  const coerced = coerceSingle(attribute, value, label);
  if (!isJsonObject(coerced)) return coerced;
  return mergeComplex(isReference(attribute) ? undefined : current, coerced);
}

/**
 * Entra's `{"op":"Remove","path":"members","value":[{"value":"id"}]}`: not RFC, and it means
 * "remove exactly these", never "remove all" (which would wipe the group).
 */
function removeListedValues(
  document: JsonObject,
  target: Target,
  current: JsonValue | undefined,
  value: JsonValue,
): JsonObject {
  const { attribute } = target;
  const listed = coerceElements(attribute, value, target.label);
  if (listed.length === 0) return document;
  const remaining = asList(attribute, current).filter(
    (element) => !listed.some((probe) => elementContains(attribute, element, probe)),
  );
  return writeTarget(document, target, fromList(attribute, remaining));
}

/** A sub-attribute of a single-valued complex attribute: `name.familyName`, `manager.value`. */
function applyToSubAttribute(
  document: JsonObject,
  target: Target,
  subAttribute: AttributeDefinition,
  change: Change,
): JsonObject {
  const current = readTarget(document, target);
  const value = change.op === 'remove' ? null : coerceSimple(subAttribute, change.value, target.label);
  return writeTarget(document, target, withKey(isJsonObject(current) ? current : {}, subAttribute.name, value));
}

// ---------------------------------------------------------------------------------------------
// Selected values: `emails[type eq "work"]`, `emails[type eq "work"].value`, `emails.value`
// (every value), `manager[value eq "id"]` (a single complex value is a list of at most one).

function applyToValues(
  document: JsonObject,
  target: Target,
  change: Change,
  resourceType: ResourceTypeDefinition,
): JsonObject {
  const { attribute } = target;
  const elements = asList(attribute, readTarget(document, target));
  const selects = valueSelector(target, resourceType);
  const matched = elements.map(selects);
  if (change.op === 'remove')
    return writeTarget(document, target, fromList(attribute, removeSelected(target, elements, matched)));
  if (!matched.includes(true)) return createValue(document, target, elements, change.value);

  const updated = elements.map((element, i) =>
    matched[i] ? updateValue(target, element, change.op, change.value) : element,
  );
  const kept = demoteOtherPrimaries(attribute, updated, matched).filter((element) => element !== null);
  return writeTarget(document, target, fromList(attribute, kept));
}

/** Whether a value is selected: the filter is evaluated by the filter engine against `{attr: value}`. */
function valueSelector(target: Target, resourceType: ResourceTypeDefinition): (element: JsonValue) => boolean {
  if (target.filter === undefined) return () => true;
  const valuePath: Filter = { type: 'valuePath', path: target.attrPath, filter: target.filter };
  const predicate = compileValueFilter(target, valuePath, resourceType);
  const name = target.attribute.name;
  return (element) => {
    const holder: JsonObject = { [name]: element };
    return predicate(target.extension === undefined ? holder : { [target.extension]: holder });
  };
}

function compileValueFilter(
  target: Target,
  filter: Filter,
  resourceType: ResourceTypeDefinition,
): (resource: JsonObject) => boolean {
  try {
    return compileFilter(filter, resourceType);
  } catch (error) {
    if (error instanceof ScimError)
      throw ScimError.badRequest('invalidPath', `Invalid path "${target.label}": ${error.detail}`);
    throw error;
  }
}

function removeSelected(target: Target, elements: JsonValue[], matched: boolean[]): JsonValue[] {
  const { subAttribute } = target;
  if (subAttribute === undefined) return elements.filter((_, i) => !matched[i]);
  return elements
    .map((element, i) =>
      matched[i] && isJsonObject(element) ? withKey(element, subAttribute.name, undefined) : element,
    )
    .filter((element) => !isJsonObject(element) || Object.keys(element).length > 0);
}

/** The new state of a selected value; null drops it. */
function updateValue(target: Target, element: JsonValue, op: 'add' | 'replace', value: JsonValue): JsonValue {
  const { attribute, subAttribute, label } = target;
  const object = isJsonObject(element) ? element : {};
  if (subAttribute !== undefined) {
    const updated = withKey(object, subAttribute.name, coerceSimple(subAttribute, value, label));
    return Object.keys(updated).length > 0 ? updated : null;
  }
  // RFC 7644 §3.5.2.3: replace swaps the matching values; add merges into them.
  if (op === 'replace') return coerceComplex(attribute, unwrapSingle(value, label), label, false);
  const merged = mergeComplex(object, coerceComplex(attribute, unwrapSingle(value, label), label, true) ?? {});
  return Object.keys(merged).length > 0 ? merged : null;
}

/**
 * Nothing matched. When the filter only states equalities (`type eq "work"`), the value it
 * describes is created from them: Entra sends `emails[type eq "work"].value` (Add or Replace) to
 * create the work email. Anything else has no target (RFC 7644 §3.5.2.3).
 */
function createValue(document: JsonObject, target: Target, elements: JsonValue[], value: JsonValue): JsonObject {
  const { attribute, subAttribute, label } = target;
  const base = attribute.multiValued || elements.length === 0 ? equalityValue(target) : undefined;
  if (base === undefined) {
    throw ScimError.badRequest('noTarget', `No value of "${attribute.name}" matches the filter of path "${label}".`);
  }
  const given =
    subAttribute !== undefined
      ? withKey({}, subAttribute.name, coerceSimple(subAttribute, value, label))
      : (coerceComplex(attribute, unwrapSingle(value, label), label, false) ?? {});
  if (Object.keys(given).length === 0) return document; // an empty value creates nothing
  const created: JsonObject = { ...base, ...given };
  const list = demoteOtherPrimaries(attribute, [...elements, created], [...elements.map(() => false), true]);
  return writeTarget(document, target, fromList(attribute, list));
}

/** `type eq "work" and primary eq true` → `{type: "work", primary: true}`; undefined for anything else. */
function equalityValue(target: Target): JsonObject | undefined {
  if (target.filter === undefined) return {};
  const terms = equalityTerms(target.filter);
  if (terms === undefined) return undefined;
  const value: JsonObject = {};
  for (const term of terms) {
    const sub =
      term.path.uri === undefined && term.path.subAttr === undefined
        ? findAttribute(target.attribute.subAttributes, term.path.name)
        : undefined;
    if (sub === undefined || term.value === null) return undefined;
    const coerced = coerceSimple(sub, term.value, target.label);
    if (coerced === null) return undefined;
    value[sub.name] = coerced;
  }
  return value;
}

type Comparison = Extract<Filter, { type: 'compare' }>;

function equalityTerms(filter: Filter): Comparison[] | undefined {
  if (filter.type === 'compare') return filter.op === 'eq' ? [filter] : undefined;
  if (filter.type !== 'and') return undefined;
  const left = equalityTerms(filter.left);
  const right = equalityTerms(filter.right);
  return left && right ? [...left, ...right] : undefined;
}

// ---------------------------------------------------------------------------------------------
// Lists of values.

/** The values of an attribute as a list; a single-valued attribute has at most one. */
function asList(attribute: AttributeDefinition, value: JsonValue | undefined): JsonValue[] {
  if (value === undefined || value === null) return [];
  return attribute.multiValued && Array.isArray(value) ? value : [value];
}

function fromList(attribute: AttributeDefinition, values: JsonValue[]): JsonValue | undefined {
  return attribute.multiValued ? values : values[0];
}

/** Appends the values not already present (adding a present member is a quiet no-op). */
function appendValues(attribute: AttributeDefinition, existing: JsonValue[], values: JsonValue[]): JsonValue[] {
  const result = [...existing];
  const added = existing.map(() => false);
  for (const value of values) {
    if (result.some((element) => elementContains(attribute, element, value))) continue;
    result.push(value);
    added.push(true);
  }
  return demoteOtherPrimaries(attribute, result, added);
}

/** RFC 7644 §3.5.2: setting `primary` true on some values sets it false on the others. */
function demoteOtherPrimaries(attribute: AttributeDefinition, elements: JsonValue[], changed: boolean[]): JsonValue[] {
  if (!attribute.multiValued || !findAttribute(attribute.subAttributes, 'primary')) return elements;
  const isPrimary = (element: JsonValue): boolean => isJsonObject(element) && element['primary'] === true;
  if (!elements.some((element, i) => changed[i] && isPrimary(element))) return elements;
  return elements.map((element, i) =>
    !changed[i] && isJsonObject(element) && isPrimary(element) ? { ...element, primary: false } : element,
  );
}
