import { randomBytes, randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { JsonDocument, WriteResult } from '@scim/queue';
import { ENTERPRISE_USER_SCHEMA } from '@scim/scim';
import { createDirectoryDataSource } from './database/data-source';
import { TenantRepository } from './tenants/tenant.repository';
import { FailureReason } from '@scim/queue';
import { DirectoryWriter, type DirectoryJobInput } from './directory-writer';
import { OperationsLog } from './operations/operations-log';
import { TenantSettingsCache } from './tenants/tenant-settings.cache';
import { createTestDatabase } from './testing/test-database';
import { writeJobs } from './testing/write-jobs';

interface OperationRow {
  id: string;
  tenant_id: string;
  kind: string;
  resource_type: string;
  resource_id: string | null;
  resource_name: string | null;
  external_id: string | null;
  outcome: 'succeeded' | 'failed';
  status: number | null;
  reason: string | null;
  error: string | null;
  notes: {
    ignoredEmails?: { type: string | null; value: string | null; reason: string }[];
    unassigned?: string[];
  } | null;
}

interface UserRow {
  id: string;
  tenant_id: string;
  user_name: string;
  external_id: string | null;
  active: boolean;
  work_email: string | null;
  data: Record<string, unknown>;
  version: number;
  created_at: Date;
  updated_at: Date;
}

let db: { url: string; drop(): Promise<void> };
let ds: DataSource;
let tenants: TenantRepository;
let writer: DirectoryWriter;
/** Work domains acme.com; most tests write here. */
let acme: string;

beforeAll(async () => {
  db = await createTestDatabase('directory_writer');
  ds = createDirectoryDataSource({ url: db.url, poolSize: 25, applicationName: 'directory-writer-int-spec' });
  await ds.initialize();
  tenants = new TenantRepository(ds);
  // ttl 0: every write reads the tenant's current settings, so a settings change applies at once.
  writer = new DirectoryWriter(ds, new TenantSettingsCache(tenants, 0));
  acme = (await tenants.create({ name: 'Acme', workDomains: ['acme.com'] })).tenant.id;
});

afterAll(async () => {
  await ds?.destroy();
  await db?.drop();
});

// ---------------------------------------------------------------------------------------------
// Jobs, as the gateway enqueues them

const {
  createUserJob: createJob,
  replaceUserJob: replaceJob,
  patchUserJob: patchJob,
  deleteUserJob: deleteJob,
} = writeJobs(() => acme);

let serial = 0;
/** A userName nobody else in this file uses. */
function uniqueName(prefix: string): string {
  serial += 1;
  return `${prefix}.${serial}.${randomUUID().slice(0, 8)}@acme.com`;
}

function entraUser(userName: string, extra: JsonDocument = {}): JsonDocument {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE_USER_SCHEMA],
    externalId: `ext-${userName}`,
    userName,
    active: true,
    emails: [{ primary: true, type: 'work', value: userName }],
    name: { givenName: 'Test', familyName: 'User' },
    ...extra,
  };
}

/** Creates a user and returns its id; fails the test if the create was refused. */
async function createUser(userName: string, extra: JsonDocument = {}, tenantId = acme): Promise<string> {
  const result = await writer.apply(createJob(entraUser(userName, extra), { tenantId }));
  if (!result.ok || !result.resource) throw new Error(`create of ${userName} failed: ${JSON.stringify(result)}`);
  return result.resource.id;
}

function expectOk(result: WriteResult): Extract<WriteResult, { ok: true }> {
  if (!result.ok) throw new Error(`expected success, got ${JSON.stringify(result)}`);
  return result;
}

function expectRefused(result: WriteResult): Extract<WriteResult, { ok: false }> {
  if (result.ok) throw new Error(`expected a refusal, got ${JSON.stringify(result)}`);
  return result;
}

async function operation(operationId: string): Promise<OperationRow | undefined> {
  const rows: OperationRow[] = await ds.query('SELECT * FROM operations WHERE id = $1', [operationId]);
  return rows[0];
}

async function operationCount(operationId: string): Promise<number> {
  const rows: { n: string }[] = await ds.query('SELECT count(*) AS n FROM operations WHERE id = $1', [operationId]);
  return Number(rows[0]!.n);
}

async function userRow(id: string): Promise<UserRow | undefined> {
  const rows: UserRow[] = await ds.query('SELECT * FROM users WHERE id = $1', [id]);
  return rows[0];
}

async function usersNamed(userName: string, tenantId = acme): Promise<UserRow[]> {
  return ds.query('SELECT * FROM users WHERE tenant_id = $1 AND lower(user_name) = lower($2)', [tenantId, userName]);
}

