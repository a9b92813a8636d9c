import { FailureReason } from './failure-reason';
import type { FailureNotice } from './notifications.jobs';
import { failedNoticeRecord, failedWriteRecord, isPayloadRemoved, storedOutcome } from './job-retention';

const TENANT = '3f0c6a2e-1d4b-4c8e-9a7f-2b5d8e1c4a6f';
const OPERATION = '9b2e4c6a-8d1f-4e3b-a5c7-6f8e0d2b4a1c';
const USER = '7f4bc1a3-285e-48ae-8202-5accb43efb0e';

describe('what the queues keep in Redis', () => {
  it("stores a write's outcome without the resource or the detail", () => {
    const resource = {
      id: USER,
      data: { userName: 'ada@acme.com', name: { givenName: 'Ada' } },
      version: 1,
      created: 'c',
      lastModified: 'm',
    };
    expect(storedOutcome({ ok: true, status: 201, resource })).toEqual({ ok: true, status: 201 });
    expect(
      storedOutcome({
        ok: false,
        reason: FailureReason.UserNameTaken,
        detail: 'userName "ada@acme.com" is already taken',
      }),
    ).toEqual({ ok: false, reason: FailureReason.UserNameTaken });
  });

  it('keeps only the ids of a failed write', () => {
    const data = {
      operationId: OPERATION,
      tenantId: TENANT,
      replyTo: 'scim:directory-replies:g',
      deadline: 1,
      userId: USER,
      user: { userName: 'ada@acme.com' },
    };
    expect(failedWriteRecord(data)).toEqual({
      operationId: OPERATION,
      tenantId: TENANT,
      userId: USER,
      payload: 'removed',
    });
    expect(
      failedWriteRecord({ operationId: OPERATION, tenantId: TENANT, groupId: USER, patch: { Operations: [] } }),
    ).toEqual({ operationId: OPERATION, tenantId: TENANT, groupId: USER, payload: 'removed' });
    expect(failedWriteRecord(null)).toEqual({ operationId: null, tenantId: null, payload: 'removed' });
    // The request id finds the write's log lines.
    expect(failedWriteRecord({ ...data, requestId: 'req-1' })).toEqual({
      operationId: OPERATION,
      requestId: 'req-1',
      tenantId: TENANT,
      userId: USER,
      payload: 'removed',
    });
  });

  it('keeps only the operation and tenant ids of each write of a failed batch', () => {
    const batch = {
      writes: [
        { name: 'create-user', data: { operationId: OPERATION, tenantId: TENANT, user: { userName: 'ada@acme.com' } } },
        { name: 'delete-user', data: { operationId: USER, tenantId: TENANT, userId: USER } },
      ],
    };
    const record = failedWriteRecord(batch);
    expect(record).toEqual({
      operationId: null,
      tenantId: null,
      writes: [
        { operationId: OPERATION, tenantId: TENANT },
        { operationId: USER, tenantId: TENANT },
      ],
      payload: 'removed',
    });
    expect(JSON.stringify(record)).not.toContain('ada');
  });

  it('keeps the ids and reason code of a failed notice, not whom it names or the detail', () => {
    const notice: FailureNotice = {
      tenantId: TENANT,
      operationId: OPERATION,
      kind: 'create-user',
      resourceType: 'User',
      resourceId: null,
      resourceName: 'ada@acme.com',
      externalId: 'ext-ada',
      detail: 'The work email "ada@gmail.com" is not allowed',
      reason: FailureReason.WorkEmailRejected,
      context: { address: 'ada@gmail.com' },
      occurredAt: '2026-01-01T00:00:00.000Z',
    };
    const record = failedNoticeRecord(notice);
    expect(record).toEqual({
      tenantId: TENANT,
      operationId: OPERATION,
      kind: 'create-user',
      resourceType: 'User',
      resourceId: null,
      reason: 'WORK_EMAIL_REJECTED',
      occurredAt: '2026-01-01T00:00:00.000Z',
      payload: 'removed',
    });
    expect(JSON.stringify(record)).not.toContain('ada');
  });

  it('recognises a record whose payload was removed', () => {
    expect(isPayloadRemoved(failedWriteRecord({ operationId: OPERATION }))).toBe(true);
    expect(isPayloadRemoved({ operationId: OPERATION, user: {} })).toBe(false);
    expect(isPayloadRemoved(undefined)).toBe(false);
  });
});
