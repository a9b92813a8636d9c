import { Client } from 'pg';
import { TestStack, filterQuery, type ScimClient } from './support/stack';
import { caseVariants } from './support/username-race';

type Json = Record<string, any>;

/** Races and crashes with real processes: two workers, a killed worker, concurrent writers. */
describe('writes under concurrency and crashes (end to end)', () => {
  const stack = new TestStack({ label: 'concurrency', workers: 2 });
  let scim: ScimClient;

  beforeAll(async () => {
    await stack.start();
    scim = stack.client((await stack.createTenant()).token);
  }, 60000);

  afterAll(async () => {
    if (process.env['DUMP_LOGS']) console.log(stack.dumpLogs());
    await stack.stop();
  }, 60000);

  it('20 concurrent creates of one userName in different letter cases give one 201 and nineteen 409s', async () => {
    const base = 'race.user@example.com';
    // Twenty distinct spellings.
    const variants = caseVariants(base);
    expect(new Set(variants).size).toBe(20);
    const responses = await Promise.all(
      variants.map((userName) => scim.post<Json>('/Users', { userName, active: true })),
    );
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(19);
    for (const conflict of responses.filter((r) => r.status === 409)) {
      expect(conflict.body).toMatchObject({ scimType: 'uniqueness', status: '409' });
    }
    // Both workers took part, and the winner is findable in any case (Entra's retry path).
    const found = await scim.get<Json>(`/Users${filterQuery(`userName eq "${base.toUpperCase()}"`)}`);
    expect(found.body['totalResults']).toBe(1);
    const rows: { n: string }[] = await stack.dataSource.query(
      `SELECT count(*) AS n FROM users WHERE lower(user_name) = $1`,
      [base],
    );
    expect(Number(rows[0]!.n)).toBe(1);
  });

  it('concurrent PATCHes of one user by several clients lose no update', async () => {
    const user = await scim.post<Json>('/Users', { userName: 'patched.concurrently' });
    const numbers = Array.from({ length: 10 }, (_, i) => `+1 555 010${i}`);
    const responses = await Promise.all(
      numbers.map((value) =>
        scim.patch(`/Users/${user.body['id']}`, {
          schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
          Operations: [{ op: 'add', path: 'phoneNumbers', value: [{ value, type: 'work' }] }],
        }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(numbers.map(() => 200));
    const final = await scim.get<Json>(`/Users/${user.body['id']}`);
    expect(final.body['phoneNumbers'].map((p: Json) => p['value']).sort()).toEqual([...numbers].sort());
    expect(final.body['meta'].version).toBe('W/"11"');
  });

  it('a worker killed in the middle of a write neither loses nor doubles it', async () => {
    // Hold a lock that makes the INSERT wait, so the write is in flight when the worker dies.
    const locker = new Client({ connectionString: stack.databaseUrl });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE users IN SHARE MODE');
    const pending = scim.post<Json>('/Users', { userName: 'survives.a.crash', active: true });
    // Wait until a worker's INSERT is blocked on the lock.
    let blocked: { application_name: string }[] = [];
    for (let i = 0; i < 100 && blocked.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      const result = await locker.query<{ application_name: string }>(
        `SELECT application_name FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%INSERT INTO users%'`,
      );
      blocked = result.rows;
    }
    expect(blocked.length).toBeGreaterThan(0);
    // Kill the worker whose connection is running the write (SIGKILL: no cleanup, no reply).
    const victimPid = Number(blocked[0]!.application_name.replace('scim-worker-', ''));
    const victim = stack.workers().find((w) => w.child.pid === victimPid);
    expect(victim).toBeDefined();
    await victim!.stop('SIGKILL');
    const replacement = await stack.startWorker();
    expect(replacement.running).toBe(true);
    await locker.query('ROLLBACK');
    await locker.end();

    // The surviving worker takes the job over once its lock expires, and answers from the log.
    const response = await pending;
    expect(response.status).toBe(201);
    const users: { id: string }[] = await stack.dataSource.query(
      `SELECT id FROM users WHERE user_name = 'survives.a.crash'`,
    );
    expect(users).toHaveLength(1);
    const operations: { n: string }[] = await stack.dataSource.query(
      `SELECT count(*) AS n FROM operations WHERE kind = 'create-user' AND outcome = 'succeeded' AND resource_id = $1`,
      [users[0]!.id],
    );
    expect(Number(operations[0]!.n)).toBe(1);
    expect(response.body['id']).toBe(users[0]!.id);
  }, 60000);

  it('a worker stopped with SIGTERM finishes its running write first, then exits 0', async () => {
    const locker = new Client({ connectionString: stack.databaseUrl });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE users IN SHARE MODE');
    const pending = scim.post<Json>('/Users', { userName: 'graceful.stop' });
    let running: { application_name: string }[] = [];
    // Up to 15 s: on a loaded machine a write has taken more than 5 s to reach the lock.
    for (let i = 0; i < 300 && running.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      running = (
        await locker.query<{ application_name: string }>(
          `SELECT application_name FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%INSERT INTO users%'`,
        )
      ).rows;
    }
    const worker = stack
      .workers()
      .find((w) => w.child.pid === Number(running[0]!.application_name.replace('scim-worker-', '')))!;
    const stopped = worker.stop('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    expect(worker.running).toBe(true);
    await locker.query('ROLLBACK');
    await locker.end();
    expect((await pending).status).toBe(201);
    expect(await stopped).toBe(0);
  }, 60000);
});
