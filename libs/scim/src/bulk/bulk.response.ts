import { scimErrorBody, type ScimErrorBody } from '../errors/scim-error';
import { BULK_RESPONSE_SCHEMA } from './bulk.request';

/** One operation's result in a BulkResponse (RFC 7644 §3.7.3). */
export interface BulkResponseOperation {
  method?: string;
  bulkId?: string;
  /** The resource's ETag after the operation. */
  version?: string;
  /** The resource's URL, when known. */
  location?: string;
  /** The HTTP status as a string, e.g. "201". */
  status: string;
  /** A SCIM error body, for every status that is not 2xx. */
  response?: ScimErrorBody;
}

export interface BulkResponse {
  schemas: [typeof BULK_RESPONSE_SCHEMA];
  Operations: BulkResponseOperation[];
}

export function bulkResponse(operations: BulkResponseOperation[]): BulkResponse {
  return { schemas: [BULK_RESPONSE_SCHEMA], Operations: operations };
}

/** A response entry; the error body is included exactly when the status is not a success. */
export function bulkResponseOperation(fields: {
  method?: string;
  bulkId?: string;
  version?: string;
  location?: string;
  status: number;
  error?: { detail: string; scimType?: ScimErrorBody['scimType'] };
}): BulkResponseOperation {
  const entry: BulkResponseOperation = { status: String(fields.status) };
  if (fields.method !== undefined) entry.method = fields.method;
  if (fields.bulkId !== undefined) entry.bulkId = fields.bulkId;
  if (fields.version !== undefined) entry.version = fields.version;
  if (fields.location !== undefined) entry.location = fields.location;
  if (fields.status >= 300)
    entry.response = scimErrorBody(
      fields.status,
      fields.error?.detail ?? `The operation failed with status ${fields.status}.`,
      fields.error?.scimType,
    );
  return entry;
}
