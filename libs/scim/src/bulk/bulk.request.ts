import { ScimError } from '../errors/scim-error';
import { getKeyIgnoringCase, isJsonObject, type JsonObject, type JsonValue } from '../json';

export const BULK_REQUEST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
export const BULK_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:BulkResponse';

/** What one bulk request may hold (RFC 7644 §3.7.4); advertised in ServiceProviderConfig. */
export interface BulkLimits {
  maxOperations: number;
  /** Bytes of the request body. */
  maxPayloadSize: number;
}

/** 1 MiB is also the gateway's body limit, so the advertised payload size is the enforced one. */
export const BULK_LIMITS: BulkLimits = { maxOperations: 1000, maxPayloadSize: 1024 * 1024 };

export type BulkMethod = 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type BulkResource = 'Users' | 'Groups';

const METHODS: readonly BulkMethod[] = ['POST', 'PUT', 'PATCH', 'DELETE'];

interface OperationBase {
  kind: 'operation';
  /** Position in the request's `Operations`, from 0. */
  index: number;
  resource: BulkResource;
  bulkId?: string;
  /** The `If-Match` precondition for the write (an ETag such as `W/"3"`). */
  version?: string;
}

/**
 * One valid operation. `id` (from the path) and any string in `data` may still be `bulkId:…`
 * references; the scheduler runs an operation only once they are resolved.
 */
export type BulkOperation =
  | (OperationBase & { method: 'POST'; bulkId: string; data: JsonObject })
  | (OperationBase & { method: 'PUT' | 'PATCH'; id: string; data: JsonObject })
  | (OperationBase & { method: 'DELETE'; id: string });

/** An operation refused while parsing: it fails on its own (RFC 7644 §3.7), the request does not. */
export interface RejectedBulkOperation {
  kind: 'rejected';
  index: number;
  /** As written, when it was a string. */
  method?: string;
  bulkId?: string;
  version?: string;
  error: ScimError;
}

export type BulkRequestOperation = BulkOperation | RejectedBulkOperation;

export interface BulkRequest {
  /** Stop after this many failed operations; absent means never stop. */
  failOnErrors?: number;
  operations: BulkRequestOperation[];
}

/**
 * Validates an RFC 7644 §3.7 BulkRequest. Faults of the request as a whole (not an object, no
 * BulkRequest schema, no `Operations` array, a bad `failOnErrors`, a duplicate `bulkId`) throw
 * `400 invalidSyntax`; more operations or bytes than the limits throw `413` naming the limits.
 * Faults of one operation (method, path, missing `bulkId` or `data`) reject that operation only.
 *
 * `payloadBytes` is the size of the body as received; without it the size is measured on the
 * parsed body re-serialised.
 */
export function parseBulkRequest(body: unknown, limits: BulkLimits = BULK_LIMITS, payloadBytes?: number): BulkRequest {
  if (!isJsonObject(body)) {
    throw syntaxError('The Bulk request body must be a JSON object with "schemas" and "Operations".');
  }
  const size = payloadBytes ?? utf8Length(JSON.stringify(body));
  if (size > limits.maxPayloadSize) throw bulkTooLarge(`The bulk request is ${size} bytes`, limits);
  checkSchemas(getKeyIgnoringCase(body, 'schemas'));
  const operations = getKeyIgnoringCase(body, 'Operations');
  if (!Array.isArray(operations) || operations.length === 0) {
    throw syntaxError('"Operations" must be a non-empty array of operations.');
  }
  if (operations.length > limits.maxOperations) {
    throw bulkTooLarge(`The bulk request holds ${operations.length} operations`, limits);
  }
  const failOnErrors = parseFailOnErrors(getKeyIgnoringCase(body, 'failOnErrors'));
  const parsed = operations.map((operation, index) => parseOperation(operation, index));
  checkUniqueBulkIds(parsed);
  return failOnErrors === undefined ? { operations: parsed } : { failOnErrors, operations: parsed };
}

/** 413 naming both limits; also the gateway's answer to a Bulk body over its size limit. */
export function bulkTooLarge(what: string, limits: BulkLimits = BULK_LIMITS): ScimError {
  return new ScimError(
    413,
    `${what}; at most ${limits.maxOperations} operations (maxOperations) and ${limits.maxPayloadSize} bytes (maxPayloadSize) are allowed per request. Split it into smaller requests.`,
  );
}

function checkSchemas(schemas: JsonValue | undefined): void {
  const found =
    Array.isArray(schemas) &&
    schemas.some((s) => typeof s === 'string' && s.toLowerCase() === BULK_REQUEST_SCHEMA.toLowerCase());
  if (!found) throw syntaxError(`"schemas" must contain "${BULK_REQUEST_SCHEMA}".`);
}

function parseFailOnErrors(value: JsonValue | undefined): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw syntaxError(
      `"failOnErrors" must be a positive integer (the number of errors after which processing stops); got ${JSON.stringify(value)}.`,
    );
  }
  return value;
}

