import { FailureReason } from '@scim/queue';
import { permanentDatabaseRefusal, sqlStateOf } from './directory-error';

const pgError = (code: string, message = 'boom') => Object.assign(new Error(message), { code });

describe('permanentDatabaseRefusal', () => {
  it('answers data the database refuses (classes 22 and 54) as an invalid value quoting Postgres', () => {
    expect(permanentDatabaseRefusal(pgError('22021', 'invalid byte sequence for encoding "UTF8": 0x00'))).toMatchObject(
      {
        reason: FailureReason.InvalidValue,
        detail: expect.stringContaining('invalid byte sequence'),
      },
    );
    expect(permanentDatabaseRefusal(pgError('54000'))).toMatchObject({ reason: FailureReason.InvalidValue });
  });

  it('answers integrity violations as a conflict (unique) or an invalid value, also when TypeORM wraps the driver error', () => {
    expect(permanentDatabaseRefusal({ driverError: pgError('23505') })).toMatchObject({
      reason: FailureReason.Conflict,
    });
    expect(permanentDatabaseRefusal(pgError('23514'))).toMatchObject({ reason: FailureReason.InvalidValue });
  });

  it('answers a statement Postgres refuses (42, 0A) as internal, never as unavailable', () => {
    expect(permanentDatabaseRefusal(pgError('42P18', 'could not determine data type of parameter $2'))).toMatchObject({
      reason: FailureReason.Internal,
    });
    expect(permanentDatabaseRefusal(pgError('0A000'))).toMatchObject({ reason: FailureReason.Internal });
  });

  it('leaves transient errors to be retried: connection, deadlock, serialization, lock, timeout, shutdown, no SQLSTATE', () => {
    for (const code of ['08006', '40P01', '40001', '55P03', '57014', '57P01', '53300', 'XX000']) {
      expect(permanentDatabaseRefusal(pgError(code))).toBeUndefined();
    }
    expect(
      permanentDatabaseRefusal(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })),
    ).toBeUndefined();
    expect(permanentDatabaseRefusal(new Error('timeout exceeded when trying to connect'))).toBeUndefined();
    expect(permanentDatabaseRefusal(undefined)).toBeUndefined();
  });

  it('sqlStateOf reads only five-character SQLSTATEs', () => {
    expect(sqlStateOf(pgError('22P05'))).toBe('22P05');
    expect(sqlStateOf(pgError('ECONNRESET'))).toBeUndefined();
  });
});
