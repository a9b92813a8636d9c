import { ScimError } from '../errors/scim-error';

/** Test support: runs `fn` and returns the ScimError it throws; fails when it throws nothing or something else. */
export function scimErrorOf(fn: () => unknown): ScimError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ScimError) return error;
    throw error;
  }
  throw new Error('expected a ScimError');
}
