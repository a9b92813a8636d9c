/** Why an SMTP send failed, for the notifier's log line: a reason in words plus what the server said. */
export interface SmtpFailure {
  reason: string;
  /** nodemailer's error code (ECONNECTION, EAUTH, EENVELOPE, …). */
  code?: string;
  /** The SMTP reply code, e.g. 550. */
  responseCode?: number;
  /** The server's reply line (at most 300 characters). */
  response?: string;
  message: string;
}

const REASONS: Record<string, string> = {
  ECONNECTION: 'the SMTP server could not be reached',
  ESOCKET: 'the connection to the SMTP server failed',
  ETIMEDOUT: 'the SMTP server did not answer in time',
  EDNS: 'the SMTP server name did not resolve',
  ETLS: 'TLS with the SMTP server failed',
  EREQUIRETLS: 'the SMTP server does not offer the TLS this sender requires',
  EAUTH: 'the SMTP server refused the credentials in SMTP_URL',
  ENOAUTH: 'the SMTP server wants credentials: add them to SMTP_URL',
  EENVELOPE: 'the SMTP server refused the sender or the recipient',
  EMESSAGE: 'the SMTP server refused the message',
  EPROTOCOL: 'the SMTP server answered something unexpected',
};

export function describeSmtpError(error: unknown): SmtpFailure {
  const { code, responseCode, response } = (error ?? {}) as {
    code?: unknown;
    responseCode?: unknown;
    response?: unknown;
  };
  const message = error instanceof Error ? error.message : String(error);
  const failure: SmtpFailure = { reason: 'sending failed', message };
  if (typeof code === 'string') failure.code = code;
  if (typeof responseCode === 'number') failure.responseCode = responseCode;
  if (typeof response === 'string') failure.response = response.slice(0, 300);
  if (failure.code && REASONS[failure.code]) failure.reason = REASONS[failure.code]!;
  // nodemailer reports a refused or unroutable connection as a socket error.
  if (failure.code === 'ESOCKET' && /ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN/.test(message))
    failure.reason = REASONS['ECONNECTION']!;
  if (
    failure.responseCode !== undefined &&
    (failure.code === undefined || failure.code === 'EENVELOPE' || failure.code === 'EMESSAGE')
  ) {
    if (failure.responseCode >= 500) failure.reason = `${failure.reason}: refused for good (${failure.responseCode})`;
    else if (failure.responseCode >= 400)
      failure.reason = `${failure.reason}: refused for now (${failure.responseCode})`;
  }
  return failure;
}
