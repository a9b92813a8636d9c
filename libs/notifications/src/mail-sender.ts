/** What the notifier sends, apart from the SMTP transport that sends it (apps/notifier/src/mail). */
export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

export interface OutgoingMail extends RenderedEmail {
  to: string;
  messageId: string;
  headers?: Record<string, string>;
}

/** Sends one email; throws when the SMTP server refuses or cannot be reached. */
export interface MailSender {
  send(mail: OutgoingMail): Promise<void>;
}
