import { ScimError } from '../errors/scim-error';
import type { Filter } from './filter.ast';

/** Comparisons (including `pr`) one list filter may hold. */
export const MAX_FILTER_COMPARISONS = 100;
/**
 * Substring comparisons (`co`, `sw`, `ew`) one list filter may hold: each is a scan of every
 * resource of the tenant that no index serves (200 `co` on 100,000 users ran 18.6 s; 20 run
 * within the 5 s statement timeout).
 */
export const MAX_SUBSTRING_COMPARISONS = 20;

function count(filter: Filter): { comparisons: number; substrings: number } {
  switch (filter.type) {
    case 'compare':
      return { comparisons: 1, substrings: filter.op === 'co' || filter.op === 'sw' || filter.op === 'ew' ? 1 : 0 };
    case 'present':
      return { comparisons: 1, substrings: 0 };
    case 'not':
    case 'valuePath':
      return count(filter.filter);
    case 'and':
    case 'or': {
      const left = count(filter.left);
      const right = count(filter.right);
      return { comparisons: left.comparisons + right.comparisons, substrings: left.substrings + right.substrings };
    }
  }
}

/**
 * Refuses, before it runs, a list filter too costly to answer within the time limit: a 400 that
 * says why and what to do instead of a 503 after seconds of database time.
 */
export function assertFilterCost(filter: Filter): Filter {
  const { comparisons, substrings } = count(filter);
  if (substrings > MAX_SUBSTRING_COMPARISONS) {
    throw ScimError.badRequest(
      'invalidFilter',
      `The filter has ${substrings} substring comparisons (co, sw, ew); at most ${MAX_SUBSTRING_COMPARISONS} are allowed in one request, because each one reads every resource. Use eq where you can, or split the query into several requests.`,
    );
  }
  if (comparisons > MAX_FILTER_COMPARISONS) {
    throw ScimError.badRequest(
      'invalidFilter',
      `The filter has ${comparisons} comparisons; at most ${MAX_FILTER_COMPARISONS} are allowed in one request. Split the query into several requests.`,
    );
  }
  return filter;
}
