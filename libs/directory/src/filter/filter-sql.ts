import {
  ScimError,
  resolveAttribute,
  type AttributeDefinition,
  type AttrPath,
  type CompareOperator,
  type Filter,
  type FilterValue,
  type ResourceTypeDefinition,
  type ResolvedAttribute,
} from '@scim/scim';
import { isResourceId } from '../resource-id';
import type { SqlParams } from './sql-params';

/** How a scalar is stored, which decides how it is compared. */
export type SqlValueKind = 'text' | 'uuid' | 'boolean' | 'timestamp' | 'number';

/** A SQL expression for one attribute value, e.g. `u.user_name` or `(u.data #>> $3)`. */
export interface SqlScalar {
  kind: 'scalar';
  expression: string;
  valueKind: SqlValueKind;
  caseExact: boolean;
}

/** A multi-valued attribute: its elements are rows of `jsonb_array_elements(<array>)`. */
export interface SqlArray {
  kind: 'array';
  /** The jsonb array expression. */
  array: string;
  attribute: AttributeDefinition;
}

export interface SqlRelation {
  exists(condition: string): string;
  scalars: ElementScalars;
}

/** Answers how a resolved attribute is reached in SQL for one table; undefined falls back to the jsonb document. */
export interface SqlResourceMapping {
  resourceType: ResourceTypeDefinition;
  /** The jsonb document column, e.g. `u.data`. */
  document: string;
  column(resolved: ResolvedAttribute, params: SqlParams): SqlScalar | SqlArray | 'always-false' | undefined;
  /**
   * Multi-valued attributes kept in a table of their own (group members): `exists` wraps a
   * condition on one element row; `scalars` maps the element's sub-attributes to its columns.
   */
  relation?(attribute: AttributeDefinition): SqlRelation | undefined;
  /** The resource's `schemas` as a SQL text[] (core URN, plus extensions the document has). */
  schemas(params: SqlParams): string;
  /**
   * Rewrites a value filter on a multi-valued attribute to columns (e.g. the one stored work email),
   * so that Entra's matching queries use an index. Undefined: use the generic EXISTS form.
   */
  valuePath?(attribute: AttributeDefinition, filter: Filter, params: SqlParams): string | undefined;
}

/**
 * Translates a filter AST into a parameterised SQL boolean expression (RFC 7644 §3.4.2.2).
 * A comparison on a missing attribute is NULL, which AND, OR and WHERE treat as false; `not` is
 * written `IS NOT TRUE` so that it negates that false too. Comparisons stay bare (no COALESCE)
 * so that the indexes on lower(user_name), external_id and lower(work_email) are used.
 */
export function filterToSql(filter: Filter, mapping: SqlResourceMapping, params: SqlParams): string {
  switch (filter.type) {
    case 'and':
      return `(${filterToSql(filter.left, mapping, params)} AND ${filterToSql(filter.right, mapping, params)})`;
    case 'or':
      return `(${filterToSql(filter.left, mapping, params)} OR ${filterToSql(filter.right, mapping, params)})`;
    case 'not':
      return `(${filterToSql(filter.filter, mapping, params)} IS NOT TRUE)`;
    case 'present':
    case 'compare':
      return attributeCondition(filter, mapping, params);
    case 'valuePath':
      return valuePathCondition(filter.path, filter.filter, mapping, params);
  }
}

function resolve(mapping: SqlResourceMapping, path: AttrPath): ResolvedAttribute | undefined {
  return resolveAttribute(mapping.resourceType, path);
}

