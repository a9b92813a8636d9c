import { DatabaseError } from 'pg';
import { isWorthRetrying, waitForPostgres, type WaitForPostgresOptions } from './wait-for-postgres';

function refused(): Error {
  return Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:5432'), { code: 'ECONNREFUSED' });
}

function serverSaid(code: string, message: string): DatabaseError {
  const error = new DatabaseError(message, message.length, 'error');
  error.code = code;
  return error;
}

/** A fake clock: sleeping advances it, so a 60 s deadline runs instantly. */
function fakeTime(): { options: Pick<WaitForPostgresOptions, 'now' | 'sleep'>; slept: number[] } {
  let clock = 0;
  const slept: number[] = [];
  return {
    slept,
    options: {
      now: () => clock,
      sleep: async (ms) => {
        slept.push(ms);
        clock += ms;
      },
    },
  };
}

describe('waitForPostgres', () => {
  it('retries while the server refuses connections, logging each attempt, then returns what connect returned', async () => {
    const lines: string[] = [];
    const time = fakeTime();
    let calls = 0;
    const connect = async () => {
      calls++;
      if (calls <= 3) throw refused();
      return 'connected';
    };

    const result = await waitForPostgres(connect, {
      where: 'postgres:5432',
      deadlineMs: 60_000,
      delayMs: 1000,
      log: (l) => lines.push(l),
      ...time.options,
    });

    expect(result).toBe('connected');
    expect(calls).toBe(4);
    expect(time.slept).toEqual([1000, 1000, 1000]);
    expect(lines).toEqual([
      'Waiting for Postgres at postgres:5432: attempt 1 failed (connect ECONNREFUSED 10.0.0.5:5432); retrying in 1 s, giving up after 60 s',
      'Waiting for Postgres at postgres:5432: attempt 2 failed (connect ECONNREFUSED 10.0.0.5:5432); retrying in 1 s, giving up after 60 s',
      'Waiting for Postgres at postgres:5432: attempt 3 failed (connect ECONNREFUSED 10.0.0.5:5432); retrying in 1 s, giving up after 60 s',
      'Postgres at postgres:5432 answered on attempt 4',
    ]);
  });

  it('logs nothing when the first attempt succeeds', async () => {
    const lines: string[] = [];
    await expect(
      waitForPostgres(async () => 42, {
        where: 'db:5432',
        deadlineMs: 60_000,
        delayMs: 1000,
        log: (l) => lines.push(l),
        ...fakeTime().options,
      }),
    ).resolves.toBe(42);
    expect(lines).toEqual([]);
  });

  it('gives up after the deadline with the number of attempts and the last error', async () => {
    const time = fakeTime();
    const lines: string[] = [];
    const attempt = waitForPostgres(() => Promise.reject(refused()), {
      where: 'postgres:5432',
      deadlineMs: 60_000,
      delayMs: 1000,
      log: (l) => lines.push(l),
      ...time.options,
    });

    await expect(attempt).rejects.toThrow(
      'Postgres at postgres:5432 did not answer within 60 s (61 attempts; last: connect ECONNREFUSED 10.0.0.5:5432)',
    );
    expect(time.slept.reduce((a, b) => a + b, 0)).toBe(60_000);
    expect(lines).toHaveLength(60);
  });

  it('keeps waiting while the server says it is starting up', async () => {
    let calls = 0;
    const connect = async () => {
      if (++calls === 1) throw serverSaid('57P03', 'the database system is starting up');
      return 'ok';
    };
    await expect(
      waitForPostgres(connect, {
        where: 'db:5432',
        deadlineMs: 60_000,
        delayMs: 1000,
        log: () => undefined,
        ...fakeTime().options,
      }),
    ).resolves.toBe('ok');
    expect(calls).toBe(2);
  });

  it('fails at once on a definite answer such as a wrong password', async () => {
    const time = fakeTime();
    let calls = 0;
    const connect = async () => {
      calls++;
      throw serverSaid('28P01', 'password authentication failed for user "scim"');
    };
    await expect(
      waitForPostgres(connect, {
        where: 'db:5432',
        deadlineMs: 60_000,
        delayMs: 1000,
        log: () => undefined,
        ...time.options,
      }),
    ).rejects.toThrow('password authentication failed');
    expect(calls).toBe(1);
    expect(time.slept).toEqual([]);
  });
});

describe('isWorthRetrying', () => {
  it.each([
    ['a refused connection', refused(), true],
    [
      'an unknown host (DNS not ready)',
      Object.assign(new Error('getaddrinfo ENOTFOUND postgres'), { code: 'ENOTFOUND' }),
      true,
    ],
    ['a connect timeout', new Error('Connection terminated due to connection timeout'), true],
    ['starting up', serverSaid('57P03', 'the database system is starting up'), true],
    ['too many connections', serverSaid('53300', 'sorry, too many clients already'), true],
    ['a wrong password', serverSaid('28P01', 'password authentication failed'), false],
    ['an unknown role', serverSaid('28000', 'role "x" does not exist'), false],
  ])('%s', (_label, error, expected) => {
    expect(isWorthRetrying(error)).toBe(expected);
  });
});