function parseOperation(raw: JsonValue, index: number): BulkRequestOperation {
  const label = `Operations[${index}]`;
  if (!isJsonObject(raw))
    throw syntaxError(`${label} must be an object with "method", "path" and, for POST, PUT and PATCH, "data".`);
  const rawMethod = getKeyIgnoringCase(raw, 'method');
  const rawBulkId = getKeyIgnoringCase(raw, 'bulkId');
  const rawVersion = getKeyIgnoringCase(raw, 'version');
  const echo = {
    index,
    ...(typeof rawMethod === 'string' ? { method: rawMethod } : {}),
    ...(typeof rawBulkId === 'string' && rawBulkId !== '' ? { bulkId: rawBulkId } : {}),
    ...(typeof rawVersion === 'string' ? { version: rawVersion } : {}),
  };
  const reject = (error: ScimError): RejectedBulkOperation => ({ kind: 'rejected', ...echo, error });

  const upper = typeof rawMethod === 'string' ? rawMethod.toUpperCase() : undefined;
  const method = METHODS.find((m) => m === upper);
  if (!method) {
    return reject(
      syntaxError(
        `${label}: "method" must be one of POST, PUT, PATCH, DELETE; got ${JSON.stringify(rawMethod ?? null)}.`,
      ),
    );
  }
  if (rawBulkId !== undefined && (typeof rawBulkId !== 'string' || rawBulkId === '')) {
    return reject(syntaxError(`${label}: "bulkId" must be a non-empty string; got ${JSON.stringify(rawBulkId)}.`));
  }
  if (rawVersion !== undefined && typeof rawVersion !== 'string') {
    return reject(
      syntaxError(`${label}: "version" must be a string (an ETag such as W/"3"); got ${JSON.stringify(rawVersion)}.`),
    );
  }

  const rawPath = getKeyIgnoringCase(raw, 'path');
  const target = typeof rawPath === 'string' ? parseBulkPath(rawPath) : undefined;
  if (!target) {
    return reject(
      ScimError.badRequest(
        'invalidPath',
        `${label}: "path" must be /Users, /Users/{id}, /Groups or /Groups/{id}; got ${JSON.stringify(rawPath ?? null)}.`,
      ),
    );
  }
  if (method === 'POST' && target.id !== undefined) {
    return reject(
      ScimError.badRequest(
        'invalidPath',
        `${label}: POST creates a resource, so its path is /${target.resource}, not ${JSON.stringify(rawPath)}.`,
      ),
    );
  }
  if (method !== 'POST' && target.id === undefined) {
    return reject(
      ScimError.badRequest(
        'invalidPath',
        `${label}: ${method} needs the resource's id in its path: /${target.resource}/{id}.`,
      ),
    );
  }

  const base = {
    kind: 'operation' as const,
    index,
    resource: target.resource,
    ...(typeof rawBulkId === 'string' ? { bulkId: rawBulkId } : {}),
    ...(typeof rawVersion === 'string' ? { version: rawVersion } : {}),
  };
  if (method === 'DELETE') return { ...base, method, id: target.id! };
  const data = getKeyIgnoringCase(raw, 'data');
  if (!isJsonObject(data)) {
    return reject(
      syntaxError(
        `${label}: ${method} needs "data", the resource${method === 'PATCH' ? "'s PatchOp request" : ''} as a JSON object.`,
      ),
    );
  }
  if (method === 'POST') {
    if (typeof rawBulkId !== 'string') {
      return reject(
        syntaxError(
          `${label}: POST needs a "bulkId", so that the response (and other operations) can refer to the new resource.`,
        ),
      );
    }
    return { ...base, method, bulkId: rawBulkId, data };
  }
  return { ...base, method, id: target.id!, data };
}

/** `/Users`, `/Groups/{id}` (any case, optional trailing slash); undefined for anything else. */
export function parseBulkPath(path: string): { resource: BulkResource; id?: string } | undefined {
  const match = /^\/(users|groups)(?:\/([^/]+))?\/?$/i.exec(path.trim());
  if (!match) return undefined;
  const resource: BulkResource = match[1]!.toLowerCase() === 'users' ? 'Users' : 'Groups';
  if (match[2] === undefined) return { resource };
  return { resource, id: decodeSegment(match[2]) };
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function checkUniqueBulkIds(operations: BulkRequestOperation[]): void {
  const seen = new Map<string, number>();
  for (const operation of operations) {
    if (operation.bulkId === undefined) continue;
    const first = seen.get(operation.bulkId);
    if (first !== undefined) {
      throw syntaxError(
        `bulkId "${operation.bulkId}" is used by Operations[${first}] and Operations[${operation.index}]; each bulkId must be unique within the request.`,
      );
    }
    seen.set(operation.bulkId, operation.index);
  }
}

function utf8Length(text: string): number {
  let bytes = 0;
  for (const char of text) {
    const code = char.codePointAt(0)!;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return bytes;
}

function syntaxError(detail: string): ScimError {
  return ScimError.badRequest('invalidSyntax', detail);
}
