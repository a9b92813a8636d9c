import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { FailureReason, type FailureNotice, type JsonDocument, type WriteResult } from '@scim/queue';
import { createDirectoryDataSource } from './database/data-source';
import { DirectoryWriter, type DirectoryJobInput } from './directory-writer';
import { OperationsLog } from './operations/operations-log';
import { TenantRepository } from './tenants/tenant.repository';
import { TenantSettingsCache } from './tenants/tenant-settings.cache';
import { createTestDatabase } from './testing/test-database';
import { writeJobs } from './testing/write-jobs';

/**
 * Batches of writes (issue 13): the gateway coalesces writes that arrive while its previous add is
 * in flight, and the worker applies them with DirectoryWriter.applyBatch in one transaction, a
 * savepoint each. Every guarantee of a lone write must hold for each write of a batch.
 */
let db: { url: string; drop(): Promise<void> };
let ds: DataSource;
let tenants: TenantRepository;
let writer: DirectoryWriter;
const notices: FailureNotice[] = [];
let acme: string;
let globex: string;

beforeAll(async () => {
  db = await createTestDatabase('directory_writer_batch');
  ds = createDirectoryDataSource({ url: db.url, poolSize: 12, applicationName: 'directory-writer-batch-int-spec' });
  await ds.initialize();
  tenants = new TenantRepository(ds);
  writer = new DirectoryWriter(ds, new TenantSettingsCache(tenants, 0), {
    notify: async (notice) => void notices.push(notice),
  });
  acme = (await tenants.create({ name: 'Acme', workDomains: ['acme.com'], notifyEmail: 'it@acme.com' })).tenant.id;
  globex = (await tenants.create({ name: 'Globex', workDomains: ['acme.com'] })).tenant.id;
});

afterAll(async () => {
  await ds?.destroy();
  await db?.drop();
});

const { createUserJob, patchUserJob, createGroupJob, patchGroupJob } = writeJobs(() => acme);

function userName(prefix: string): string {
  return `${prefix}.${randomUUID().slice(0, 8)}@acme.com`;
}

function user(name: string): JsonDocument {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName: name,
    active: true,
    emails: [{ primary: true, type: 'work', value: name }],
  };
}

/** A result as its status (success) or its reason (refusal). */
function outcome(result: WriteResult): number | FailureReason {
  return result.ok ? result.status : result.reason;
}

function created(result: WriteResult | undefined): string {
  if (!result?.ok || !result.resource) throw new Error(`expected a created resource, got ${JSON.stringify(result)}`);
  return result.resource.id;
}

async function operations(jobs: DirectoryJobInput[]): Promise<{ id: string; tenant_id: string; outcome: string }[]> {
  return ds.query(`SELECT id, tenant_id, outcome FROM operations WHERE id = ANY($1::uuid[])`, [
    jobs.map((job) => job.data.operationId),
  ]);
}

async function createUser(name: string, tenantId = acme): Promise<string> {
  return created((await writer.applyBatch([createUserJob(user(name), { tenantId })]))[0]);
}

