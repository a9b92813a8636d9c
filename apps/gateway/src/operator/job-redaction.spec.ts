import { redactJobPayload } from './job-redaction';

describe('redactJobPayload: what the queue dashboard shows of a job', () => {
  it('keeps the ids and hides the user document of a write job', () => {
    const job = {
      operationId: 'op-1',
      requestId: 'req-1',
      tenantId: 't-1',
      replyTo: 'scim:directory-replies:g-1',
      deadline: 1764190000000,
      user: { userName: 'jdoe@acme.example', name: { givenName: 'John' }, emails: [{ value: 'jdoe@acme.example' }] },
    };
    const shown = redactJobPayload(job);
    expect(shown).toEqual({
      operationId: 'op-1',
      requestId: 'req-1',
      tenantId: 't-1',
      replyTo: '[redacted string]',
      deadline: 1764190000000,
      user: '[redacted: 3 attributes]',
    });
    expect(JSON.stringify(shown)).not.toContain('jdoe');
  });

  it('hides PATCH bodies and member lists', () => {
    expect(
      redactJobPayload({
        userId: 'u-1',
        ifMatch: 'W/"2"',
        patch: { Operations: [{ op: 'replace', value: 'secret' }] },
        members: [{ value: 'a' }, { value: 'b' }],
      }),
    ).toEqual({
      userId: 'u-1',
      ifMatch: 'W/"2"',
      patch: '[redacted: 1 attribute]',
      members: '[redacted: 2 items]',
    });
  });

  it('keeps the outcome of a result but not the resource document or the detail (which names people)', () => {
    const result = {
      ok: false,
      status: 409,
      scimType: 'uniqueness',
      detail: 'userName "jdoe@acme.example" is already taken',
    };
    expect(redactJobPayload(result)).toEqual({
      ok: false,
      status: 409,
      scimType: 'uniqueness',
      detail: '[redacted string]',
    });
    expect(
      redactJobPayload({
        ok: true,
        status: 201,
        resource: { id: 'u-1', version: 1, data: { userName: 'x' }, created: '2026' },
      }),
    ).toEqual({
      ok: true,
      status: 201,
      resource: { id: 'u-1', version: 1, data: '[redacted: 1 attribute]' },
    });
  });

  it('shows a failure notice by its codes, not by its names and text', () => {
    const notice = {
      tenantId: 't',
      operationId: 'o',
      kind: 'create-user',
      resourceType: 'User',
      resourceId: null,
      resourceName: 'jdoe@acme.example',
      externalId: 'jdoe',
      status: 400,
      scimType: 'invalidValue',
      detail: 'The work email "jdoe@gmail.com" is not allowed',
      reason: 'WORK_EMAIL_REJECTED',
      context: { domain: 'gmail.com' },
      occurredAt: '2026-12-01T00:00:00.000Z',
    };
    const shown = redactJobPayload(notice);
    expect(JSON.stringify(shown)).not.toMatch(/jdoe|gmail/);
    expect(shown).toMatchObject({
      kind: 'create-user',
      status: 400,
      reason: 'WORK_EMAIL_REJECTED',
      resourceId: null,
      resourceName: '[redacted string]',
    });
  });

  it("hides the one-time sign-in links and the addresses of the console's mails", () => {
    const shown = redactJobPayload({
      to: 'admin@acme.example',
      links: [
        {
          tenantName: 'Acme',
          url: 'https://scim.example/admin/sign-in#link-secret',
          expiresAt: '2026-12-01T00:00:00Z',
        },
      ],
    });
    expect(shown).toEqual({ to: '[redacted string]', links: '[redacted: 1 item]' });
    expect(
      redactJobPayload({
        tenantId: 't',
        tenantName: 'Acme',
        to: 'ops@acme.example',
        requestedBy: 'admin@acme.example',
        consoleUrl: 'https://x/admin',
      }),
    ).toEqual({
      tenantId: 't',
      tenantName: '[redacted string]',
      to: '[redacted string]',
      requestedBy: '[redacted string]',
      consoleUrl: '[redacted string]',
    });
  });

  it('hides an unknown field of a future job type, and anything that is not an object', () => {
    expect(redactJobPayload({ to: 'admin@acme.example' })).toEqual({ to: '[redacted string]' });
    expect(redactJobPayload('jdoe@acme.example')).toBe('[redacted string]');
    expect(redactJobPayload(undefined)).toBeUndefined();
    expect(redactJobPayload(null)).toBeNull();
  });
});