function attributeCondition(
  filter: Extract<Filter, { type: 'present' | 'compare' }>,
  mapping: SqlResourceMapping,
  params: SqlParams,
): string {
  if (
    filter.path.uri === undefined &&
    filter.path.subAttr === undefined &&
    filter.path.name.toLowerCase() === 'schemas'
  ) {
    // `schemas` is not a schema attribute but is filterable (RFC 7644 §3.4.2.2 example): any URN matches.
    const element = scalarCondition(
      filter,
      { kind: 'scalar', expression: 's.v', valueKind: 'text', caseExact: false },
      params,
    );
    return `EXISTS (SELECT 1 FROM unnest(${mapping.schemas(params)}) AS s(v) WHERE ${element})`;
  }
  const resolved = resolve(mapping, filter.path);
  // An attribute the resource type does not have is never present and never equal to anything.
  if (!resolved) return 'FALSE';
  const relation = resolved.extension ? undefined : mapping.relation?.(resolved.attribute);
  if (relation) {
    // `members eq "id"` compares the element's value; `members.type eq "User"` a sub-attribute.
    const target = relation.scalars(resolved.subAttribute?.name ?? 'value');
    return target ? relation.exists(scalarCondition(filter, target, params)) : 'FALSE';
  }
  const target = mapping.column(resolved, params) ?? documentTarget(resolved, mapping, params);
  if (target === 'always-false') return 'FALSE';
  if (target.kind === 'array') {
    // `emails co "x"` or `emails.type eq "work"`: some element matches (RFC 7644 §3.4.2.2).
    const sub = resolved.subAttribute ?? subAttributeValue(target.attribute);
    const element = elementScalar('e.v', sub, params);
    return `EXISTS (SELECT 1 FROM jsonb_array_elements(${target.array}) AS e(v) WHERE ${scalarCondition(filter, element, params)})`;
  }
  return scalarCondition(filter, target, params);
}

function valuePathCondition(path: AttrPath, inner: Filter, mapping: SqlResourceMapping, params: SqlParams): string {
  const resolved = resolve(mapping, path);
  if (!resolved || resolved.subAttribute) {
    if (resolved?.subAttribute)
      throw ScimError.badRequest(
        'invalidFilter',
        `A value filter applies to a multi-valued attribute, not to "${path.name}.${path.subAttr}".`,
      );
    return 'FALSE';
  }
  const attribute = resolved.attribute;
  const relation = resolved.extension ? undefined : mapping.relation?.(attribute);
  if (relation) return relation.exists(elementFilterToSql(inner, relation.scalars, attribute.name, params));
  const rewritten = mapping.valuePath?.(attribute, inner, params);
  if (rewritten !== undefined) return rewritten;
  if (!attribute.multiValued) {
    // A value filter on a single attribute (e.g. `manager[value eq "x"]`) tests it directly, when
    // present. The presence test also uses the path parameter when no sub-attribute matches
    // (`userName[x eq "a"]`): Postgres refuses a parameter the statement does not use.
    const base = documentPath(resolved, params, mapping.document);
    return `(${base.json} IS NOT NULL AND ${elementFilterToSql(inner, jsonElementScalars(`(${base.json})`, attribute, params), attribute.name, params)})`;
  }
  const array = documentPath(resolved, params, mapping.document).json;
  return `EXISTS (SELECT 1 FROM jsonb_array_elements(CASE WHEN jsonb_typeof(${array}) = 'array' THEN ${array} ELSE '[]'::jsonb END) AS e(v) WHERE ${elementFilterToSql(inner, jsonElementScalars('e.v', attribute, params), attribute.name, params)})`;
}

/** How a sub-attribute of the element being filtered is reached in SQL; undefined: it never matches. */
export type ElementScalars = (subAttribute: string) => SqlScalar | undefined;

/**
 * A filter evaluated against one element of a multi-valued attribute (`emails[...]`,
 * `members[...]`): its paths name sub-attributes, which `scalars` maps to SQL.
 */
export function elementFilterToSql(
  filter: Filter,
  scalars: ElementScalars,
  parentName: string,
  params: SqlParams,
): string {
  switch (filter.type) {
    case 'and':
      return `(${elementFilterToSql(filter.left, scalars, parentName, params)} AND ${elementFilterToSql(filter.right, scalars, parentName, params)})`;
    case 'or':
      return `(${elementFilterToSql(filter.left, scalars, parentName, params)} OR ${elementFilterToSql(filter.right, scalars, parentName, params)})`;
    case 'not':
      return `(${elementFilterToSql(filter.filter, scalars, parentName, params)} IS NOT TRUE)`;
    case 'valuePath':
      throw ScimError.badRequest('invalidFilter', `Value filters cannot be nested (inside "${parentName}[...]").`);
    case 'present':
    case 'compare': {
      const name = filter.path.subAttr === undefined ? filter.path.name : `${filter.path.name}.${filter.path.subAttr}`;
      const target = scalars(name);
      return target ? scalarCondition(filter, target, params) : 'FALSE';
    }
  }
}

