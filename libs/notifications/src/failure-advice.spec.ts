import { adviceFor, operationLabel, subjectLabel, type AdvisedFailure } from './failure-advice';

function failure(overrides: Partial<AdvisedFailure> = {}): AdvisedFailure {
  return {
    reason: 'WORK_EMAIL_REJECTED',
    context: { address: 'jdoe@example.org', domain: 'example.org' },
    resourceName: 'jdoe@example.org',
    ...overrides,
  };
}

describe('adviceFor (the failure email and the console show the same text)', () => {
  it('names the console action for a rejected work email, never an operator command', () => {
    const advice = adviceFor(failure());
    expect(advice).toBe(
      "Add example.org under Work domains in the admin console, or correct the user's mail attribute in Entra.",
    );
    expect(advice).not.toMatch(/npm|--tenant/);
  });

  it.each([
    ['USER_NAME_TAKEN', { userName: 'jdoe' }, /already has the userName "jdoe"/],
    ['DISPLAY_NAME_TAKEN', { displayName: 'Sales' }, /already called "Sales".*Rename one/],
    ['INVALID_MEMBERS', { ids: ['u1', 'u2'] }, /Assign the missing members \(u1, u2\) to the application/],
    ['UNAVAILABLE', {}, /could not reach its database/],
    ['TIMED_OUT', {}, /too busy/],
    ['VERSION_MISMATCH', {}, /changed while this write was being applied/],
    ['INVALID_REQUEST', {}, /Check the attribute mapping in Entra/],
  ])('for %s', (reason, context, expected) => {
    expect(adviceFor(failure({ reason, context }))).toMatch(expected);
  });

  it('asks to correct an address that is not an email at all', () => {
    expect(adviceFor(failure({ context: { address: 'nope' } }))).toMatch(/not a valid email address/);
  });

  it('labels operations and subjects', () => {
    expect(operationLabel('patch-group')).toBe('update group');
    expect(operationLabel('delete-user')).toBe('delete user');
    expect(subjectLabel({ resourceType: 'Group', resourceName: 'Sales', externalId: null, resourceId: 'g1' })).toBe(
      'Group Sales (id g1)',
    );
    expect(subjectLabel({ resourceType: 'User', resourceName: null, externalId: null, resourceId: null })).toBe(
      'User (user without a name)',
    );
  });
});
