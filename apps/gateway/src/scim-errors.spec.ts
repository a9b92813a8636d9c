import { DirectoryError } from '@scim/directory';
import { FAILURE_REASONS, FailureReason } from '@scim/queue';
import { ScimError } from '@scim/scim';
import { knownScimError, scimErrorFor, scimStatusFor } from './scim-errors';

describe('scimErrorFor: failure reasons as SCIM errors', () => {
  it.each(FAILURE_REASONS.map((reason) => [reason]))('maps %s to a status the RFC allows', (reason) => {
    const { status, scimType } = scimStatusFor(reason);
    expect([400, 404, 409, 412, 500, 503]).toContain(status);
    // RFC 7644 §3.12 defines scimType values for 400 and 409 only.
    if (scimType !== undefined) expect([400, 409]).toContain(status);
  });

  it('answers the rules and conflicts as Entra expects them', () => {
    expect(scimStatusFor(FailureReason.UserNameTaken)).toEqual({ status: 409, scimType: 'uniqueness' });
    expect(scimStatusFor(FailureReason.DisplayNameTaken)).toEqual({ status: 409, scimType: 'uniqueness' });
    expect(scimStatusFor(FailureReason.WorkEmailRejected)).toEqual({ status: 400, scimType: 'invalidValue' });
    expect(scimStatusFor(FailureReason.InvalidMembers)).toEqual({ status: 400, scimType: 'invalidValue' });
    expect(scimStatusFor(FailureReason.NotFound)).toEqual({ status: 404 });
    expect(scimStatusFor(FailureReason.VersionMismatch)).toEqual({ status: 412 });
    expect(scimStatusFor(FailureReason.Mutability)).toEqual({ status: 400, scimType: 'mutability' });
  });

  it('tells the client when to retry an outage or a timeout, and keeps the detail', () => {
    for (const reason of [FailureReason.Unavailable, FailureReason.TimedOut]) {
      const error = scimErrorFor(reason, 'Retry later.');
      expect(error).toMatchObject({ status: 503, detail: 'Retry later.', retryAfterSeconds: 5 });
    }
    expect(scimErrorFor(FailureReason.UserNameTaken, 'taken').retryAfterSeconds).toBeUndefined();
  });

  it('knownScimError: a ScimError as it is, a directory refusal mapped, a database refusal mapped, else undefined', () => {
    const scim = new ScimError(400, 'bad', 'invalidFilter');
    expect(knownScimError(scim)).toBe(scim);
    expect(
      knownScimError(new DirectoryError(FailureReason.WorkEmailRejected, 'no', { domain: 'x.org' })),
    ).toMatchObject({
      status: 400,
      scimType: 'invalidValue',
      detail: 'no',
    });
    expect(knownScimError(Object.assign(new Error('duplicate'), { code: '23505' }))).toMatchObject({
      status: 409,
      scimType: 'uniqueness',
    });
    expect(knownScimError(new Error('socket hang up'))).toBeUndefined();
  });
});
