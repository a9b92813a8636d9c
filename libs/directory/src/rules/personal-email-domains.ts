/**
 * Well-known personal mailbox providers. A tenant without configured work domains accepts any
 * work email except these. `yahoo.*`-style families are matched by their first label.
 * This is the one place the list lives (DESIGN.md §5).
 */
export const PERSONAL_EMAIL_DOMAINS: readonly string[] = [
  'gmail.com',
  'googlemail.com',
  'outlook.com',
  'hotmail.com',
  'live.com',
  'msn.com',
  'passport.com',
  'icloud.com',
  'me.com',
  'mac.com',
  'aol.com',
  'aim.com',
  'protonmail.com',
  'proton.me',
  'pm.me',
  'gmx.com',
  'gmx.net',
  'gmx.de',
  'web.de',
  'mail.com',
  'zoho.com',
  'zohomail.com',
  'yandex.com',
  'yandex.ru',
  'mail.ru',
  'inbox.ru',
  'list.ru',
  'bk.ru',
  'qq.com',
  '163.com',
  '126.com',
  'yeah.net',
  'sina.com',
  'naver.com',
  'daum.net',
  'hanmail.net',
  'rediffmail.com',
  'fastmail.com',
  'tutanota.com',
  'tuta.io',
  'hey.com',
  't-online.de',
  'freenet.de',
  'orange.fr',
  'wanadoo.fr',
  'free.fr',
  'laposte.net',
  'libero.it',
  'virgilio.it',
  'btinternet.com',
  'comcast.net',
  'verizon.net',
  'att.net',
  'sbcglobal.net',
  'bellsouth.net',
  'cox.net',
  'charter.net',
  'earthlink.net',
  'optonline.net',
  'rocketmail.com',
  'ymail.com',
];

/** Provider families registered under many country domains: yahoo.com, yahoo.co.uk, hotmail.fr, … */
export const PERSONAL_EMAIL_FAMILIES: readonly string[] = ['yahoo', 'hotmail', 'outlook', 'live', 'gmx', 'aol'];

export function isPersonalEmailDomain(domain: string): boolean {
  const lower = domain.toLowerCase();
  if (PERSONAL_EMAIL_DOMAINS.some((d) => lower === d || lower.endsWith('.' + d))) return true;
  // A family name followed only by a country or generic suffix (yahoo.co.uk, hotmail.fr, live.com.br);
  // a company subdomain such as live.acme.com is not a provider.
  const [first = '', ...suffix] = lower.split('.');
  return (
    PERSONAL_EMAIL_FAMILIES.includes(first) &&
    suffix.length >= 1 &&
    suffix.length <= 2 &&
    suffix.every((label) => label.length <= 3)
  );
}