/** Sub-attributes of a jsonb element (`e.v`), typed by the attribute's definition. */
function jsonElementScalars(element: string, parent: AttributeDefinition, params: SqlParams): ElementScalars {
  return (name) => {
    const sub = parent.subAttributes?.find((a) => a.name.toLowerCase() === name.toLowerCase());
    return sub ? elementScalar(element, sub, params) : undefined;
  };
}

function subAttributeValue(attribute: AttributeDefinition): AttributeDefinition | undefined {
  return attribute.subAttributes?.find((a) => a.name === 'value');
}

function elementScalar(element: string, sub: AttributeDefinition | undefined, params: SqlParams): SqlScalar {
  if (!sub) return { kind: 'scalar', expression: `(${element} #>> '{}')`, valueKind: 'text', caseExact: false };
  return jsonScalar(`(${element} ->> ${params.add(sub.name)})`, sub);
}

function jsonScalar(expression: string, definition: AttributeDefinition): SqlScalar {
  const valueKind: SqlValueKind =
    definition.type === 'boolean'
      ? 'boolean'
      : definition.type === 'dateTime'
        ? 'timestamp'
        : definition.type === 'integer' || definition.type === 'decimal'
          ? 'number'
          : 'text';
  return { kind: 'scalar', expression, valueKind, caseExact: definition.caseExact };
}

interface DocumentPath {
  /** jsonb expression of the attribute (or sub-attribute). */
  json: string;
  /** text expression of the same. */
  text: string;
}

function documentPath(resolved: ResolvedAttribute, params: SqlParams, document: string): DocumentPath {
  const keys = [
    ...(resolved.extension ? [resolved.extension] : []),
    resolved.attribute.name,
    ...(resolved.subAttribute ? [resolved.subAttribute.name] : []),
  ];
  const placeholder = `${params.add(keys)}::text[]`;
  return { json: `(${document} #> ${placeholder})`, text: `(${document} #>> ${placeholder})` };
}

function documentTarget(
  resolved: ResolvedAttribute,
  mapping: SqlResourceMapping,
  params: SqlParams,
): SqlScalar | SqlArray {
  if (resolved.attribute.multiValued) {
    const array = documentPath({ ...resolved, subAttribute: undefined }, params, mapping.document).json;
    return {
      kind: 'array',
      array: `CASE WHEN jsonb_typeof(${array}) = 'array' THEN ${array} ELSE '[]'::jsonb END`,
      attribute: resolved.attribute,
    };
  }
  if (resolved.attribute.type === 'complex' && !resolved.subAttribute) {
    // `manager eq "id"`: a complex attribute compared as a whole means its `value`.
    const value = subAttributeValue(resolved.attribute);
    if (!value) return { kind: 'scalar', expression: 'NULL', valueKind: 'text', caseExact: false };
    return jsonScalar(documentPath({ ...resolved, subAttribute: value }, params, mapping.document).text, value);
  }
  const definition = resolved.subAttribute ?? resolved.attribute;
  return jsonScalar(documentPath(resolved, params, mapping.document).text, definition);
}

/** The condition for one comparison against one scalar expression. Missing values give FALSE. */
export function scalarCondition(
  filter: Extract<Filter, { type: 'present' | 'compare' }>,
  target: SqlScalar,
  params: SqlParams,
): string {
  const x = target.expression;
  if (filter.type === 'present') {
    return target.valueKind === 'text' ? `(${x} <> '')` : `(${x} IS NOT NULL)`;
  }
  const { op, value } = filter;
  if (value === null) {
    if (op === 'eq') return `(${x} IS NULL)`;
    if (op === 'ne') return `(${x} IS NOT NULL)`;
    throw ScimError.badRequest('invalidFilter', `The operator "${op}" cannot compare with null.`);
  }
  switch (target.valueKind) {
    case 'boolean':
      return booleanCondition(x, op, value, params);
    case 'timestamp':
      return orderedCondition(`(${x})::timestamptz`, op, `${params.add(dateValue(value))}::timestamptz`, 'a dateTime');
    case 'number':
      return numberCondition(x, op, value, params);
    case 'uuid':
      return uuidCondition(x, op, value, params);
    case 'text':
      return textCondition(target, op, String(value), params);
  }
}

