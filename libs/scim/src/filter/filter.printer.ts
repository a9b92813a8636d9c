import type { AttrPath } from '../schema/resource-type';
import type { Filter, FilterValue } from './filter.ast';

/**
 * Prints a filter in canonical form: lower-case keywords, JSON-quoted strings, and parentheses
 * exactly where the parser needs them to rebuild the same tree (`parseFilter(printFilter(f))`
 * deep-equals `f`). Entra's `emails[...].value eq "x"` comes out as `emails[... and value eq "x"]`,
 * which is the same tree.
 */
export function printFilter(filter: Filter): string {
  switch (filter.type) {
    case 'compare':
      return `${printPath(filter.path)} ${filter.op} ${printValue(filter.value)}`;
    case 'present':
      return `${printPath(filter.path)} pr`;
    case 'not':
      return `not (${printFilter(filter.filter)})`;
    case 'valuePath':
      return `${printPath(filter.path)}[${printFilter(filter.filter)}]`;
    case 'and':
      // "and" binds tighter than "or"; both are left-associative, so a right operand of the
      // same kind needs parentheses to keep its shape.
      return `${group(filter.left, filter.left.type === 'or')} and ${group(filter.right, filter.right.type === 'or' || filter.right.type === 'and')}`;
    case 'or':
      return `${printFilter(filter.left)} or ${group(filter.right, filter.right.type === 'or')}`;
  }
}

export function printPath(path: AttrPath): string {
  const name = path.subAttr === undefined ? path.name : `${path.name}.${path.subAttr}`;
  return path.uri === undefined ? name : `${path.uri}:${name}`;
}

function group(filter: Filter, parenthesise: boolean): string {
  return parenthesise ? `(${printFilter(filter)})` : printFilter(filter);
}

function printValue(value: FilterValue): string {
  // The parser keeps a long unquoted digit string as text (an identifier), so a number that
  // large is printed in exponent form to come back as the same number.
  if (typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value))
    return value.toExponential();
  // JSON covers everything else: quoted and escaped strings, numbers, true, false and null.
  return JSON.stringify(value);
}
