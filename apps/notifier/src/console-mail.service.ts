import { Inject, Injectable } from '@nestjs/common';
import type { SignInLinksMail, TestEmailRequest } from '@scim/queue';
import { NOTIFIER_CONFIG, type NotifierConfig } from './config/notifier.config';
import { SmtpMailSender, messageIdDomain } from './mail/smtp-mail.sender';
import { renderSignInLinks, renderTestEmail } from './templates/console-mail.template';

/**
 * The admin console's emails (sign-in links, test emails), sent through the same SMTP settings
 * as the failure digests. The gateway only enqueues them: it needs no SMTP access of its own.
 */
@Injectable()
export class ConsoleMailService {
  private readonly sender: SmtpMailSender;
  private readonly domain: string;

  constructor(@Inject(NOTIFIER_CONFIG) config: NotifierConfig) {
    this.sender = new SmtpMailSender(config.smtpUrl, config.mailFrom);
    this.domain = messageIdDomain(config.mailFrom);
  }

  async sendSignInLinks(jobId: string, mail: SignInLinksMail): Promise<void> {
    await this.sender.send({ to: mail.to, messageId: `<sign-in-${jobId}@${this.domain}>`, ...renderSignInLinks(mail) });
  }

  async sendTestEmail(jobId: string, request: TestEmailRequest): Promise<void> {
    await this.sender.send({
      to: request.to,
      messageId: `<test-${jobId}@${this.domain}>`,
      ...renderTestEmail(request),
    });
  }

  close(): void {
    this.sender.close();
  }
}
