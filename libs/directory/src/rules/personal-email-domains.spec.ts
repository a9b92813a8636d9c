import { PERSONAL_EMAIL_DOMAINS, PERSONAL_EMAIL_FAMILIES, isPersonalEmailDomain } from './personal-email-domains';

describe('isPersonalEmailDomain', () => {
  it.each([
    'gmail.com',
    'googlemail.com',
    'outlook.com',
    'hotmail.com',
    'live.com',
    'icloud.com',
    'proton.me',
    'gmx.de',
    'yahoo.com',
  ])('knows the provider %s', (domain) => {
    expect(isPersonalEmailDomain(domain)).toBe(true);
  });

  it.each(['yahoo.co.uk', 'yahoo.fr', 'hotmail.fr', 'hotmail.co.uk', 'outlook.de', 'live.co.uk', 'gmx.at', 'aol.de'])(
    'knows the country variant %s of a provider family',
    (domain) => {
      expect(isPersonalEmailDomain(domain)).toBe(true);
    },
  );

  it.each(['GMAIL.COM', 'Yahoo.Co.UK', 'HotMail.FR'])('ignores case (%s)', (domain) => {
    expect(isPersonalEmailDomain(domain)).toBe(true);
  });

  it('treats subdomains of a listed provider as personal', () => {
    expect(isPersonalEmailDomain('eu.gmail.com')).toBe(true);
  });

  it.each([
    'acme.com',
    'notgmail.com',
    'gmail.company.com',
    'yahoo-inc.com',
    'liveperson.com',
    'outlooks.io',
    'sub.acme.co.uk',
  ])('does not flag the company domain %s', (domain) => {
    expect(isPersonalEmailDomain(domain)).toBe(false);
  });

  it('does not flag a bare family name without a top-level domain', () => {
    expect(isPersonalEmailDomain('yahoo')).toBe(false);
  });

  it('keeps the list in lower case without duplicates, so that comparisons are exact', () => {
    for (const domain of [...PERSONAL_EMAIL_DOMAINS, ...PERSONAL_EMAIL_FAMILIES])
      expect(domain).toBe(domain.toLowerCase());
    expect(new Set(PERSONAL_EMAIL_DOMAINS).size).toBe(PERSONAL_EMAIL_DOMAINS.length);
  });

  it('lists the providers DESIGN.md §5 names', () => {
    expect(PERSONAL_EMAIL_DOMAINS).toEqual(expect.arrayContaining(['gmail.com', 'outlook.com']));
    expect(PERSONAL_EMAIL_FAMILIES).toContain('yahoo');
  });
});
