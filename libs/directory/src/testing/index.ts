/**
 * `@scim/directory/testing`: helpers for tests only (one of them runs DROP DATABASE). Kept out of
 * the production index; eslint refuses this entry point in non-test code.
 */
export * from './test-database';
export * from './write-jobs';
