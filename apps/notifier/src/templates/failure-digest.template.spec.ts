import type { DigestFailure, DigestTenant } from '@scim/notifications';
import { MAX_LISTED_FAILURES, digestActivityUrl, renderFailureDigest as render } from './failure-digest.template';

const ACTIVITY_URL = digestActivityUrl('https://scim.example.com', '33333333-3333-4333-8333-333333333333');
const renderFailureDigest = (t: DigestTenant, failures: DigestFailure[]) => render(t, failures, ACTIVITY_URL);

const tenant: DigestTenant = { id: '11111111-1111-4111-8111-111111111111', name: 'Acme', workDomains: ['acme.com'] };

function failure(overrides: Partial<DigestFailure> = {}): DigestFailure {
  return {
    operationId: '22222222-2222-4222-8222-222222222222',
    occurredAt: new Date('2026-11-26T14:31:02.123Z'),
    kind: 'create-user',
    resourceType: 'User',
    resourceId: null,
    resourceName: 'jdoe@example.org',
    externalId: 'ext-1',
    status: 400,
    scimType: 'invalidValue',
    detail: 'The work email "jdoe@example.org" is not allowed.',
    reason: 'WORK_EMAIL_REJECTED',
    context: { address: 'jdoe@example.org', domain: 'example.org' },
    ...overrides,
  };
}

describe('renderFailureDigest', () => {
  it('says how many failures for which tenant in the subject', () => {
    expect(renderFailureDigest(tenant, [failure()]).subject).toBe('[SCIM provisioning] 1 failure for tenant Acme');
    expect(renderFailureDigest(tenant, [failure(), failure()]).subject).toBe(
      '[SCIM provisioning] 2 failures for tenant Acme',
    );
  });

  it('lists each failure with time, operation, subject, reason and advice, in text and HTML', () => {
    const email = renderFailureDigest(tenant, [failure()]);
    expect(email.text).toContain('1. 2026-11-26 14:31:02 UTC · create user · User jdoe@example.org (externalId ext-1)');
    expect(email.text).toContain('Reason: The work email "jdoe@example.org" is not allowed.');
    expect(email.text).toContain(
      "What to do: Add example.org under Work domains in the admin console, or correct the user's mail attribute in Entra.",
    );
    expect(email.text).not.toContain('npm run');
    expect(email.html).toContain(
      '<td style="border:1px solid #ccc;padding:4px 8px;vertical-align:top;text-align:left">create user</td>',
    );
    expect(email.html).toContain('The work email &quot;jdoe@example.org&quot; is not allowed.');
  });

  it('counts failures per reason, most frequent first', () => {
    const email = renderFailureDigest(tenant, [
      failure({ reason: 'USER_NAME_TAKEN', context: { userName: 'a' } }),
      failure(),
      failure(),
    ]);
    const counts = email.text.split('Failures by reason:\n')[1]!.split('\n\n')[0];
    expect(counts).toBe('  2 × work email on a domain that is not allowed\n  1 × userName already taken');
  });

  it(`lists at most ${MAX_LISTED_FAILURES} failures, then says how many more`, () => {
    const many = Array.from({ length: 130 }, (_, i) => failure({ resourceName: `user${i}` }));
    const email = renderFailureDigest(tenant, many);
    expect(email.text.match(/^\d+\. /gm)).toHaveLength(100);
    expect(email.text).toContain('user99');
    expect(email.text).not.toContain('user100 ');
    expect(email.text).toContain('… and 30 more failures, not listed here.');
    expect(email.html.match(/<tr><td/g)).toHaveLength(100);
    expect(email.html).toContain('… and 30 more failures, not listed here.');
    expect(email.text).toContain('130 × work email on a domain that is not allowed');
  });

  it('gives the period of the failures', () => {
    const email = renderFailureDigest(tenant, [failure(), failure({ occurredAt: new Date('2026-11-26T14:32:00Z') })]);
    expect(email.text).toContain('failed between 2026-11-26 14:31:02 UTC and 2026-11-26 14:32:00 UTC');
  });

  it('escapes HTML in everything a client sent', () => {
    const email = renderFailureDigest(tenant, [
      failure({ resourceName: '<script>alert(1)</script>', detail: 'a & b' }),
    ]);
    expect(email.html).not.toContain('<script>');
    expect(email.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(email.html).toContain('a &amp; b');
  });

  it('links to these failures in the admin console', () => {
    const email = renderFailureDigest(tenant, [failure()]);
    expect(ACTIVITY_URL).toBe('https://scim.example.com/admin/activity?digest=33333333-3333-4333-8333-333333333333');
    expect(email.text).toContain(`See these failures in the admin console (Activity): ${ACTIVITY_URL}`);
    expect(email.html).toContain(`<a href="${ACTIVITY_URL}">`);
  });

  it('is pure: the same failures give the same email', () => {
    expect(renderFailureDigest(tenant, [failure()])).toEqual(renderFailureDigest(tenant, [failure()]));
  });
});
