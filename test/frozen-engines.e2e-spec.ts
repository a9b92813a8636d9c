import { migrateDirectory } from '@scim/directory';
import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import type { QueryRunner } from 'typeorm';
import { DIRECTORY_QUEUE, directoryWritesOf } from '@scim/queue';
import { PrivatePostgres } from './support/private-postgres';
import { PrivateRedis } from './support/private-redis';
import { TestStack, filterQuery, type ScimClient, type ScimResponse } from './support/stack';

type Json = Record<string, any>;

function expectUnavailable(response: ScimResponse<Json>): void {
  expect(response.status).toBe(503);
  expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(response.body).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '503' });
  expect(typeof response.body['detail']).toBe('string');
}

/** Resolves once `sql` (run on the test's own connection) returns a count of at least `n`. */
async function waitForCount(
  runner: { query(sql: string): Promise<{ n: number }[]> },
  sql: string,
  n: number,
  timeoutMs = 10_000,
): Promise<void> {
  const started = Date.now();
  while (Number((await runner.query(sql))[0]?.n ?? 0) < n) {
    if (Date.now() - started > timeoutMs) throw new Error(`"${sql}" did not reach ${n} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function eventually<T>(check: () => Promise<T>, timeoutMs = 20_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() - started > timeoutMs) throw error;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/**
 * "503 within 2 s when a dependency is down or frozen" (issue 8, defects 2 and 6), against engines
 * the test starts itself: a Postgres cluster whose processes are all SIGSTOPped, and a Redis that
 * is SIGKILLed while writes are in flight. Answer times are printed, not asserted.
 */
describe('a frozen Postgres (end to end)', () => {
  const postgres = new PrivatePostgres();
  let stack: TestStack;
  let scim: ScimClient;
  let someUserId = '';

  beforeAll(async () => {
    await postgres.start();
    const url = postgres.url('scim');
    await migrateDirectory(url);
    stack = new TestStack({ label: 'frozen_postgres', databaseUrl: url });
    await stack.start();
    scim = stack.client((await stack.createTenant()).token);
    const created = await scim.post<Json>('/Users', { userName: 'before-freeze@frozen.test' });
    expect(created.status).toBe(201);
    someUserId = created.body['id'];
  }, 90_000);

  afterAll(async () => {
    postgres.thaw();
    await stack?.stop();
    postgres.stop();
  }, 60_000);

  it('answers reads, writes and a read that was running with 503 + Retry-After while frozen, and recovers', async () => {
    // A read that holds a connection when the freeze comes: it waits on a lock the test holds.
    const locker: QueryRunner = stack.dataSource.createQueryRunner();
    await locker.startTransaction();
    await locker.query('LOCK TABLE users IN ACCESS EXCLUSIVE MODE');
    const runningRead = scim.get<Json>('/Users?count=5');
    await waitForCount(
      stack.dataSource,
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'scim-gateway' AND wait_event_type = 'Lock'`,
      1,
    );

    postgres.freeze();
    const frozenAt = Date.now();
    const since = () => Date.now() - frozenAt;
    let running: ScimResponse<Json>;
    const early: ScimResponse<Json>[] = [];
    const late: ScimResponse<Json>[] = [];
    let health: Response;
    try {
      // Sent right away, before the watchdog can know: they wait for the circuit to open.
      const sentEarly = [
        scim.get<Json>(`/Users/${someUserId}`),
        scim.get<Json>(`/Users${filterQuery('userName eq "before-freeze@frozen.test"')}`),
        scim.post<Json>('/Users', { userName: 'early-1@frozen.test' }),
        scim.post<Json>('/Users', { userName: 'early-2@frozen.test' }),
      ];
      running = await runningRead;
      const runningMs = since();
      early.push(...(await Promise.all(sentEarly)));
      await new Promise((r) => setTimeout(r, 3000));
      // Sent once the outage is known: refused at once.
      late.push(
        ...(await Promise.all([
          scim.get<Json>(`/Users/${someUserId}`),
          scim.get<Json>('/Groups'),
          scim.post<Json>('/Users', { userName: 'late-1@frozen.test' }),
          scim.patch<Json>(`/Users/${someUserId}`, {
            schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
            Operations: [{ op: 'replace', path: 'active', value: false }],
          }),
        ])),
      );
      health = await fetch(`${stack.baseUrl}/health`);
      console.log(
        [
          'frozen Postgres, answer times:',
          `read holding a connection ${runningMs} ms after the freeze;`,
          `sent at the freeze: reads ${early[0]!.ms} / ${early[1]!.ms} ms, writes ${early[2]!.ms} / ${early[3]!.ms} ms;`,
          `sent 3 s later: reads ${late[0]!.ms} / ${late[1]!.ms} ms, writes ${late[2]!.ms} / ${late[3]!.ms} ms`,
        ].join(' '),
      );
    } finally {
      postgres.thaw();
    }
    await locker.rollbackTransaction().catch(() => undefined);
    await locker.release();

    for (const response of [running, ...early, ...late]) expectUnavailable(response);
    expect(running.body['detail']).toMatch(/database/);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ postgres: 'down', redis: 'up' });

    await eventually(async () =>
      expect((await scim.post('/Users', { userName: 'after-freeze@frozen.test' })).status).toBe(201),
    );
    // Writes refused before they were queued never happen; the user was not disabled.
    const names: { user_name: string }[] = await stack.dataSource.query(
      `SELECT user_name FROM users WHERE user_name LIKE 'late-%'`,
    );
    expect(names).toEqual([]);
    expect((await scim.get<Json>(`/Users/${someUserId}`)).body['active']).toBe(true);
  }, 90_000);
});

