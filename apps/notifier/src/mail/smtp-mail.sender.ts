import { createTransport, type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import type { MailSender, OutgoingMail } from '@scim/notifications';

/**
 * SMTP delivery with nodemailer. SMTP_URL may be smtp:// (STARTTLS when offered) or smtps://, with
 * credentials (`smtps://user:pass@host:465`). Timeouts are short so that an unreachable server
 * turns into a retry rather than a stuck sender.
 */
export class SmtpMailSender implements MailSender {
  private readonly transport: Transporter;

  constructor(
    smtpUrl: string,
    private readonly from: string,
  ) {
    const options: SMTPTransport.Options & { url: string } = {
      url: smtpUrl,
      connectionTimeout: 10000,
      greetingTimeout: 10000,
      socketTimeout: 30000,
    };
    this.transport = createTransport(options);
  }

  async send(mail: OutgoingMail): Promise<void> {
    await this.transport.sendMail({
      from: this.from,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      // Stable per digest: a receiver that sees it twice (a crash right after the server accepted
      // it) can tell it is the same message.
      messageId: mail.messageId,
      headers: mail.headers,
    });
  }

  close(): void {
    this.transport.close();
  }
}

/** The domain for Message-IDs, from MAIL_FROM (`Name <user@domain>` or `user@domain`). */
export function messageIdDomain(mailFrom: string): string {
  const match = /@([^>\s]+)>?\s*$/.exec(mailFrom);
  return match?.[1] ?? 'scim-provisioning.invalid';
}
