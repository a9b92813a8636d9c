import { etag } from '@scim/scim';
import { DirectoryError, DirectoryErrorCode } from '../directory-error';

/** `If-Match` (RFC 7232) against a resource's version: `*`, or one of the listed weak ETags. */
export function assertIfMatch(ifMatch: string | undefined, version: number, what: string): void {
  if (ifMatch === undefined) return;
  const current = etag(version);
  const holds = ifMatch
    .split(',')
    .map((t) => t.trim())
    .some((t) => t === '*' || t === current || `W/${t}` === current);
  if (!holds) {
    throw new DirectoryError(
      DirectoryErrorCode.VersionMismatch,
      `The ${what} has changed: If-Match ${ifMatch} does not match the current version ${current}.`,
    );
  }
}
