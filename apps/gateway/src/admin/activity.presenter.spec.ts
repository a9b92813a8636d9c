import { FailureReason } from '@scim/queue';
import type { ActivityRecord } from '@scim/directory';
import { describeNotes, toActivityItem } from './activity.presenter';

const record: ActivityRecord = {
  id: 'op1',
  at: '2026-12-01T10:00:00.000Z',
  kind: 'create-user',
  resourceType: 'User',
  resourceId: null,
  resourceName: 'jdoe@fabrikam.test',
  externalId: 'jdoe',
  outcome: 'failed',
  status: null,
  reason: FailureReason.WorkEmailRejected,
  detail: 'not allowed',
  context: { domain: 'fabrikam.test' },
  notes: null,
  notification: 'sent',
  notifiedAt: '2026-12-01T10:01:00.000Z',
};

describe('activity presenter', () => {
  it('gives a failure its label and the advice of the failure email', () => {
    expect(toActivityItem(record)).toMatchObject({
      operation: 'create user',
      name: 'jdoe@fabrikam.test',
      // Recorded by reason: the status shown is the one the gateway answers for it.
      status: 400,
      reason: 'work email on a domain that is not allowed',
      advice:
        "Add fabrikam.test under Work domains in the admin console, or correct the user's mail attribute in Entra.",
    });
    expect(toActivityItem({ ...record, outcome: 'succeeded', status: 201, reason: null })).toMatchObject({
      status: 201,
      reason: null,
      advice: null,
    });
  });

  it('turns notes into sentences, never raw JSON', () => {
    expect(
      describeNotes({
        ignoredEmails: [{ type: 'home', value: 'j@gmail.com', reason: 'only work email addresses are saved' }],
        members: 3,
        other: { nested: true },
      }),
    ).toEqual([
      'j@gmail.com (type home) was not saved: only work email addresses are saved.',
      '3 members in this write.',
    ]);
    expect(describeNotes({ unassigned: ['active'] })).toEqual([
      'active was removed: it is now unassigned, and the account stays active, as for a user created without it.',
    ]);
    expect(describeNotes(null)).toEqual([]);
  });
});