describe('DirectoryWriter.applyBatch', () => {
  it('saves the others when a write in the middle conflicts: 201, 409, 201, one log row each', async () => {
    const taken = await createUser(userName('taken'));
    const takenName = (await ds.query(`SELECT user_name FROM users WHERE id = $1`, [taken]))[0].user_name as string;
    const batch = [
      createUserJob(user(userName('first'))),
      createUserJob(user(takenName.toUpperCase())),
      createUserJob(user(userName('last'))),
    ];
    const results = await writer.applyBatch(batch);
    expect(results.map(outcome)).toEqual([201, FailureReason.UserNameTaken, 201]);
    const rows = await operations(batch);
    expect(rows).toHaveLength(3);
    expect(Object.fromEntries(rows.map((row) => [row.id, row.outcome]))).toEqual({
      [batch[0]!.data.operationId]: 'succeeded',
      [batch[1]!.data.operationId]: 'failed',
      [batch[2]!.data.operationId]: 'succeeded',
    });
    const saved = await ds.query(`SELECT id FROM users WHERE id = ANY($1::uuid[])`, [
      [created(results[0]), created(results[2])],
    ]);
    expect(saved).toHaveLength(2);
  });

  it('creates a batch of creates in one statement: the same userName twice in it, a refused email, notes kept', async () => {
    notices.length = 0;
    const twice = userName('twice');
    const withPrivateEmail = user(userName('noted'));
    withPrivateEmail['emails'] = [
      { primary: true, type: 'work', value: withPrivateEmail['userName'] as string },
      { type: 'home', value: 'someone@gmail.com' },
    ];
    const batch = [
      createUserJob(user(twice)),
      createUserJob(user('private.person@gmail.com')),
      createUserJob(user(twice.toUpperCase())),
      createUserJob(withPrivateEmail),
    ];
    const results = await writer.applyBatch(batch, { firstDelivery: true });
    expect(results.map(outcome)).toEqual([201, FailureReason.WorkEmailRejected, FailureReason.UserNameTaken, 201]);
    const rows: { id: string; outcome: string; resource_id: string | null; notes: unknown }[] = await ds.query(
      `SELECT id, outcome, resource_id, notes FROM operations WHERE id = ANY($1::uuid[])`,
      [batch.map((job) => job.data.operationId)],
    );
    const byId = new Map(rows.map((row) => [row.id, row]));
    expect(batch.map((job) => byId.get(job.data.operationId)?.outcome)).toEqual([
      'succeeded',
      'failed',
      'failed',
      'succeeded',
    ]);
    expect(byId.get(batch[0]!.data.operationId)?.resource_id).toBe(created(results[0]));
    expect(byId.get(batch[3]!.data.operationId)?.notes).toEqual({
      ignoredEmails: [expect.objectContaining({ value: 'someone@gmail.com' })],
    });
    const stored: { user_name: string }[] = await ds.query(`SELECT user_name FROM users WHERE lower(user_name) = $1`, [
      twice.toLowerCase(),
    ]);
    expect(stored).toEqual([{ user_name: twice }]);
    expect(notices.map((notice) => notice.operationId).sort()).toEqual(
      [batch[1]!.data.operationId, batch[2]!.data.operationId].sort(),
    );
  });

  it('answers a redelivered batch from the log and applies nothing twice', async () => {
    // The worker committed, then died before replying: BullMQ hands the same job to another worker.
    const batch = [
      createUserJob(user(userName('redelivered-a'))),
      createUserJob(user('not-an-email-on-a-work-domain@gmail.com')),
      createUserJob(user(userName('redelivered-b'))),
    ];
    const first = await writer.applyBatch(batch);
    const usersBefore = Number((await ds.query(`SELECT count(*) AS n FROM users`))[0].n);
    const again = await writer.applyBatch(batch);
    expect(again.map(outcome)).toEqual(first.map(outcome));
    expect(again.map((r) => (r.ok ? r.resource?.id : r.detail))).toEqual(
      first.map((r) => (r.ok ? r.resource?.id : r.detail)),
    );
    expect(Number((await ds.query(`SELECT count(*) AS n FROM users`))[0].n)).toBe(usersBefore);
    expect(await operations(batch)).toHaveLength(3);
  });

  it('answers a write the gateway already settled as refused from the log, even on a first delivery', async () => {
    // The gateway lost its reply channel and recorded the write as refused before a worker took the job.
    const settled = createUserJob(user(userName('settled')));
    await new OperationsLog(ds).abandon(settled, {
      reason: FailureReason.Unavailable,
      detail: 'The write was not applied: the connection to the queue was lost while it waited.',
    });
    const other = createUserJob(user(userName('unaffected')));
    const results = await writer.applyBatch([settled, other], { firstDelivery: true });
    expect(results.map(outcome)).toEqual([FailureReason.Unavailable, 201]);
    expect(results[0]).toMatchObject({ detail: expect.stringMatching(/connection to the queue was lost/) });
    const named: unknown[] = await ds.query(`SELECT id FROM users WHERE user_name = $1`, [
      settled.data.user['userName'],
    ]);
    expect(named).toEqual([]);
  });

  it("keeps tenants apart within one batch: the same userName twice, and another tenant's id not found", async () => {
    const name = userName('shared');
    const acmeUser = await createUser(userName('acme-only'));
    const batch = [
      createUserJob(user(name), { tenantId: acme }),
      createUserJob(user(name), { tenantId: globex }),
      patchUserJob(acmeUser, [{ op: 'replace', path: 'active', value: false }], { tenantId: globex }),
    ];
    const results = await writer.applyBatch(batch);
    expect(results.map(outcome)).toEqual([201, 201, FailureReason.NotFound]);
    const rows = await operations(batch);
    expect(Object.fromEntries(rows.map((row) => [row.id, row.tenant_id]))).toEqual({
      [batch[0]!.data.operationId]: acme,
      [batch[1]!.data.operationId]: globex,
      [batch[2]!.data.operationId]: globex,
    });
    const stored: { tenant_id: string; active: boolean }[] = await ds.query(
      `SELECT tenant_id, active FROM users WHERE id = ANY($1::uuid[]) ORDER BY tenant_id`,
      [[created(results[0]), created(results[1]), acmeUser]],
    );
    expect(stored.filter((row) => row.tenant_id === acme)).toHaveLength(2);
    expect(stored.every((row) => row.active)).toBe(true);
  });

  it('applies two batches that touch the same groups in opposite orders, losing no update', async () => {
    const members = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => createUser(userName(`member${n}`))));
    const groupA = created((await writer.applyBatch([createGroupJob({ displayName: `A ${randomUUID()}` })]))[0]);
    const groupB = created((await writer.applyBatch([createGroupJob({ displayName: `B ${randomUUID()}` })]))[0]);
    const add = (groupId: string, userId: string) =>
      patchGroupJob(groupId, [{ op: 'add', path: 'members', value: [{ value: userId }] }]);
    const rename = (userId: string, tag: string) =>
      patchUserJob(userId, [{ op: 'replace', path: 'displayName', value: tag }]);
    // Also users patched in opposite orders: row locks Postgres may resolve as a deadlock (then the batch runs again).
    const first = [
      add(groupA, members[0]!),
      add(groupB, members[1]!),
      rename(members[4]!, 'x'),
      rename(members[5]!, 'x'),
    ];
    const second = [
      add(groupB, members[2]!),
      add(groupA, members[3]!),
      rename(members[5]!, 'y'),
      rename(members[4]!, 'y'),
    ];
    const [one, two] = await Promise.all([writer.applyBatch(first), writer.applyBatch(second)]);
    expect([...one, ...two].map(outcome)).toEqual([200, 200, 200, 200, 200, 200, 200, 200]);
    const memberships: { group_id: string; n: string }[] = await ds.query(
      `SELECT group_id, count(*) AS n FROM group_members WHERE group_id = ANY($1::uuid[]) GROUP BY group_id`,
      [[groupA, groupB]],
    );
    expect(Object.fromEntries(memberships.map((row) => [row.group_id, Number(row.n)]))).toEqual({
      [groupA]: 2,
      [groupB]: 2,
    });
    const versions: { version: number }[] = await ds.query(`SELECT version FROM groups WHERE id = ANY($1::uuid[])`, [
      [groupA, groupB],
    ]);
    expect(versions.map((row) => row.version)).toEqual([3, 3]);
    const renamed: { version: number }[] = await ds.query(`SELECT version FROM users WHERE id = ANY($1::uuid[])`, [
      [members[4], members[5]],
    ]);
    expect(renamed.map((row) => row.version)).toEqual([3, 3]);
  });

  it('refuses a write past its deadline alone, and notifies each refused write', async () => {
    notices.length = 0;
    const batch = [
      createUserJob(user(userName('in-time'))),
      createUserJob(user(userName('too-late')), { deadline: Date.now() - 1 }),
      createUserJob(user('private.person@gmail.com')),
    ];
    const results = await writer.applyBatch(batch);
    expect(results.map(outcome)).toEqual([201, FailureReason.TimedOut, FailureReason.WorkEmailRejected]);
    const rows: { id: string; reason: string | null }[] = await ds.query(
      `SELECT id, reason FROM operations WHERE id = ANY($1::uuid[]) AND outcome = 'failed'`,
      [batch.map((job) => job.data.operationId)],
    );
    expect(Object.fromEntries(rows.map((row) => [row.id, row.reason]))).toEqual({
      [batch[1]!.data.operationId]: FailureReason.TimedOut,
      [batch[2]!.data.operationId]: 'WORK_EMAIL_REJECTED',
    });
    expect(notices.map((notice) => notice.operationId).sort()).toEqual(
      [batch[1]!.data.operationId, batch[2]!.data.operationId].sort(),
    );
  });
});