function booleanCondition(x: string, op: CompareOperator, value: FilterValue, params: SqlParams): string {
  const bool =
    typeof value === 'boolean'
      ? value
      : typeof value === 'string' && /^(true|false)$/i.test(value)
        ? value.toLowerCase() === 'true'
        : undefined;
  if (bool === undefined)
    throw ScimError.badRequest(
      'invalidFilter',
      `A boolean attribute compares with true or false, not ${JSON.stringify(value)}.`,
    );
  const p = `${params.add(bool)}::boolean`;
  const cast = `(${x})::boolean`;
  if (op === 'eq') return `(${cast} = ${p})`;
  if (op === 'ne') return `(${cast} <> ${p})`;
  throw ScimError.badRequest(
    'invalidFilter',
    `The operator "${op}" does not apply to a boolean attribute; use eq or ne.`,
  );
}

/**
 * The instant as an ISO string Postgres reads: JavaScript accepts forms Postgres does not ("1",
 * "2026-02-30"), so the value is passed as JavaScript understood it, never as written.
 */
function dateValue(value: FilterValue): string {
  const time = typeof value === 'string' ? Date.parse(value) : NaN;
  const year = new Date(time).getUTCFullYear();
  if (Number.isNaN(time) || year < 1 || year > 9999) {
    throw ScimError.badRequest(
      'invalidFilter',
      `A dateTime attribute compares with a date such as "2026-01-01T00:00:00Z", not ${JSON.stringify(value)}.`,
    );
  }
  return new Date(time).toISOString();
}

function numberCondition(x: string, op: CompareOperator, value: FilterValue, params: SqlParams): string {
  const number = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(number))
    throw ScimError.badRequest(
      'invalidFilter',
      `A number attribute compares with a number, not ${JSON.stringify(value)}.`,
    );
  return orderedCondition(`(${x})::numeric`, op, `${params.add(number)}::numeric`, 'a number');
}

function orderedCondition(x: string, op: CompareOperator, p: string, what: string): string {
  const sql: Partial<Record<CompareOperator, string>> = { eq: '=', ne: '<>', gt: '>', ge: '>=', lt: '<', le: '<=' };
  const operator = sql[op];
  if (!operator) throw ScimError.badRequest('invalidFilter', `The operator "${op}" does not apply to ${what}.`);
  return `(${x} ${operator} ${p})`;
}

function uuidCondition(x: string, op: CompareOperator, value: FilterValue, params: SqlParams): string {
  const text = String(value);
  if (op === 'eq') return isResourceId(text) ? `(${x} = ${params.add(text.toLowerCase())}::uuid)` : 'FALSE';
  if (op === 'ne') return isResourceId(text) ? `(${x} <> ${params.add(text.toLowerCase())}::uuid)` : 'TRUE';
  // ids are compared case-exactly as text for the substring and ordering operators.
  return textCondition(
    { kind: 'scalar', expression: `(${x})::text`, valueKind: 'text', caseExact: true },
    op,
    text,
    params,
  );
}

function textCondition(target: SqlScalar, op: CompareOperator, value: string, params: SqlParams): string {
  const x = target.caseExact ? target.expression : `lower(${target.expression})`;
  const p = target.caseExact ? params.add(value) : `lower(${params.add(value)})`;
  const condition = (() => {
    switch (op) {
      case 'eq':
        return `${x} = ${p}`;
      case 'ne':
        return `${x} <> ${p}`;
      case 'co':
        return `strpos(${x}, ${p}) > 0`;
      case 'sw':
        return `starts_with(${x}, ${p})`;
      case 'ew':
        return `right(${x}, char_length(${p})) = ${p}`;
      case 'gt':
        return `${x} > ${p} COLLATE "C"`;
      case 'ge':
        return `${x} >= ${p} COLLATE "C"`;
      case 'lt':
        return `${x} < ${p} COLLATE "C"`;
      case 'le':
        return `${x} <= ${p} COLLATE "C"`;
    }
  })();
  return `(${condition})`;
}

