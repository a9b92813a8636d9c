import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { PgBouncer } from './support/pgbouncer';
import { TestStack, filterQuery, type ScimClient } from './support/stack';
import { startMigrate } from './support/migrate';
import { raceCreates } from './support/username-race';

type Json = Record<string, any>;
const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const BIG_GROUP_MEMBERS = 12_000;

/**
 * The whole stack through pgbouncer in transaction pooling mode (Debian's pgbouncer, started here
 * on a loopback port in front of the shared Postgres, 6 server connections for the apps' 50-odd
 * client connections) with DB_POOL_MODE=transaction: migrate, the Entra user and group sequences,
 * a group of 12,000 members read in pages, the userName race and the statement time limit.
 */
describe('the stack through pgbouncer in transaction pooling mode (end to end)', () => {
  const name = `scim_test_pgbouncer_${process.pid}_${randomBytes(3).toString('hex')}`;
  const bouncer = new PgBouncer({ poolSize: 6 });
  let stack: TestStack;
  let scim: ScimClient;
  let tenantId = '';

  beforeAll(async () => {
    await bouncer.start();
    const migration = startMigrate(bouncer.url(name));
    if ((await migration.exited) !== 0) throw new Error(`migrate through pgbouncer failed:\n${migration.output()}`);
    stack = new TestStack({
      label: 'pgbouncer',
      workers: 2,
      // The test's own checks go to Postgres directly; the apps go through pgbouncer.
      databaseUrl: `postgres://postgres@127.0.0.1:5432/${name}`,
      env: { DATABASE_URL: bouncer.url(name), DB_POOL_MODE: 'transaction', DB_STATEMENT_TIMEOUT_MS: '1000' },
    });
    await stack.start();
    const tenant = await stack.createTenant({ workDomains: ['contoso.com'] });
    tenantId = tenant.tenantId;
    scim = stack.client(tenant.token);
  }, 90000);

  afterAll(async () => {
    if (process.env['DUMP_LOGS']) console.log(stack?.dumpLogs(), bouncer.logs);
    await stack?.stop();
    await bouncer.stop();
    const admin = new Client({ connectionString: ADMIN_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  }, 60000);

  afterEach(() => {
    const state = expect.getState();
    if (state.assertionCalls > state.numPassingAsserts) console.log(stack.dumpLogs(), bouncer.logs);
  });

  it('the apps reach Postgres only through pgbouncer, which pools them in transaction mode', async () => {
    expect((await fetch(`${stack.baseUrl}/health/ready`)).status).toBe(200);
    const config = await bouncer.show('CONFIG');
    expect(config.find((row) => row['key'] === 'pool_mode')?.['value']).toBe('transaction');
    // Every app connected to pgbouncer, none to Postgres itself: pgbouncer's server connections are all there is.
    const clients = (await bouncer.show('CLIENTS')).filter((row) => row['database'] === name);
    expect(clients.length).toBeGreaterThanOrEqual(4);
    const servers: { n: string }[] = await stack.dataSource.query(
      `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'scim-%'`,
    );
    expect(Number(servers[0]!.n)).toBeLessThanOrEqual(6);
  });

  it('runs the Entra user sequence', async () => {
    const created = await scim.post<Json>('/Users', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: 'Bouncer.User@contoso.com',
      externalId: 'b1',
      active: true,
      emails: [{ primary: true, type: 'work', value: 'bouncer.user@contoso.com' }],
      name: { givenName: 'Bouncer', familyName: 'User' },
    });
    expect(created.status).toBe(201);
    const id = created.body['id'];
    const found = await scim.get<Json>(`/Users${filterQuery('userName eq "bouncer.user@contoso.com"')}`);
    expect(found.body['Resources'].map((u: Json) => u['id'])).toEqual([id]);
    const patched = await scim.patch<Json>(`/Users/${id}`, {
      schemas: [PATCH_OP],
      Operations: [
        { op: 'Replace', path: 'active', value: 'False' },
        { op: 'Replace', path: 'name.familyName', value: 'Pooled' },
      ],
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ active: false, name: { familyName: 'Pooled' } });
    expect((await scim.get<Json>(`/Users/${id}`)).body['meta']['version']).toBe(patched.body['meta']['version']);
    expect((await scim.delete(`/Users/${id}`)).status).toBe(204);
    expect((await scim.get(`/Users/${id}`)).status).toBe(404);
  });

  it('runs the Entra group sequence', async () => {
    const members: string[] = [];
    for (const userName of ['g1@contoso.com', 'g2@contoso.com', 'g3@contoso.com']) {
      members.push((await scim.post<Json>('/Users', { userName })).body['id']);
    }
    const group = await scim.post<Json>('/Groups', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'Pooled Team',
      externalId: 'team-1',
      members: [],
    });
    expect(group.status).toBe(201);
    const id = group.body['id'];
    const byName = await scim.get<Json>(
      `/Groups${filterQuery('displayName eq "Pooled Team"', '&excludedAttributes=members')}`,
    );
    expect(byName.body['Resources']).toEqual([expect.objectContaining({ id, displayName: 'Pooled Team' })]);
    const added = await scim.patch(`/Groups/${id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'Add', path: 'members', value: members.map((value) => ({ value })) }],
    });
    expect(added.status).toBe(204);
    const removed = await scim.patch(`/Groups/${id}`, {
      schemas: [PATCH_OP],
      Operations: [
        { op: 'Remove', path: 'members', value: [{ value: members[0] }] },
        { op: 'Replace', path: 'displayName', value: 'Pooled Team 2' },
      ],
    });
    expect(removed.status).toBe(204);
    const read = await scim.get<Json>(`/Groups/${id}`);
    expect(read.body['displayName']).toBe('Pooled Team 2');
    expect(read.body['members'].map((m: Json) => m['value']).sort()).toEqual(members.slice(1).sort());
    expect((await scim.delete(`/Groups/${id}`)).status).toBe(204);
  });

  it(`reads a group of ${BIG_GROUP_MEMBERS.toLocaleString('en')} members in pages`, async () => {
    const group = await scim.post<Json>('/Groups', { displayName: 'Everyone' });
    const groupId = group.body['id'];
    // Loaded with SQL (through the API it would take minutes); its shape is the API's.
    await stack.dataSource.query(
      `INSERT INTO users (id, tenant_id, user_name, active, data)
       SELECT gen_random_uuid(), $1, 'member' || i || '@contoso.com', true,
              jsonb_build_object('schemas', jsonb_build_array('urn:ietf:params:scim:schemas:core:2.0:User'), 'userName', 'member' || i || '@contoso.com')
         FROM generate_series(1, $2::int) i`,
      [tenantId, BIG_GROUP_MEMBERS],
    );
    await stack.dataSource.query(
      `INSERT INTO group_members (tenant_id, group_id, user_id)
       SELECT tenant_id, $2, id FROM users WHERE tenant_id = $1 AND user_name LIKE 'member%'`,
      [tenantId, groupId],
    );
    const read = await scim.get<Json>(`/Groups/${groupId}`);
    expect(read.status).toBe(200);
    const values: string[] = read.body['members'].map((m: Json) => m['value']);
    expect(values).toHaveLength(BIG_GROUP_MEMBERS);
    expect(new Set(values).size).toBe(BIG_GROUP_MEMBERS);
  });

  it('20 racing creates of one userName give one 201 and nineteen 409s', async () => {
    await raceCreates(scim, 'race@contoso.com');
    // 50-odd client connections shared 6 server connections.
    const pools = await bouncer.show('POOLS');
    const ours = pools.find((row) => row['database'] === name)!;
    expect(Number(ours['sv_active']) + Number(ours['sv_idle']) + Number(ours['sv_used'])).toBeLessThanOrEqual(6);
  });

  it('keeps the statement time limit without a session setting: a slow filter is stopped with a 503', async () => {
    // Hold a lock on the users table so that the next read waits past the 1 s limit.
    const locker = new Client({ connectionString: stack.databaseUrl });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE users IN ACCESS EXCLUSIVE MODE');
      const slow = await scim.get<Json>(`/Users${filterQuery('userName sw "member1"')}`);
      expect(slow.status).toBe(503);
      expect(slow.headers.get('retry-after')).toMatch(/^\d+$/);
      // Cancelled at the limit (SQLSTATE 57014), not given up on a second later as an unanswering server.
      expect(slow.body['detail']).toMatch(/longer than the database time limit/);
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      await locker.end();
    }
    // The pooled server connection that ran it serves the next request normally.
    expect((await scim.get(`/Users${filterQuery('userName eq "race@contoso.com"')}`)).status).toBe(200);
  });
});
