import { decodeHeader, subjectOf } from './dev-mail-catcher';

describe('dev mail catcher: subjects as people read them', () => {
  it('reads a plain subject', () => {
    expect(
      subjectOf(
        'From: a@b\r\nSubject: [SCIM provisioning] 3 failures for tenant Acme\r\nTo: c@d\r\n\r\nbody Subject: no',
      ),
    ).toBe('[SCIM provisioning] 3 failures for tenant Acme');
  });

  it('joins a folded subject and decodes encoded words', () => {
    expect(subjectOf('Subject: =?UTF-8?Q?2_failures_for_tenant_Caf=C3=A9?=\r\n  Ltd\r\n\r\n')).toBe(
      '2 failures for tenant Café Ltd',
    );
    expect(decodeHeader('=?utf-8?B?w5xiZXI=?=')).toBe('Über');
  });

  it('is empty without a subject', () => {
    expect(subjectOf('From: a@b\r\n\r\nSubject: in the body')).toBe('');
  });
});
