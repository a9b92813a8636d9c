import { describeSmtpError } from './smtp-error';

function smtpError(message: string, fields: Record<string, unknown>): Error {
  return Object.assign(new Error(message), fields);
}

describe('describeSmtpError', () => {
  it('names an unreachable server', () => {
    expect(describeSmtpError(smtpError('connect ECONNREFUSED 127.0.0.1:1025', { code: 'ECONNECTION' }))).toEqual({
      reason: 'the SMTP server could not be reached',
      code: 'ECONNECTION',
      message: 'connect ECONNREFUSED 127.0.0.1:1025',
    });
  });

  it('names a refused connection reported as a socket error', () => {
    expect(describeSmtpError(smtpError('connect ECONNREFUSED 127.0.0.1:1025', { code: 'ESOCKET' })).reason).toBe(
      'the SMTP server could not be reached',
    );
    expect(describeSmtpError(smtpError('read ECONNRESET', { code: 'ESOCKET' })).reason).toBe(
      'the connection to the SMTP server failed',
    );
  });

  it('names refused credentials without repeating them', () => {
    const failure = describeSmtpError(
      smtpError('Invalid login: 535 5.7.8 Authentication failed', {
        code: 'EAUTH',
        responseCode: 535,
        response: '535 5.7.8 Authentication failed',
      }),
    );
    expect(failure).toMatchObject({
      reason: 'the SMTP server refused the credentials in SMTP_URL',
      code: 'EAUTH',
      responseCode: 535,
    });
  });

  it('tells a permanent refusal of the recipient from a temporary one', () => {
    expect(
      describeSmtpError(
        smtpError("Can't send mail - all recipients were rejected: 550 5.1.1 No such user", {
          code: 'EENVELOPE',
          responseCode: 550,
          response: '550 5.1.1 No such user',
        }),
      ).reason,
    ).toBe('the SMTP server refused the sender or the recipient: refused for good (550)');
    expect(
      describeSmtpError(
        smtpError('Message failed: 451 Try again later', {
          code: 'EMESSAGE',
          responseCode: 451,
          response: '451 Try again later',
        }),
      ).reason,
    ).toBe('the SMTP server refused the message: refused for now (451)');
  });

  it('keeps the server reply short and copes with anything thrown', () => {
    expect(describeSmtpError(smtpError('x', { response: 'y'.repeat(1000) })).response).toHaveLength(300);
    expect(describeSmtpError('boom')).toEqual({ reason: 'sending failed', message: 'boom' });
  });
});
