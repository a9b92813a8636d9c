import { renderSignInLinks, renderTestEmail } from './console-mail.template';

describe('console emails', () => {
  it('sends one sign-in link per tenant, with its expiry, and says what to do if it was not you', () => {
    const one = renderSignInLinks({
      to: 'a@x.test',
      links: [
        {
          tenantName: 'Contoso',
          url: 'https://scim.test/admin/sign-in#sil_abc',
          expiresAt: '2026-12-01T10:15:00.000Z',
        },
      ],
    });
    expect(one.subject).toBe('[SCIM provisioning] Sign in to the admin console of Contoso');
    expect(one.text).toContain('https://scim.test/admin/sign-in#sil_abc');
    expect(one.text).toContain('valid until 2026-12-01 10:15 UTC');
    expect(one.text).toContain('If you did not ask for this');
    expect(one.html).toContain('<a href="https://scim.test/admin/sign-in#sil_abc">Sign in to Contoso</a>');
    const two = renderSignInLinks({
      to: 'a@x.test',
      links: [
        { tenantName: 'A', url: 'u1', expiresAt: '2026-12-01T10:15:00Z' },
        { tenantName: '<B>', url: 'u2', expiresAt: '2026-12-01T10:15:00Z' },
      ],
    });
    expect(two.subject).toBe('[SCIM provisioning] Sign in to the admin console');
    expect(two.html).toContain('Sign in to &lt;B&gt;');
  });

  it('says where a test email came from', () => {
    const mail = renderTestEmail({
      tenantId: 't1',
      tenantName: 'Contoso',
      to: 'it@contoso.test',
      requestedBy: 'boss@contoso.test',
      requestedAt: '2026-12-01T10:00:00Z',
      consoleUrl: 'https://scim.test/admin',
    });
    expect(mail.subject).toBe('[SCIM provisioning] Test email for tenant Contoso');
    expect(mail.text).toContain('admin console for tenant "Contoso" (id t1)');
    expect(mail.text).toContain('requested by boss@contoso.test at 2026-12-01 10:00 UTC from https://scim.test/admin');
    expect(
      renderTestEmail({
        tenantId: 't1',
        tenantName: 'C',
        to: 'x',
        requestedBy: null,
        requestedAt: '2026-12-01T10:00:00Z',
        consoleUrl: 'u',
      }).text,
    ).toContain('issued by the operator');
  });
});
