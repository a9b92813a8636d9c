import { etag, etagMatches } from '@scim/scim';
import { FailureReason } from '@scim/queue';
import { DirectoryError } from '../directory-error';

/** `If-Match` (RFC 7232) against a resource's version: `*`, or one of the listed weak ETags. */
export function assertIfMatch(ifMatch: string | undefined, version: number, what: string): void {
  if (ifMatch === undefined || etagMatches(ifMatch, version)) return;
  throw new DirectoryError(
    FailureReason.VersionMismatch,
    `The ${what} has changed: If-Match ${ifMatch} does not match the current version ${etag(version)}.`,
  );
}
