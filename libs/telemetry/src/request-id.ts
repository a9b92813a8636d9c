import { randomUUID } from 'node:crypto';

export const REQUEST_ID_HEADER = 'x-request-id';
export const MAX_REQUEST_ID_LENGTH = 128;

/** Letters, digits and `. _ : = + / -`: enough for UUIDs, ULIDs, base64 and trace ids; nothing that can break a log line. */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:=+/-]+$/;

export function isSafeRequestId(value: string): boolean {
  return value.length > 0 && value.length <= MAX_REQUEST_ID_LENGTH && SAFE_REQUEST_ID.test(value);
}

/**
 * The request id a caller sent in `X-Request-Id`, when it is safe to log and store; otherwise (absent,
 * repeated, too long, odd characters) a new UUID.
 */
export function requestIdFrom(header: string | string[] | undefined): string {
  return typeof header === 'string' && isSafeRequestId(header) ? header : randomUUID();
}
