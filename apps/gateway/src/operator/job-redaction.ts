/**
 * What the queue dashboard may show of a job's payload and result. Jobs carry personal data (user
 * documents, PATCH bodies, names and addresses in failure notices), so only fields on this list
 * are shown as they are; every other value is replaced by a note of its shape. An allowlist, so that
 * a field added to a job later is hidden until someone decides otherwise.
 */
const SHOWN = new Set([
  'operationId',
  'requestId',
  'tenantId',
  'userId',
  'groupId',
  'deadline',
  'ifMatch',
  'kind',
  'resourceType',
  'resourceId',
  'status',
  'scimType',
  'reason',
  'occurredAt',
  'ok',
  'retryAfterSeconds',
  // A failed job's record once its payload is gone (libs/queue job-retention).
  'payload',
]);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function shapeOf(value: unknown): string {
  if (Array.isArray(value)) return `[redacted: ${value.length} item${value.length === 1 ? '' : 's'}]`;
  if (isObject(value)) {
    const n = Object.keys(value).length;
    return `[redacted: ${n} attribute${n === 1 ? '' : 's'}]`;
  }
  if (value === null || value === undefined) return String(value);
  return `[redacted ${typeof value}]`;
}

/** A job's data or return value as the dashboard shows it. */
export function redactJobPayload(payload: unknown): unknown {
  if (!isObject(payload)) return payload === null || payload === undefined ? payload : shapeOf(payload);
  const shown: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(payload)) {
    if (SHOWN.has(key) && (value === null || typeof value !== 'object')) shown[key] = value;
    // A write's result: which resource, at which version; never its document.
    else if (key === 'resource' && isObject(value))
      shown[key] = { id: value['id'], version: value['version'], data: shapeOf(value['data']) };
    else shown[key] = shapeOf(value);
  }
  return shown;
}
