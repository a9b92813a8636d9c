import { Client } from 'pg';
import { migrateDirectory } from '@scim/directory';
import { sampleValue, scrape } from './support/prometheus';
import { PrivatePostgres } from './support/private-postgres';
import { StreamingStandby } from './support/streaming-standby';
import { TestStack, filterQuery, type ScimClient } from './support/stack';

type Json = Record<string, any>;
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 20000): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The gateway's reads on a streaming replica: a primary (initdb, wal_level=replica) and a hot
 * standby (pg_basebackup -R) started here on loopback ports, the standby replaying 300 ms late
 * (recovery_min_apply_delay) so that a read that went to it too early would show stale data.
 */
describe('reads from a streaming replica (end to end)', () => {
  const primary = new PrivatePostgres({ wal_level: 'replica', max_wal_senders: '4' });
  let standby: StreamingStandby;
  let stack: TestStack;

  const reads = async (target: 'primary' | 'replica') =>
    sampleValue(await scrape(`${stack.baseUrl}/metrics`), 'scim_db_reads_total', { target }) ?? NaN;

  async function onStandby<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    const client = new Client({ connectionString: standby.url('scim') });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as T[];
    } finally {
      await client.end();
    }
  }

  beforeAll(async () => {
    await primary.start();
    await migrateDirectory(primary.url('scim'));
    standby = new StreamingStandby(primary.port, { recovery_min_apply_delay: '300ms' });
    await standby.start();
    stack = new TestStack({
      label: 'read_replica',
      databaseUrl: primary.url('scim'),
      env: { DATABASE_READ_URL: standby.url('scim') },
    });
    await stack.start();
    await stack.apps[0]!.waitForLog(/Reads go to the replica/);
  }, 120000);

  afterAll(async () => {
    if (process.env['DUMP_LOGS']) console.log(stack?.dumpLogs());
    await stack?.stop();
    standby?.stop();
    primary.stop();
  }, 60000);

  afterEach(() => {
    const state = expect.getState();
    if (state.assertionCalls > state.numPassingAsserts) console.log(stack.dumpLogs());
  });

  it('sends the reads of a tenant without recent writes to the replica', async () => {
    const { token, tenantId } = await stack.createTenant();
    const scim = stack.client(token);
    // The tenant reaches the standby 300 ms later; its users are loaded on the primary directly.
    await stack.dataSource.query(
      `INSERT INTO users (id, tenant_id, user_name, active, data)
       SELECT gen_random_uuid(), $1, 'seeded' || i || '@replica.test', true,
              jsonb_build_object('schemas', jsonb_build_array('urn:ietf:params:scim:schemas:core:2.0:User'), 'userName', 'seeded' || i || '@replica.test')
         FROM generate_series(1, 5) i`,
      [tenantId],
    );
    await waitFor('the rows on the standby', async () => {
      const rows = await onStandby<{ n: string }>('SELECT count(*) AS n FROM users WHERE tenant_id = $1', [tenantId]);
      return Number(rows[0]!.n) === 5;
    });
    const before = { replica: await reads('replica'), primary: await reads('primary') };
    for (let i = 0; i < 10; i++) {
      const list = await scim.get<Json>('/Users?count=100');
      expect(list.body['totalResults']).toBe(5);
    }
    expect((await scim.get<Json>(`/Groups`)).status).toBe(200);
    expect(await reads('replica')).toBe(before.replica + 11);
    expect(await reads('primary')).toBe(before.primary);
    // The gateway's replica pool is what served them.
    const sessions = await onStandby<{ n: string }>(
      `SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'scim-gateway-replica'`,
    );
    expect(Number(sessions[0]!.n)).toBeGreaterThan(0);
  });

  it('reads its own writes at once, though the replica replays 300 ms late', async () => {
    const scim: ScimClient = stack.client((await stack.createTenant()).token);
    for (let i = 0; i < 10; i++) {
      const userName = `fresh${i}@replica.test`;
      const created = await scim.post<Json>('/Users', { userName, displayName: 'Before' });
      expect(created.status).toBe(201);
      const id = created.body['id'];
      expect((await scim.get<Json>(`/Users/${id}`)).body['displayName']).toBe('Before');
      const found = await scim.get<Json>(`/Users${filterQuery(`userName eq "${userName}"`)}`);
      expect(found.body['Resources'].map((u: Json) => u['id'])).toEqual([id]);
      const patched = await scim.patch<Json>(`/Users/${id}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'replace', path: 'displayName', value: 'After' }],
      });
      expect(patched.status).toBe(200);
      expect((await scim.get<Json>(`/Users/${id}`)).body['displayName']).toBe('After');
    }
    const group = await scim.post<Json>('/Groups', { displayName: 'Fresh team' });
    const read = await scim.get<Json>(`/Groups/${group.body['id']}`);
    expect(read.status).toBe(200);
    expect(read.body['displayName']).toBe('Fresh team');
  });

  it('goes back to the replica for that tenant once the replica has caught up', async () => {
    const scim: ScimClient = stack.client((await stack.createTenant()).token);
    const created = await scim.post<Json>('/Users', { userName: 'settled@replica.test' });
    const before = await reads('replica');
    await waitFor('a read served by the replica', async () => {
      expect((await scim.get<Json>(`/Users/${created.body['id']}`)).status).toBe(200);
      return (await reads('replica')) > before;
    });
  });

  it('reads from the primary when the replica stops, without hanging or failing', async () => {
    const scim: ScimClient = stack.client((await stack.createTenant()).token);
    const created = await scim.post<Json>('/Users', { userName: 'survivor@replica.test' });
    standby.halt();
    const before = await reads('primary');
    for (let i = 0; i < 10; i++) {
      const answer = await scim.get<Json>(`/Users/${created.body['id']}`);
      expect(answer.status).toBe(200);
      const list = await scim.get<Json>('/Users?count=5');
      expect(list.status).toBe(200);
    }
    expect(await reads('primary')).toBeGreaterThanOrEqual(before + 20);
    await stack.apps[0]!.waitForLog(/The read replica is unavailable/);
  });
});
