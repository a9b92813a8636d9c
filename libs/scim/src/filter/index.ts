export { parseFilter } from './filter.parser';
export { printFilter } from './filter.printer';
export { compileFilter, matchesFilter, type ResourcePredicate } from './filter.evaluator';
export type * from './filter.ast';
export { assertFilterCost, MAX_FILTER_COMPARISONS, MAX_SUBSTRING_COMPARISONS } from './filter.cost';