describe('a Redis killed while writes are in flight (end to end)', () => {
  const redis = new PrivateRedis();
  let stack: TestStack;
  let scim: ScimClient;

  beforeAll(async () => {
    await redis.start();
    stack = new TestStack({ label: 'killed_redis', redisUrl: redis.url });
    await stack.start();
    scim = stack.client((await stack.createTenant()).token);
    expect((await scim.post('/Users', { userName: 'before-kill@killed.test' })).status).toBe(201);
  }, 60_000);

  afterAll(async () => {
    await redis.kill();
    await stack?.stop();
  }, 60_000);

  it('answers applied writes from the operations log and refuses the others for good, within seconds (defect 6)', async () => {
    // Hold the writes inside the worker: user creates wait on a lock released just after the
    // crash (so they are applied, their replies lost), group creates on one released later.
    const usersLock: QueryRunner = stack.dataSource.createQueryRunner();
    const groupsLock: QueryRunner = stack.dataSource.createQueryRunner();
    await usersLock.startTransaction();
    await usersLock.query('LOCK TABLE users IN SHARE MODE');
    await groupsLock.startTransaction();
    await groupsLock.query('LOCK TABLE groups IN SHARE MODE');
    const userNames = Array.from({ length: 4 }, (_, i) => `in-flight-${i}@killed.test`);
    const groupNames = ['In flight A', 'In flight B'];
    let killedAt = 0;
    const timed = async (request: Promise<ScimResponse<Json>>) => {
      const response = await request;
      return { response, sinceKill: Date.now() - killedAt };
    };
    // Writes that arrive together may share a job (coalescing, issue 13), and a job is applied as
    // one: the user creates are all inside the worker, waiting on the lock, before the group
    // creates are sent, so that no job holds both.
    const connection = new IORedis(redis.url, { maxRetriesPerRequest: 1 });
    const queue = new Queue(DIRECTORY_QUEUE, { connection, prefix: stack.queuePrefix });
    const insideWorker = async (writes: number) => {
      const started = Date.now();
      for (;;) {
        const active = await queue.getActive();
        const held = active.reduce((sum, job) => sum + directoryWritesOf(job).length, 0);
        const waiting: { n: number }[] = await stack.dataSource.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name LIKE 'scim-worker%' AND wait_event_type = 'Lock'`,
        );
        if (held === writes && waiting[0]!.n === active.length) return;
        if (Date.now() - started > 10_000) throw new Error(`${held} of ${writes} writes inside the worker after 10 s`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    let users: Promise<{ response: ScimResponse<Json>; sinceKill: number }>[] = [];
    let groups: Promise<{ response: ScimResponse<Json>; sinceKill: number }>[] = [];
    try {
      users = userNames.map((userName) => timed(scim.post<Json>('/Users', { userName })));
      await insideWorker(userNames.length);
      groups = groupNames.map((displayName) => timed(scim.post<Json>('/Groups', { displayName })));
      await insideWorker(userNames.length + groupNames.length);
      await queue.close();
      connection.disconnect();
      await redis.kill();
      killedAt = Date.now();
      await new Promise((r) => setTimeout(r, 300));
      await usersLock.commitTransaction();
      await new Promise((r) => setTimeout(r, 2700));
      await groupsLock.commitTransaction();
    } finally {
      await usersLock.release();
      await groupsLock.release();
    }
    const userAnswers = await Promise.all(users);
    const groupAnswers = await Promise.all(groups);
    console.log(
      `killed Redis, answer times after the kill: applied writes ${userAnswers.map((a) => a.sinceKill).join(' / ')} ms; ` +
        `writes not applied ${groupAnswers.map((a) => a.sinceKill).join(' / ')} ms`,
    );

    // Applied: answered 201 with the stored user, as if the reply had arrived.
    for (const [i, { response }] of userAnswers.entries()) {
      expect(response.status).toBe(201);
      expect(response.body).toMatchObject({ userName: userNames[i] });
      const rows: { id: string }[] = await stack.dataSource.query(`SELECT id FROM users WHERE user_name = $1`, [
        userNames[i],
      ]);
      expect(rows).toEqual([{ id: response.body['id'] }]);
    }
    // Not applied in time: 503, and they never will be (their job meets the recorded refusal).
    for (const { response } of groupAnswers) {
      expectUnavailable(response);
      expect(response.body['detail']).toMatch(/not applied/);
    }
    await new Promise((r) => setTimeout(r, 1000));
    const created: { n: number }[] = await stack.dataSource.query(
      `SELECT count(*)::int AS n FROM groups WHERE display_name LIKE 'In flight%'`,
    );
    expect(created[0]!.n).toBe(0);

    // Redis back (empty, as after a crash without persistence): writes work again.
    await redis.start();
    await eventually(async () =>
      expect((await scim.post('/Users', { userName: 'after-kill@killed.test' })).status).toBe(201),
    );
  }, 90_000);
});