/** `race.condition` with the letters' case flipped according to the bits of n: 20 spellings of one name. */
function caseVariant(base: string, n: number): string {
  let bit = 0;
  return [...base]
    .map((ch) => (/[a-z]/i.test(ch) ? ((n >> bit++) & 1 ? ch.toUpperCase() : ch.toLowerCase()) : ch))
    .join('');
}

// ---------------------------------------------------------------------------------------------

describe('DirectoryWriter', () => {
  describe('create-user', () => {
    it('creates the user (201), returns the resource and records the operation', async () => {
      const userName = uniqueName('Create.Me');
      const job = createJob(entraUser(userName, { [ENTERPRISE_USER_SCHEMA]: { department: 'Sales' } }));
      const result = expectOk(await writer.apply(job));

      expect(result.status).toBe(201);
      const resource = result.resource!;
      expect(resource.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(resource.version).toBe(1);
      expect(resource.data).toEqual({
        externalId: `ext-${userName}`,
        userName,
        active: true,
        emails: [{ value: userName, type: 'work', primary: true }],
        name: { givenName: 'Test', familyName: 'User' },
        [ENTERPRISE_USER_SCHEMA]: { department: 'Sales' },
      });
      expect(Date.parse(resource.created)).not.toBeNaN();
      expect(resource.lastModified).toBe(resource.created);

      const row = (await userRow(resource.id))!;
      expect(row).toMatchObject({
        tenant_id: acme,
        user_name: userName,
        external_id: `ext-${userName}`,
        active: true,
        work_email: userName,
        version: 1,
      });
      expect(row.data).toEqual(resource.data);

      expect(await operation(job.data.operationId)).toMatchObject({
        tenant_id: acme,
        kind: 'create-user',
        resource_type: 'User',
        resource_id: resource.id,
        resource_name: userName,
        external_id: `ext-${userName}`,
        outcome: 'succeeded',
        status: 201,
        reason: null,
        error: null,
        notes: null,
      });
    });

    it('stores active "False" as a boolean false', async () => {
      const id = await createUser(uniqueName('inactive'), { active: 'False' });
      expect(await userRow(id)).toMatchObject({ active: false, data: expect.objectContaining({ active: false }) });
    });

    it("saves only the work email and records the ignored ones in the operation's notes", async () => {
      const userName = uniqueName('emails');
      const job = createJob(
        entraUser(userName, {
          emails: [
            { type: 'home', value: 'me@gmail.com' },
            { type: 'work', value: userName, primary: true },
            { type: 'work', value: `second.${userName}` },
          ],
        }),
      );
      const result = expectOk(await writer.apply(job));
      expect(result.resource!.data['emails']).toEqual([{ value: userName, type: 'work', primary: true }]);
      expect((await operation(job.data.operationId))!.notes).toEqual({
        ignoredEmails: [
          { type: 'home', value: 'me@gmail.com', reason: 'only work email addresses are saved' },
          { type: 'work', value: `second.${userName}`, reason: 'a user keeps one work email' },
        ],
      });
    });

    it('refuses the same userName in another case with 409 uniqueness, recorded as failed', async () => {
      const userName = uniqueName('Taken.Name');
      const firstId = await createUser(userName);
      const job = createJob(entraUser(userName.toUpperCase()));
      const result = expectRefused(await writer.apply(job));

      expect(result).toMatchObject({ reason: FailureReason.UserNameTaken });
      expect(result.detail).toContain(userName.toUpperCase());
      expect(result.detail).toContain('userName eq');
      expect(await usersNamed(userName)).toEqual([expect.objectContaining({ id: firstId, user_name: userName })]);
      expect(await operation(job.data.operationId)).toMatchObject({
        kind: 'create-user',
        outcome: 'failed',
        reason: FailureReason.UserNameTaken,
        resource_id: null,
        resource_name: userName.toUpperCase(),
        error: result.detail,
      });
    });

    it('lets exactly one of 20 concurrent creates of one userName (in different cases) win; the others get 409', async () => {
      const base = `race.condition.${randomUUID().slice(0, 6)}@acme.com`;
      const jobs = Array.from({ length: 20 }, (_, i) => createJob(entraUser(caseVariant(base, i))));
      expect(new Set(jobs.map((j) => j.data.user['userName'])).size).toBe(20);

      const results = await Promise.all(jobs.map((job) => writer.apply(job)));

      const winners = results.filter((r) => r.ok);
      const losers = results.filter((r) => !r.ok);
      expect(winners).toHaveLength(1);
      expect(winners[0]!.status).toBe(201);
      expect(losers).toHaveLength(19);
      for (const loser of losers) expect(loser).toMatchObject({ ok: false, reason: FailureReason.UserNameTaken });

      const rows = await usersNamed(base);
      expect(rows).toHaveLength(1);
      expect(rows[0]!.id).toBe(expectOk(winners[0]!).resource!.id);

      const outcomes: { outcome: string; status: number | null; reason: string | null; n: string }[] = await ds.query(
        'SELECT outcome, status, reason, count(*) AS n FROM operations WHERE id = ANY($1::uuid[]) GROUP BY outcome, status, reason ORDER BY outcome DESC',
        [jobs.map((j) => j.data.operationId)],
      );
      expect(outcomes.map((o) => ({ ...o, n: Number(o.n) }))).toEqual([
        { outcome: 'succeeded', status: 201, reason: null, n: 1 },
        { outcome: 'failed', status: null, reason: FailureReason.UserNameTaken, n: 19 },
      ]);
    });

    it('allows the same userName in two different tenants', async () => {
      const other = (await tenants.create({ name: 'Other', workDomains: ['acme.com'] })).tenant.id;
      const userName = uniqueName('shared');
      const a = await createUser(userName);
      const b = await createUser(userName, {}, other);
      expect(a).not.toBe(b);
      expect(await usersNamed(userName, acme)).toHaveLength(1);
      expect(await usersNamed(userName, other)).toHaveLength(1);
    });

    it('refuses a work email on a disallowed domain: 400 invalidValue, nothing saved, a failure recorded', async () => {
      const userName = uniqueName('outsider');
      const job = createJob(
        entraUser(userName, { emails: [{ type: 'work', primary: true, value: 'jdoe@globex.com' }] }),
      );
      const result = expectRefused(await writer.apply(job));

      expect(result).toMatchObject({ reason: FailureReason.WorkEmailRejected });
      expect(result.detail).toContain('jdoe@globex.com');
      expect(result.detail).toContain('acme.com');
      expect(await usersNamed(userName)).toEqual([]);
      expect(await operation(job.data.operationId)).toMatchObject({
        kind: 'create-user',
        outcome: 'failed',
        reason: FailureReason.WorkEmailRejected,
        resource_name: userName,
        external_id: `ext-${userName}`,
        error: result.detail,
      });
    });

    it('rejects personal mailboxes for a tenant without work domains, and accepts company ones', async () => {
      const open = (await tenants.create({ name: 'Open' })).tenant.id;
      const refused = expectRefused(
        await writer.apply(
          createJob(entraUser(uniqueName('p'), { emails: [{ type: 'work', value: 'x@gmail.com' }] }), {
            tenantId: open,
          }),
        ),
      );
      expect(refused).toMatchObject({ reason: FailureReason.WorkEmailRejected });
      const accepted = expectOk(
        await writer.apply(
          createJob(entraUser(uniqueName('c'), { emails: [{ type: 'work', value: 'x@initech.com' }] }), {
            tenantId: open,
          }),
        ),
      );
      expect(accepted.status).toBe(201);
    });
  });

  describe('idempotency: the same job applied twice has the effect of once', () => {
    it('create: one users row, one operations row, the same status and id', async () => {
      const userName = uniqueName('replayed');
      const job = createJob(entraUser(userName));
      const first = expectOk(await writer.apply(job));
      const second = expectOk(await writer.apply(job));

      expect(second.status).toBe(first.status);
      expect(second.status).toBe(201);
      expect(second.resource!.id).toBe(first.resource!.id);
      expect(await usersNamed(userName)).toHaveLength(1);
      expect(await operationCount(job.data.operationId)).toBe(1);
    });

    it('create redelivered concurrently: still one row', async () => {
      const userName = uniqueName('redelivered');
      const job = createJob(entraUser(userName));
      const results = await Promise.all([writer.apply(job), writer.apply(job), writer.apply(job)]);
      const ids = new Set(results.map((r) => expectOk(r).resource!.id));
      expect(ids.size).toBe(1);
      for (const r of results) expect(expectOk(r).status).toBe(201);
      expect(await usersNamed(userName)).toHaveLength(1);
      expect(await operationCount(job.data.operationId)).toBe(1);
    });

    it('a refused create replays its refusal', async () => {
      const userName = uniqueName('dup');
      await createUser(userName);
      const job = createJob(entraUser(userName.toUpperCase()));
      const first = expectRefused(await writer.apply(job));
      const second = expectRefused(await writer.apply(job));
      expect(second).toEqual(first);
      expect(await operationCount(job.data.operationId)).toBe(1);
    });

    it('patch: applied once (one version bump, one phone number), answered the same the second time', async () => {
      const id = await createUser(uniqueName('patched'));
      const job = patchJob(id, [
        { op: 'add', path: 'phoneNumbers', value: [{ type: 'mobile', value: '+1 555 0100' }] },
      ]);
      const first = expectOk(await writer.apply(job));
      const second = expectOk(await writer.apply(job));

      expect(first.status).toBe(200);
      expect(second.status).toBe(200);
      expect(second.resource!.id).toBe(id);
      expect(second.resource!.version).toBe(2);
      const row = (await userRow(id))!;
      expect(row.version).toBe(2);
      expect(row.data['phoneNumbers']).toEqual([{ type: 'mobile', value: '+1 555 0100' }]);
      expect(await operationCount(job.data.operationId)).toBe(1);
    });

    it('delete: 204 both times, one operations row', async () => {
      const id = await createUser(uniqueName('deleted'));
      const job = deleteJob(id);
      expect(await writer.apply(job)).toEqual({ ok: true, status: 204 });
      expect(await writer.apply(job)).toEqual({ ok: true, status: 204 });
      expect(await userRow(id)).toBeUndefined();
      expect(await operationCount(job.data.operationId)).toBe(1);
      expect(await operation(job.data.operationId)).toMatchObject({
        kind: 'delete-user',
        outcome: 'succeeded',
        status: 204,
        resource_id: id,
      });
    });

    it('a later delete of an already deleted user is 404', async () => {
      const id = await createUser(uniqueName('gone'));
      expectOk(await writer.apply(deleteJob(id)));
      expect(expectRefused(await writer.apply(deleteJob(id)))).toMatchObject({ reason: FailureReason.NotFound });
    });
  });

  describe('deadline', () => {
    it('does not apply a job past its deadline and answers 503', async () => {
      const userName = uniqueName('late');
      const job = createJob(entraUser(userName), { deadline: Date.now() - 1 });
      const result = expectRefused(await writer.apply(job));
      expect(result).toMatchObject({ reason: FailureReason.TimedOut });
      expect(await usersNamed(userName)).toEqual([]);
      expect(await operation(job.data.operationId)).toMatchObject({
        outcome: 'failed',
        reason: FailureReason.TimedOut,
      });
    });

    it('does not apply a late patch either', async () => {
      const id = await createUser(uniqueName('late-patch'));
      const result = await writer.apply(
        patchJob(id, [{ op: 'replace', path: 'active', value: false }], { deadline: Date.now() - 1 }),
      );
      expect(result).toMatchObject({ reason: FailureReason.TimedOut });
      expect(await userRow(id)).toMatchObject({ active: true, version: 1 });
    });

    it('answers a late redelivery of an applied job with what was recorded', async () => {
      const job = createJob(entraUser(uniqueName('applied-then-late')));
      const first = expectOk(await writer.apply(job));
      const late = { ...job, data: { ...job.data, deadline: Date.now() - 1 } };
      const second = expectOk(await writer.apply(late));
      expect(second.status).toBe(201);
      expect(second.resource!.id).toBe(first.resource!.id);
    });
  });

  describe('abandoned operations (the gateway lost its reply channel)', () => {
    const lost = {
      detail: 'The write was not applied: the queue went away.',
      reason: FailureReason.Unavailable,
    };

    it('a write not yet applied is refused for good: applying it later changes nothing', async () => {
      const log = new OperationsLog(ds);
      const userName = uniqueName('abandoned');
      const job = createJob(entraUser(userName));
      expect(await log.abandon(job, lost)).toEqual({
        ok: false,
        reason: FailureReason.Unavailable,
        detail: lost.detail,
      });
      expect(await operation(job.data.operationId)).toMatchObject({
        outcome: 'failed',
        reason: FailureReason.Unavailable,
        resource_name: userName,
        kind: 'create-user',
      });
      expect(await writer.apply(job)).toEqual({ ok: false, reason: FailureReason.Unavailable, detail: lost.detail });
      expect(await usersNamed(userName)).toEqual([]);
      expect(await operationCount(job.data.operationId)).toBe(1);
    });

    it('a patch or a delete abandoned before it runs leaves the user as it was', async () => {
      const log = new OperationsLog(ds);
      const id = await createUser(uniqueName('abandoned-patch'));
      const patch = patchJob(id, [{ op: 'replace', path: 'active', value: false }]);
      const remove = deleteJob(id);
      expect(await log.abandon(patch, lost)).toMatchObject({ reason: FailureReason.Unavailable });
      expect(await log.abandon(remove, lost)).toMatchObject({ reason: FailureReason.Unavailable });
      expect(await writer.apply(patch)).toMatchObject({ reason: FailureReason.Unavailable });
      expect(await writer.apply(remove)).toMatchObject({ reason: FailureReason.Unavailable });
      expect(await userRow(id)).toMatchObject({ active: true, version: 1 });
    });

    it('a write that was applied is answered with its recorded result', async () => {
      const log = new OperationsLog(ds);
      const job = createJob(entraUser(uniqueName('applied-then-lost')));
      const applied = expectOk(await writer.apply(job));
      expect(await log.recorded([job.data.operationId, randomUUID()])).toEqual([job.data.operationId]);
      const settled = expectOk(await log.abandon(job, lost));
      expect(settled.status).toBe(201);
      expect(settled.resource!.id).toBe(applied.resource!.id);
      expect(await operationCount(job.data.operationId)).toBe(1);
    });
  });

  describe('patch-user', () => {
    it("applies Entra's PATCH (string boolean, op case, URN path) and returns 200 with the new version", async () => {
      const id = await createUser(uniqueName('entra-patch'));
      const job = patchJob(id, [
        { op: 'Replace', path: 'active', value: 'False' },
        { op: 'Replace', path: 'name.familyName', value: 'Updated' },
        { op: 'Add', path: `${ENTERPRISE_USER_SCHEMA}:employeeNumber`, value: '42' },
      ]);
      const result = expectOk(await writer.apply(job));
      expect(result.status).toBe(200);
      expect(result.resource!.version).toBe(2);
      expect(result.resource!.data).toMatchObject({
        active: false,
        name: { givenName: 'Test', familyName: 'Updated' },
        [ENTERPRISE_USER_SCHEMA]: { employeeNumber: '42' },
      });
      expect(await userRow(id)).toMatchObject({ active: false, version: 2 });
      expect(await operation(job.data.operationId)).toMatchObject({
        kind: 'patch-user',
        outcome: 'succeeded',
        status: 200,
        resource_id: id,
      });
    });

    it.each([
      ['remove', { op: 'remove', path: 'active' }],
      ['replace with null', { op: 'replace', path: 'active', value: null }],
    ])(
      '%s of active leaves it unassigned, the account active, and a note in the log',
      async (_label, operationJson) => {
        const id = await createUser(uniqueName('unassign-active'), { active: false });
        const job = patchJob(id, [operationJson]);
        const result = expectOk(await writer.apply(job));
        expect(result.resource!.data).not.toHaveProperty('active');
        // The platform's status is what a create without `active` gives.
        const created = await userRow(await createUser(uniqueName('no-active'), { active: undefined }));
        expect(await userRow(id)).toMatchObject({ active: created!.active, version: 2 });
        expect(created!.active).toBe(true);
        expect((await userRow(id))!.data).not.toHaveProperty('active');
        expect((await operation(job.data.operationId))!.notes).toEqual({ unassigned: ['active'] });
      },
    );

    it('notes nothing when active was already unassigned', async () => {
      const id = await createUser(uniqueName('unassigned-twice'));
      expectOk(await writer.apply(patchJob(id, [{ op: 'remove', path: 'active' }])));
      const again = patchJob(id, [
        { op: 'remove', path: 'active' },
        { op: 'replace', path: 'title', value: 'x' },
      ]);
      expectOk(await writer.apply(again));
      expect((await operation(again.data.operationId))!.notes).toBeNull();
    });

    it.each([
      ['an unknown id', randomUUID()],
      ['"not-a-uuid"', 'not-a-uuid'],
    ])('answers 404 for %s, recorded as failed', async (_label, userId) => {
      const job = patchJob(userId, [{ op: 'replace', path: 'active', value: false }]);
      const result = expectRefused(await writer.apply(job));
      expect(result).toMatchObject({ reason: FailureReason.NotFound });
      expect(result.detail).toContain(userId);
      expect(await operation(job.data.operationId)).toMatchObject({
        outcome: 'failed',
        reason: FailureReason.NotFound,
        kind: 'patch-user',
      });
    });

    it('answers 404 for replace and delete of "not-a-uuid"', async () => {
      expect(await writer.apply(replaceJob('not-a-uuid', entraUser(uniqueName('x'))))).toMatchObject({
        reason: FailureReason.NotFound,
      });
      expect(await writer.apply(deleteJob('not-a-uuid'))).toMatchObject({ reason: FailureReason.NotFound });
    });

    it("does not reach another tenant's user", async () => {
      const other = (await tenants.create({ name: 'Neighbour', workDomains: ['acme.com'] })).tenant.id;
      const id = await createUser(uniqueName('neighbour'), {}, other);
      expect(await writer.apply(patchJob(id, [{ op: 'replace', path: 'active', value: false }]))).toMatchObject({
        reason: FailureReason.NotFound,
      });
      expect(await writer.apply(deleteJob(id))).toMatchObject({ reason: FailureReason.NotFound });
      expect(await userRow(id)).toMatchObject({ active: true, version: 1 });
    });

    it('keeps every one of 10 concurrent PATCHes of one user (optimistic concurrency retries)', async () => {
      const id = await createUser(uniqueName('busy'));
      const numbers = Array.from({ length: 10 }, (_, i) => `+1 555 01${String(i).padStart(2, '0')}`);
      const results = await Promise.all(
        numbers.map((value) =>
          writer.apply(patchJob(id, [{ op: 'add', path: 'phoneNumbers', value: [{ type: 'mobile', value }] }])),
        ),
      );
      for (const r of results) expect(r).toMatchObject({ ok: true, status: 200 });

      const row = (await userRow(id))!;
      const saved = (row.data['phoneNumbers'] as { value: string }[]).map((p) => p.value).sort();
      expect(saved).toEqual([...numbers].sort());
      expect(row.version).toBe(11);
      // every answer saw its own write, each on a distinct version
      expect(new Set(results.map((r) => expectOk(r).resource!.version)).size).toBe(10);
    });

    it('refuses renaming to a taken userName (another case) with 409 and leaves the user unchanged', async () => {
      const taken = uniqueName('Taken');
      await createUser(taken);
      const id = await createUser(uniqueName('renamer'));
      const result = expectRefused(
        await writer.apply(patchJob(id, [{ op: 'replace', path: 'userName', value: taken.toUpperCase() }])),
      );
      expect(result).toMatchObject({ reason: FailureReason.UserNameTaken });
      expect(await userRow(id)).toMatchObject({ version: 1 });
    });

    it("allows changing only the case of the user's own userName", async () => {
      const userName = uniqueName('case.change');
      const id = await createUser(userName);
      const result = expectOk(
        await writer.apply(patchJob(id, [{ op: 'replace', path: 'userName', value: userName.toUpperCase() }])),
      );
      expect(result.resource!.data['userName']).toBe(userName.toUpperCase());
    });

    it('refuses a PATCH that sets the work email to a disallowed domain, leaving the user unchanged', async () => {
      const userName = uniqueName('email.change');
      const id = await createUser(userName);
      const job = patchJob(id, [{ op: 'Replace', path: 'emails[type eq "work"].value', value: 'jdoe@globex.com' }]);
      const result = expectRefused(await writer.apply(job));
      expect(result).toMatchObject({ reason: FailureReason.WorkEmailRejected });
      expect(result.detail).toContain('jdoe@globex.com');
      expect(await userRow(id)).toMatchObject({ work_email: userName, version: 1 });
      expect(await operation(job.data.operationId)).toMatchObject({
        outcome: 'failed',
        reason: FailureReason.WorkEmailRejected,
        resource_id: id,
      });
    });

    it('keeps work_email in step when a PATCH changes the work email', async () => {
      const id = await createUser(uniqueName('email.move'));
      expectOk(
        await writer.apply(
          patchJob(id, [{ op: 'replace', path: 'emails[type eq "work"].value', value: 'moved@sub.acme.com' }]),
        ),
      );
      expect(await userRow(id)).toMatchObject({
        work_email: 'moved@sub.acme.com',
        data: expect.objectContaining({ emails: [{ value: 'moved@sub.acme.com', type: 'work', primary: true }] }),
      });
    });

    it("after the tenant's work domains are narrowed, still lets a PATCH disable the user (emails unchanged)", async () => {
      const tenantId = (await tenants.create({ name: 'Narrowing', workDomains: ['acme.com', 'globex.com'] })).tenant.id;
      const id = await createUser(
        uniqueName('legacy'),
        { emails: [{ type: 'work', primary: true, value: 'legacy@globex.com' }] },
        tenantId,
      );
      await tenants.update(tenantId, { workDomains: ['acme.com'] });

      const result = expectOk(
        await writer.apply(patchJob(id, [{ op: 'Replace', path: 'active', value: 'False' }], { tenantId })),
      );
      expect(result.resource!.data).toMatchObject({
        active: false,
        emails: [{ value: 'legacy@globex.com', type: 'work', primary: true }],
      });
      expect(await userRow(id)).toMatchObject({ active: false, work_email: 'legacy@globex.com' });

      // ...but a change of the email itself is judged by the new list
      const moved = expectRefused(
        await writer.apply(
          patchJob(id, [{ op: 'Replace', path: 'emails[type eq "work"].value', value: 'other@globex.com' }], {
            tenantId,
          }),
        ),
      );
      expect(moved).toMatchObject({ reason: FailureReason.WorkEmailRejected });
    });

    // BUG (reported): updateUser decides "emails unchanged" with JSON.stringify, which depends on key
    // order; the current document comes back from jsonb with its keys reordered ({type, value,
    // primary}), so a PUT that re-sends the very same work email ({value, type, primary}, the order
    // the writer itself produces) counts as a change, is re-judged, and is refused after narrowing.
    it('after narrowing, still lets a PUT that re-sends the unchanged work email disable the user', async () => {
      const tenantId = (await tenants.create({ name: 'Narrowing PUT', workDomains: ['acme.com', 'globex.com'] })).tenant
        .id;
      const userName = uniqueName('legacy-put');
      const id = await createUser(
        userName,
        { emails: [{ type: 'work', primary: true, value: 'legacy@globex.com' }] },
        tenantId,
      );
      await tenants.update(tenantId, { workDomains: ['acme.com'] });

      const result = await writer.apply(
        replaceJob(
          id,
          { userName, active: false, emails: [{ value: 'legacy@globex.com', type: 'work', primary: true }] },
          { tenantId },
        ),
      );
      expect(result).toMatchObject({ ok: true, status: 200 });
    });
  });

  describe('replace-user', () => {
    it('replaces the document, keeps created and bumps version', async () => {
      const userName = uniqueName('replaced');
      const created = expectOk(
        await writer.apply(
          createJob(entraUser(userName, { title: 'Engineer', phoneNumbers: [{ type: 'work', value: '1' }] })),
        ),
      ).resource!;
      await new Promise((resolve) => setTimeout(resolve, 5));

      const job = replaceJob(created.id, {
        userName,
        displayName: 'Replaced',
        emails: [{ type: 'work', value: userName }],
      });
      const result = expectOk(await writer.apply(job));
      const resource = result.resource!;
      expect(result.status).toBe(200);
      expect(resource.id).toBe(created.id);
      expect(resource.created).toBe(created.created);
      expect(resource.version).toBe(2);
      expect(Date.parse(resource.lastModified)).toBeGreaterThan(Date.parse(created.created));
      // a PUT replaces: attributes it leaves out are gone
      expect(resource.data).toEqual({
        userName,
        displayName: 'Replaced',
        emails: [{ value: userName, type: 'work' }],
        active: true,
      });
      expect(await userRow(created.id)).toMatchObject({ external_id: null, version: 2 });
      expect(await operation(job.data.operationId)).toMatchObject({
        kind: 'replace-user',
        status: 200,
        outcome: 'succeeded',
      });
    });
  });

  describe('If-Match', () => {
    it('refuses a PATCH whose If-Match does not match the current version with 412', async () => {
      const id = await createUser(uniqueName('etag'));
      expectOk(await writer.apply(patchJob(id, [{ op: 'replace', path: 'title', value: 'v2' }])));
      const result = expectRefused(
        await writer.apply(patchJob(id, [{ op: 'replace', path: 'title', value: 'stale' }], { ifMatch: 'W/"1"' })),
      );
      expect(result).toMatchObject({ reason: FailureReason.VersionMismatch });
      expect(result.detail).toContain('W/"2"');
      expect((await userRow(id))!.data['title']).toBe('v2');
    });

    it('applies a PATCH whose If-Match matches (or is *)', async () => {
      const id = await createUser(uniqueName('etag-ok'));
      expectOk(await writer.apply(patchJob(id, [{ op: 'replace', path: 'title', value: 'v2' }], { ifMatch: 'W/"1"' })));
      expectOk(await writer.apply(patchJob(id, [{ op: 'replace', path: 'title', value: 'v3' }], { ifMatch: '"2"' })));
      expectOk(await writer.apply(patchJob(id, [{ op: 'replace', path: 'title', value: 'v4' }], { ifMatch: '*' })));
      expect(await userRow(id)).toMatchObject({ version: 4, data: expect.objectContaining({ title: 'v4' }) });
    });

    it('refuses a PUT and a DELETE on a stale If-Match with 412 and changes nothing', async () => {
      const userName = uniqueName('etag-put');
      const id = await createUser(userName);
      expect(await writer.apply(replaceJob(id, { userName, title: 'x' }, { ifMatch: 'W/"7"' }))).toMatchObject({
        reason: FailureReason.VersionMismatch,
      });
      expect(await writer.apply(deleteJob(id, { ifMatch: 'W/"7"' }))).toMatchObject({
        reason: FailureReason.VersionMismatch,
      });
      expect(await userRow(id)).toMatchObject({ version: 1 });
    });
  });

  describe('request id', () => {
    async function requestIdOf(operationId: string): Promise<string | null | undefined> {
      const rows: { request_id: string | null }[] = await ds.query('SELECT request_id FROM operations WHERE id = $1', [
        operationId,
      ]);
      return rows[0]?.request_id;
    }

    it('records the HTTP request id of every kind of user write, and of a refusal', async () => {
      const userName = uniqueName('request-id');
      const create = createJob(entraUser(userName), { requestId: 'req-create' });
      const id = expectOk(await writer.apply(create)).resource!.id;
      const patch = patchJob(id, [{ op: 'replace', path: 'title', value: 'x' }], { requestId: 'req-patch' });
      const replace = replaceJob(id, entraUser(userName), { requestId: 'req-replace' });
      const refused = createJob(entraUser(userName), { requestId: 'req-refused' });
      const remove = deleteJob(id, { requestId: 'req-delete' });
      for (const job of [patch, replace]) expectOk(await writer.apply(job));
      expectRefused(await writer.apply(refused));
      expectOk(await writer.apply(remove));
      expect(
        await Promise.all([create, patch, replace, refused, remove].map((job) => requestIdOf(job.data.operationId))),
      ).toEqual(['req-create', 'req-patch', 'req-replace', 'req-refused', 'req-delete']);
    });

    it('records the request id of group writes', async () => {
      const { createGroupJob, patchGroupJob, deleteGroupJob } = writeJobs(() => acme);
      const create = createGroupJob({ displayName: `Team ${randomUUID()}` }, [], { requestId: 'req-group-create' });
      const groupId = expectOk(await writer.apply(create)).resource!.id;
      const patch = patchGroupJob(groupId, [{ op: 'replace', path: 'displayName', value: `Renamed ${randomUUID()}` }], {
        requestId: 'req-group-patch',
      });
      const remove = deleteGroupJob(groupId, { requestId: 'req-group-delete' });
      expectOk(await writer.apply(patch));
      expectOk(await writer.apply(remove));
      expect(await Promise.all([create, patch, remove].map((job) => requestIdOf(job.data.operationId)))).toEqual([
        'req-group-create',
        'req-group-patch',
        'req-group-delete',
      ]);
    });

    it('leaves it empty for a job without one (an older gateway)', async () => {
      const job = createJob(entraUser(uniqueName('no-request-id')));
      expectOk(await writer.apply(job));
      expect(await requestIdOf(job.data.operationId)).toBeNull();
    });
  });
});

describe('DirectoryWriter: errors a retry cannot cure are answers, not retries', () => {
  // Before: each of these threw ("invalid byte sequence", "unsupported Unicode escape sequence"),
  // so the worker retried it 4 times and answered 503 "temporarily unavailable".
  it.each<[string, () => DirectoryJobInput]>([
    ['a NUL in the userName of a create', () => createJob(entraUser('nul\u0000name@acme.com'))],
    [
      'a NUL in another attribute of a create',
      () => createJob(entraUser(uniqueName('nul-title'), { title: 'a\u0000b' })),
    ],
    ['an unpaired surrogate in a create', () => createJob(entraUser(uniqueName('surrogate'), { title: 'x\uD800' }))],
    ['a NUL in the id of a delete', () => deleteJob('a\u0000b')],
    ['a NUL in the id of a replace', () => replaceJob('a\u0000b', entraUser(uniqueName('put-nul')))],
  ])('%s is refused with a 4xx, recorded in the operations log', async (_label, job) => {
    const built = job();
    const result = expectRefused(await writer.apply(built));
    // A fault of the request (a 4xx at the gateway), not of the service or an outage.
    expect([FailureReason.InvalidValue, FailureReason.NotFound]).toContain(result.reason);
    const row = await operation(built.data.operationId);
    expect(row).toMatchObject({ outcome: 'failed', reason: result.reason });
    expect(row!.error).not.toContain('\u0000');
  });

  it('answers a NUL in a value with 400 invalidValue naming the cause', async () => {
    const result = expectRefused(
      await writer.apply(createJob(entraUser(uniqueName('nul-detail'), { title: 'a\u0000b' }))),
    );
    expect(result).toMatchObject({
      reason: FailureReason.InvalidValue,
      detail: expect.stringMatching(/cannot store a value/),
    });
  });

  it('answers an index row too large for Postgres (a long, incompressible externalId) with 400, not a retry', async () => {
    const externalId = randomBytes(50_000).toString('base64url');
    const result = expectRefused(await writer.apply(createJob(entraUser(uniqueName('huge'), { externalId }))));
    expect(result).toMatchObject({ reason: FailureReason.InvalidValue, detail: expect.stringMatching(/index row/) });
  });
});
