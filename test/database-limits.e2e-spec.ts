import type { QueryRunner } from 'typeorm';
import { TestStack, filterQuery, type ScimClient, type ScimResponse } from './support/stack';

type Json = Record<string, any>;

/**
 * Time limits on the gateway's database work (issue 8, defects 2 and 5): a statement past its
 * limit and a request that found no free connection in time both answer 503 with Retry-After and
 * a detail, known from the error's type (not from probing Postgres, which is up all along); a
 * filter too costly to run in time is refused in advance with 400.
 */
describe('database time limits (end to end)', () => {
  // DB_POOL_SIZE 3 leaves one connection for requests (one each goes to the watchdog and member pages):
  // with a short statement limit, both limits are easy to reach with a lock.
  const stack = new TestStack({
    label: 'database_limits',
    env: { DB_POOL_SIZE: '3', WORKER_CONCURRENCY: '2', DB_STATEMENT_TIMEOUT_MS: '1500' },
  });
  let scim: ScimClient;
  let locker: QueryRunner;

  beforeAll(async () => {
    await stack.start();
    scim = stack.client((await stack.createTenant()).token);
    expect((await scim.post('/Users', { userName: 'limits@example.com' })).status).toBe(201);
  }, 60_000);

  afterAll(async () => {
    await stack.stop();
  }, 60_000);

  beforeEach(async () => {
    // The token is cached for 3 s: a fresh request keeps authentication off the database below.
    expect((await scim.get('/Users?count=1')).status).toBe(200);
    locker = stack.dataSource.createQueryRunner();
    await locker.startTransaction();
    await locker.query('LOCK TABLE users IN ACCESS EXCLUSIVE MODE');
  });

  afterEach(async () => {
    await locker.rollbackTransaction().catch(() => undefined);
    await locker.release();
  });

  const waitingOnLock = async (): Promise<void> => {
    for (let i = 0; i < 200; i++) {
      const rows: { n: number }[] = await stack.dataSource.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'scim-gateway' AND wait_event_type = 'Lock'`,
      );
      if (rows[0]!.n > 0) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error('the gateway never waited on the lock');
  };

  function expectUnavailable(response: ScimResponse<Json>, detail: RegExp): void {
    expect(response.status).toBe(503);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(response.body).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '503' });
    expect(response.body['detail']).toMatch(detail);
  }

  it('a read past the statement time limit answers 503 with Retry-After and a detail', async () => {
    const response = await scim.get<Json>('/Users?count=5');
    expectUnavailable(response, /longer than the database time limit allows and was stopped/);
  });

  it('a request that gets no free connection in time answers 503, even though Postgres answers by the time it is classified (defect 5)', async () => {
    // The only connection waits on the lock; the second request waits for a connection.
    const holder = scim.get<Json>('/Users?count=5');
    await waitingOnLock();
    const waiter = scim.get<Json>(`/Users${filterQuery('userName eq "limits@example.com"')}`);
    // Postgres "comes back" (the lock goes) after the waiter gave up and before a probe would finish.
    setTimeout(() => void locker.rollbackTransaction().catch(() => undefined), 2300);
    const [first, second] = await Promise.all([holder, waiter]);
    expectUnavailable(second, /no database connection became free within 1 s/);
    expect([200, 503]).toContain(first.status);
    expect((await scim.get('/Users?count=1')).status).toBe(200);
  });

  it('refuses a filter too costly to run in time with 400 and advice, before it runs', async () => {
    const filter = Array.from({ length: 200 }, (_, i) => `userName co "${i}"`).join(' or ');
    const response = await scim.get<Json>(`/Users${filterQuery(filter)}`);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ scimType: 'invalidFilter', status: '400' });
    expect(response.body['detail']).toMatch(/200 substring comparisons .* at most 20/);
  });
});