/**
 * The ORDER BY expression for `sortBy` (RFC 7644 §3.4.2.3): the attribute's value, compared the
 * way its `caseExact` says; for a multi-valued attribute, its primary (else first) value.
 * Sorting by an attribute the resource type does not have, or by a relation, is a 400. Undefined
 * for an attribute that is never stored (`meta.version`): every resource ties, so the order is
 * creation order (Postgres refuses a constant such as NULL in ORDER BY).
 */
export function sortExpression(path: AttrPath, mapping: SqlResourceMapping, params: SqlParams): string | undefined {
  const resolved = resolve(mapping, path);
  const name = path.subAttr === undefined ? path.name : `${path.name}.${path.subAttr}`;
  if (!resolved)
    throw ScimError.badRequest(
      'invalidValue',
      `sortBy names "${name}", which ${mapping.resourceType.name} resources do not have.`,
    );
  if (!resolved.extension && mapping.relation?.(resolved.attribute)) {
    throw ScimError.badRequest('invalidValue', `Resources cannot be sorted by "${name}".`);
  }
  const column = mapping.column(resolved, params);
  const target = column === 'always-false' ? undefined : (column ?? documentTarget(resolved, mapping, params));
  if (!target) return undefined;
  if (target.kind === 'array') {
    const sub = resolved.subAttribute ?? subAttributeValue(target.attribute);
    const element = elementScalar('e.v', sub, params);
    const value =
      element.caseExact || element.valueKind !== 'text' ? element.expression : `lower(${element.expression})`;
    const collated = element.valueKind === 'text' ? ' COLLATE "C"' : '';
    return `(SELECT ${value} FROM jsonb_array_elements(${target.array}) WITH ORDINALITY AS e(v, n) ORDER BY (e.v ->> 'primary') = 'true' DESC, e.n LIMIT 1)${collated}`;
  }
  const typed =
    target.valueKind === 'timestamp'
      ? `(${target.expression})::timestamptz`
      : target.valueKind === 'number'
        ? `(${target.expression})::numeric`
        : target.valueKind === 'boolean'
          ? `(${target.expression})::boolean`
          : target.expression;
  // Strings sort by code point (COLLATE "C"), as gt/lt compare them: the same on every server.
  if (target.valueKind !== 'text') return typed;
  return `${target.caseExact ? typed : `lower(${typed})`} COLLATE "C"`;
}

export function sqlScalar(expression: string, valueKind: SqlValueKind, caseExact: boolean): SqlScalar {
  return { kind: 'scalar', expression, valueKind, caseExact };
}

/**
 * The columns every resource table has (`<alias>.id`, `external_id`, `created_at`, `updated_at`)
 * for the common attributes id, externalId and meta; undefined for any other attribute.
 */
export function commonColumn(
  alias: string,
  resourceTypeName: string,
  resolved: ResolvedAttribute,
): SqlScalar | 'always-false' | undefined {
  if (resolved.extension) return undefined;
  switch (resolved.attribute.name) {
    case 'id':
      return sqlScalar(`${alias}.id`, 'uuid', true);
    case 'externalId':
      return sqlScalar(`${alias}.external_id`, 'text', true);
    case 'meta':
      switch (resolved.subAttribute?.name) {
        case 'created':
          return sqlScalar(`${alias}.created_at`, 'timestamp', false);
        case 'lastModified':
          return sqlScalar(`${alias}.updated_at`, 'timestamp', false);
        case 'resourceType':
          return sqlScalar(`'${resourceTypeName}'`, 'text', true);
        default:
          return 'always-false';
      }
    default:
      return undefined;
  }
}
