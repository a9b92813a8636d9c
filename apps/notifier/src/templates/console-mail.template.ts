import type { RenderedEmail } from '@scim/notifications';
import type { SignInLinksMail, TestEmailRequest } from '@scim/queue';

function utc(iso: string): string {
  return `${iso.replace('T', ' ').slice(0, 16)} UTC`;
}

function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const IGNORE_IF_NOT_YOU =
  'If you did not ask for this, ignore this email: nobody can sign in without the link, and it stops working soon.';

/** The email an admin asked for on the console's sign-in page: one one-time link per tenant. */
export function renderSignInLinks(mail: SignInLinksMail): RenderedEmail {
  const single = mail.links.length === 1;
  const subject = single
    ? `[SCIM provisioning] Sign in to the admin console of ${mail.links[0]!.tenantName}`
    : '[SCIM provisioning] Sign in to the admin console';
  const intro = single
    ? 'Someone (hopefully you) asked to sign in to the SCIM provisioning admin console with this address. Open this link to sign in; it works once:'
    : 'Someone (hopefully you) asked to sign in to the SCIM provisioning admin console with this address, which administers several tenants. Each link signs in to one tenant and works once:';
  const text = [
    intro,
    '',
    ...mail.links.flatMap((link) => [`${link.tenantName} (valid until ${utc(link.expiresAt)}):`, link.url, '']),
    IGNORE_IF_NOT_YOU,
    '',
  ].join('\n');
  const html = [
    '<!doctype html><html><body style="font-family:sans-serif;font-size:14px">',
    `<p>${escapeHtml(intro)}</p>`,
    '<ul>',
    ...mail.links.map(
      (link) =>
        `<li><a href="${escapeHtml(link.url)}">Sign in to ${escapeHtml(link.tenantName)}</a> (valid until ${escapeHtml(utc(link.expiresAt))})</li>`,
    ),
    '</ul>',
    `<p>${escapeHtml(IGNORE_IF_NOT_YOU)}</p>`,
    '</body></html>',
  ].join('\n');
  return { subject, text, html };
}

/** "Send test email" on the console: says where it came from and that failure emails will arrive. */
export function renderTestEmail(request: TestEmailRequest): RenderedEmail {
  const by = request.requestedBy ? `by ${request.requestedBy}` : 'with a sign-in link issued by the operator';
  const subject = `[SCIM provisioning] Test email for tenant ${request.tenantName}`;
  const lines = [
    `This is a test email from the SCIM provisioning service's admin console for tenant "${request.tenantName}" (id ${request.tenantId}).`,
    `It was requested ${by} at ${utc(request.requestedAt)} from ${request.consoleUrl}.`,
    `Failure emails for this tenant go to ${request.to}, the notification email set in the console. Since this one arrived, they will too.`,
    'Nothing needs to be done.',
  ];
  return {
    subject,
    text: `${lines.join('\n\n')}\n`,
    html: [
      '<!doctype html><html><body style="font-family:sans-serif;font-size:14px">',
      ...lines.map((line) => `<p>${escapeHtml(line)}</p>`),
      '</body></html>',
    ].join('\n'),
  };
}
