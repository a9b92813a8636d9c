import type { AttrPath } from '../schema/resource-type';

/** RFC 7644 §3.4.2.2 comparison operators (lower case; the grammar is case-insensitive). */
export type CompareOperator = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';

/** A comparison value: strings (quoted or, for older Entra traffic, bare words), numbers, booleans, null. */
export type FilterValue = string | number | boolean | null;

/**
 * A filter as a discriminated union. Paths inside a `valuePath` filter are relative to the
 * elements of the multi-valued attribute. Entra's `emails[type eq "work"].value eq "x"` parses as
 * `valuePath(emails, and(type eq "work", value eq "x"))`: some element matches both.
 */
export type Filter =
  | { type: 'compare'; path: AttrPath; op: CompareOperator; value: FilterValue }
  | { type: 'present'; path: AttrPath }
  | { type: 'and'; left: Filter; right: Filter }
  | { type: 'or'; left: Filter; right: Filter }
  | { type: 'not'; filter: Filter }
  | { type: 'valuePath'; path: AttrPath; filter: Filter };
