import type { WriteResult } from './directory.jobs';
import type { FailureReason } from './failure-reason';
import type { FailureNotice } from './notifications.jobs';

/*
 * What the queues keep in Redis after a job has run. Job payloads hold personal data (names,
 * emails), so a finished job keeps none of it:
 *   - a completed job is removed at once (DIRECTORY_JOB_OPTIONS, NOTIFICATION_JOB_OPTIONS);
 *   - its return value, which BullMQ also copies into the queue's event stream, is a StoredOutcome;
 *   - a failed job's data is replaced by the ids below before it sits in the failed set.
 */

/** A write job's return value: whether it succeeded and its status or reason, never the resource or a detail. */
export type StoredOutcome = { ok: true; status: number } | { ok: false; reason: FailureReason };

export function storedOutcome(result: WriteResult): StoredOutcome {
  return result.ok ? { ok: true, status: result.status } : { ok: false, reason: result.reason };
}

/** What a failed write job keeps: the ids to find it by (the reason is BullMQ's failedReason). */
export interface FailedWriteRecord {
  operationId: string | null;
  /** The HTTP request's id, to find its log lines. */
  requestId?: string;
  tenantId: string | null;
  userId?: string;
  groupId?: string;
  /** A batch's writes, by operation id and tenant (issue 13); the batch's own ids are then null. */
  writes?: { operationId: string | null; tenantId: string | null }[];
  payload: 'removed';
}

export function failedWriteRecord(data: unknown): FailedWriteRecord {
  const record: FailedWriteRecord = {
    operationId: stringField(data, 'operationId'),
    tenantId: stringField(data, 'tenantId'),
    payload: 'removed',
  };
  const requestId = stringField(data, 'requestId');
  if (requestId !== null) record.requestId = requestId;
  const userId = stringField(data, 'userId');
  const groupId = stringField(data, 'groupId');
  if (userId !== null) record.userId = userId;
  if (groupId !== null) record.groupId = groupId;
  const writes = typeof data === 'object' && data !== null ? (data as { writes?: unknown }).writes : undefined;
  if (Array.isArray(writes)) {
    record.writes = writes.map((write: unknown) => {
      const written = typeof write === 'object' && write !== null ? (write as { data?: unknown }).data : undefined;
      return { operationId: stringField(written, 'operationId'), tenantId: stringField(written, 'tenantId') };
    });
  }
  return record;
}

/** What a notice that could not be recorded for a day keeps: ids and codes, not the name or the detail. */
export type FailedNoticeRecord = Pick<
  FailureNotice,
  'tenantId' | 'operationId' | 'kind' | 'resourceType' | 'resourceId' | 'reason' | 'occurredAt'
> & {
  payload: 'removed';
};

export function failedNoticeRecord(notice: FailureNotice): FailedNoticeRecord {
  const { tenantId, operationId, kind, resourceType, resourceId, reason, occurredAt } = notice;
  return { tenantId, operationId, kind, resourceType, resourceId, reason, occurredAt, payload: 'removed' };
}

/** Whether a job's data is already one of the records above. */
export function isPayloadRemoved(data: unknown): boolean {
  return typeof data === 'object' && data !== null && (data as { payload?: unknown }).payload === 'removed';
}

function stringField(data: unknown, key: string): string | null {
  const value = typeof data === 'object' && data !== null ? (data as Record<string, unknown>)[key] : undefined;
  return typeof value === 'string' ? value : null;
}
