import { answerForPermanentDatabaseError, sqlStateOf } from './directory-error';

const pgError = (code: string, message = 'boom') => Object.assign(new Error(message), { code });

describe('answerForPermanentDatabaseError', () => {
  it('answers data the database refuses (classes 22 and 54) with 400 invalidValue quoting Postgres', () => {
    expect(
      answerForPermanentDatabaseError(pgError('22021', 'invalid byte sequence for encoding "UTF8": 0x00')),
    ).toMatchObject({
      status: 400,
      scimType: 'invalidValue',
      detail: expect.stringContaining('invalid byte sequence'),
    });
    expect(answerForPermanentDatabaseError(pgError('54000'))).toMatchObject({ status: 400, scimType: 'invalidValue' });
  });

  it('answers integrity violations with 409 (unique) or 400, also when TypeORM wraps the driver error', () => {
    expect(answerForPermanentDatabaseError({ driverError: pgError('23505') })).toMatchObject({
      status: 409,
      scimType: 'uniqueness',
    });
    expect(answerForPermanentDatabaseError(pgError('23514'))).toMatchObject({ status: 400, scimType: 'invalidValue' });
  });

  it('answers a statement Postgres refuses (42, 0A) with 500, never 503', () => {
    expect(
      answerForPermanentDatabaseError(pgError('42P18', 'could not determine data type of parameter $2')),
    ).toMatchObject({ status: 500, reason: 'INTERNAL' });
    expect(answerForPermanentDatabaseError(pgError('0A000'))).toMatchObject({ status: 500 });
  });

  it('leaves transient errors to be retried: connection, deadlock, serialization, lock, timeout, shutdown, no SQLSTATE', () => {
    for (const code of ['08006', '40P01', '40001', '55P03', '57014', '57P01', '53300', 'XX000']) {
      expect(answerForPermanentDatabaseError(pgError(code))).toBeUndefined();
    }
    expect(
      answerForPermanentDatabaseError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })),
    ).toBeUndefined();
    expect(answerForPermanentDatabaseError(new Error('timeout exceeded when trying to connect'))).toBeUndefined();
    expect(answerForPermanentDatabaseError(undefined)).toBeUndefined();
  });

  it('sqlStateOf reads only five-character SQLSTATEs', () => {
    expect(sqlStateOf(pgError('22P05'))).toBe('22P05');
    expect(sqlStateOf(pgError('ECONNRESET'))).toBeUndefined();
  });
});
